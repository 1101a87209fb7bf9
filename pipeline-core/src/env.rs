//! Environment variables of a pipeline, job or step.

use indexmap::IndexMap;

use crate::expr::Expr;
use crate::id::VarName;

/// An ordered set of environment variables. Order is insertion order, so output is deterministic
/// and reads the way the pipeline was written.
///
/// ```
/// use pipeline_core::{Env, Expr};
/// let mut env = Env::new();
/// env.insert("RUST_LOG", "info");
/// env.insert("TOKEN", Expr::secret("NPM_TOKEN"));
/// assert_eq!(env.len(), 2);
/// assert_eq!(env.get("RUST_LOG").and_then(Expr::as_literal), Some("info"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env(IndexMap<VarName, Expr>);

impl Env {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable, replacing an earlier value in place.
    pub fn insert(&mut self, name: impl Into<VarName>, value: impl Into<Expr>) {
        self.0.insert(name.into(), value.into());
    }

    /// The value of a variable.
    pub fn get(&self, name: &str) -> Option<&Expr> {
        self.0.get(name)
    }

    /// Removes a variable, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Expr> {
        self.0.shift_remove(name)
    }

    /// The variables in order.
    pub fn iter(&self) -> impl Iterator<Item = (&VarName, &Expr)> {
        self.0.iter()
    }

    /// The values, mutably, in order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        self.0.values_mut()
    }

    /// How many variables.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<VarName>, V: Into<Expr>> FromIterator<(K, V)> for Env {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut env = Env::new();
        for (k, v) in iter {
            env.insert(k, v);
        }
        env
    }
}

impl<'a> IntoIterator for &'a Env {
    type Item = (&'a VarName, &'a Expr);
    type IntoIter = indexmap::map::Iter<'a, VarName, Expr>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
