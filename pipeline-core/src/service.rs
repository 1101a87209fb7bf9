//! Service containers that run beside a job (a database for integration tests).

use crate::env::Env;
use crate::expr::Expr;
use crate::id::VarName;

/// A service container reachable from the job's steps under `name` (GitLab, container jobs) or
/// on `localhost` through its ports (GitHub jobs on the runner host).
///
/// ```
/// use pipeline_core::Service;
/// let db = Service::new("postgres", "postgres:17").env("POSTGRES_PASSWORD", "postgres").port(5432);
/// assert_eq!(db.ports, [5432]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Host name of the service.
    pub name: String,
    /// Container image.
    pub image: String,
    /// Environment of the service container.
    pub env: Env,
    /// Ports to publish.
    pub ports: Vec<u16>,
}

impl Service {
    /// A service `name` running `image`.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            image: image.into(),
            env: Env::new(),
            ports: Vec::new(),
        }
    }

    /// Sets an environment variable of the service container.
    #[must_use]
    pub fn env(mut self, name: impl Into<VarName>, value: impl Into<Expr>) -> Self {
        self.env.insert(name, value);
        self
    }

    /// Publishes a port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.ports.push(port);
        self
    }
}
