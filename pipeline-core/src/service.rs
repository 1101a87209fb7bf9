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
    /// The executable the container starts instead of its image's entrypoint (one word, as
    /// Docker's `--entrypoint`).
    pub entrypoint: Option<String>,
    /// The arguments given to the entrypoint instead of the image's command (one word each,
    /// passed as data: no shell reads them).
    pub command: Vec<String>,
}

impl Service {
    /// A service `name` running `image`.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            image: image.into(),
            env: Env::new(),
            ports: Vec::new(),
            entrypoint: None,
            command: Vec::new(),
        }
    }

    /// Replaces the image's entrypoint with `executable` (GitHub `options: --entrypoint`, GitLab
    /// `entrypoint:`, `docker run --entrypoint` on CodeBuild).
    ///
    /// ```
    /// use pipeline_core::Service;
    /// let s = Service::new("cache", "redis:7").entrypoint("redis-server");
    /// assert_eq!(s.entrypoint.as_deref(), Some("redis-server"));
    /// ```
    #[must_use]
    pub fn entrypoint(mut self, executable: impl Into<String>) -> Self {
        self.entrypoint = Some(executable.into());
        self
    }

    /// Replaces the image's command with these arguments (GitLab `command:`, the arguments of
    /// `docker run` on CodeBuild). GitHub's service containers take no command: a service with
    /// one is refused there with a diagnostic (`github-service-command`).
    ///
    /// ```
    /// use pipeline_core::Service;
    /// let s = Service::new("cache", "redis:7").command(["redis-server", "--appendonly", "yes"]);
    /// assert_eq!(s.command, ["redis-server", "--appendonly", "yes"]);
    /// ```
    #[must_use]
    pub fn command<S: Into<String>>(mut self, words: impl IntoIterator<Item = S>) -> Self {
        self.command = words.into_iter().map(Into::into).collect();
        self
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
