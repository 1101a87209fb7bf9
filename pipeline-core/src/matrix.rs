//! Build matrices: one job run per combination of axis values.

use indexmap::IndexMap;

/// A matrix of axes; the job runs once per combination. Axis values reach steps through
/// [`Expr::matrix`](crate::Expr::matrix) in `env`.
///
/// ```
/// use pipeline_core::prelude::*;
/// let m = Matrix::new().axis("rust", ["stable", "beta"]).axis("target", ["x86_64", "aarch64"]);
/// assert_eq!(m.cells().len(), 4);
/// assert_eq!(m.cells()[1], vec![("rust", "stable"), ("target", "aarch64")]);
/// // Each cell's values reach the steps through env.
/// let test = Job::new("test")
///     .matrix(m)
///     .env("RUST", Expr::matrix("rust"))
///     .env("TARGET", Expr::matrix("target"))
///     .step(Step::script("rustup default \"$RUST\" && cargo test --target \"$TARGET-unknown-linux-gnu\""));
/// pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matrix {
    /// Axis name to values, in order.
    pub axes: IndexMap<String, Vec<String>>,
    /// Cancel the other cells when one fails (platform default when `None`).
    pub fail_fast: Option<bool>,
    /// At most this many cells at once.
    pub max_parallel: Option<u32>,
}

impl Matrix {
    /// An empty matrix.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an axis.
    #[must_use]
    pub fn axis<S: Into<String>>(mut self, name: impl Into<String>, values: impl IntoIterator<Item = S>) -> Self {
        self.axes
            .insert(name.into(), values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets fail-fast.
    #[must_use]
    pub fn fail_fast(mut self, value: bool) -> Self {
        self.fail_fast = Some(value);
        self
    }

    /// Limits parallel cells.
    #[must_use]
    pub fn max_parallel(mut self, value: u32) -> Self {
        self.max_parallel = Some(value);
        self
    }

    /// Every combination, in a stable order (the last axis varies fastest).
    pub fn cells(&self) -> Vec<Vec<(&str, &str)>> {
        let mut cells: Vec<Vec<(&str, &str)>> = vec![Vec::new()];
        for (axis, values) in &self.axes {
            let mut next = Vec::with_capacity(cells.len() * values.len());
            for cell in &cells {
                for value in values {
                    let mut c = cell.clone();
                    c.push((axis.as_str(), value.as_str()));
                    next.push(c);
                }
            }
            cells = next;
        }
        if self.axes.is_empty() { Vec::new() } else { cells }
    }
}
