//! Build matrices: one job run per cell, from axes, a runner axis, extra and excluded cells, or
//! a job output.

use indexmap::IndexMap;

use crate::expr::{Expr, OutputRef};
use crate::runner::Runner;

/// The name of the runner axis ([`Matrix::runners`]); its values are [`Runner::key`]s.
pub const RUNNER_AXIS: &str = "runner";

/// A typed handle on a matrix axis (or a key that extra cells set), so a step reads the value
/// of the axis the matrix declares rather than a string typed twice.
///
/// ```
/// use pipeline_core::prelude::*;
/// let rust = Axis::new("rust");
/// let m = Matrix::new().axis(&rust, ["stable", "1.85"]);
/// let job = Job::new("test").matrix(m).env("RUST", rust.value()).step(Step::script("rustup default \"$RUST\""));
/// pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(job));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Axis(String);

impl Axis {
    /// A handle on axis `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The runner axis (its value is the cell's [`Runner::key`]).
    ///
    /// ```
    /// use pipeline_core::Axis;
    /// assert_eq!(Axis::runner().name(), "runner");
    /// ```
    pub fn runner() -> Self {
        Self(RUNNER_AXIS.into())
    }

    /// The axis name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The value of this axis in the current cell.
    ///
    /// ```
    /// use pipeline_core::{Axis, Expr};
    /// assert_eq!(Axis::new("rust").value(), Expr::matrix("rust"));
    /// ```
    pub fn value(&self) -> Expr {
        Expr::matrix(self.0.clone())
    }
}

impl From<&Axis> for String {
    fn from(a: &Axis) -> Self {
        a.0.clone()
    }
}

impl From<Axis> for String {
    fn from(a: Axis) -> Self {
        a.0
    }
}

/// A matrix; the job runs once per cell. Axis values reach steps through
/// [`Expr::matrix`](crate::Expr::matrix) (or [`Axis::value`]) in `env`.
///
/// Cells are computed once, here, the way GitHub computes them, and every platform runs exactly
/// these cells ([`cells`](Matrix::cells)): the product of the axes, minus the
/// [`exclude`](Matrix::exclude)d combinations; then each [`include`](Matrix::include)d entry is
/// added to every cell whose axis values it does not change (extra values per cell), or, when it
/// fits no cell, becomes a cell of its own.
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
    /// Axis name to values, in order (the runner axis included, as runner keys).
    pub axes: IndexMap<String, Vec<String>>,
    /// The runners of the runner axis and of included cells, each known by its [`Runner::key`].
    pub runners: Vec<Runner>,
    /// Combinations removed from the product (each entry matches the cells with all its values).
    pub exclude: Vec<IndexMap<String, String>>,
    /// Extra values for matching cells, or extra cells (see [`Matrix::cells`]).
    pub include: Vec<IndexMap<String, String>>,
    /// Cancel the other cells when one fails. `None` is the library's default, `false`, written
    /// explicitly on GitHub (whose own default is `true`).
    pub fail_fast: Option<bool>,
    /// At most this many cells at once.
    pub max_parallel: Option<u32>,
    /// A matrix computed at run time: a JSON object (`{"axis": [..]}` or `{"include": [..]}`)
    /// in an output of a job this one needs, with the keys the steps read.
    pub from_output: Option<(OutputRef, Vec<String>)>,
}

fn entry<K: Into<String>, V: Into<String>>(values: impl IntoIterator<Item = (K, V)>) -> IndexMap<String, String> {
    values.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
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

    /// Adds the runner axis: each cell runs on one of these runners (axis `runner`, values their
    /// keys). On GitHub each cell gets its runner's labels, on GitLab its runner's tags, on
    /// CodePipeline its runner's CodeBuild project.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let m = Matrix::new()
    ///     .runners([Runner::linux(), Runner::macos(), Runner::windows()])
    ///     .axis("rust", ["stable"]);
    /// assert_eq!(m.cells()[1], vec![("runner", "macos-arm64"), ("rust", "stable")]);
    /// assert_eq!(m.runner_of(&m.cells()[1]).map(|r| r.os), Some(Os::Macos));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").matrix(m).step(Step::script("make"))));
    /// ```
    #[must_use]
    pub fn runners(mut self, runners: impl IntoIterator<Item = Runner>) -> Self {
        let runners: Vec<Runner> = runners.into_iter().collect();
        let keys = runners.iter().map(Runner::key).collect();
        for r in runners {
            self.add_runner(r);
        }
        self.axes.insert(RUNNER_AXIS.into(), keys);
        self
    }

    fn add_runner(&mut self, runner: Runner) {
        if !self.runners.contains(&runner) {
            self.runners.push(runner);
        }
    }

    /// Removes the cells that have all these values.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let m = Matrix::new()
    ///     .runners([Runner::linux(), Runner::windows()])
    ///     .axis("rust", ["stable", "nightly"])
    ///     .exclude([("runner", Runner::windows().key().as_str()), ("rust", "nightly")]);
    /// assert_eq!(m.cells().len(), 3);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").matrix(m).step(Step::script("make"))));
    /// ```
    #[must_use]
    pub fn exclude<K: Into<String>, V: Into<String>>(mut self, values: impl IntoIterator<Item = (K, V)>) -> Self {
        self.exclude.push(entry(values));
        self
    }

    /// Adds these values to every cell whose axis values they do not change (extra values per
    /// cell), or a cell of its own when they fit none.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let m = Matrix::new()
    ///     .axis("rust", ["stable", "1.85"])
    ///     .include([("rust", "stable"), ("coverage", "true")]) // an extra value of one cell
    ///     .include([("rust", "nightly"), ("coverage", "false")]); // a cell of its own
    /// let cells = m.cells();
    /// assert_eq!(cells[0], vec![("rust", "stable"), ("coverage", "true")]);
    /// assert_eq!(cells[1], vec![("rust", "1.85")]);
    /// assert_eq!(cells[2], vec![("rust", "nightly"), ("coverage", "false")]);
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").matrix(m).step(Step::script("make"))));
    /// ```
    #[must_use]
    pub fn include<K: Into<String>, V: Into<String>>(mut self, values: impl IntoIterator<Item = (K, V)>) -> Self {
        self.include.push(entry(values));
        self
    }

    /// Adds a cell (or extra values, as [`include`](Matrix::include)) that runs on `runner`.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let m = Matrix::new()
    ///     .runners([Runner::linux()])
    ///     .axis("rust", ["stable"])
    ///     .include_runner(Runner::linux_arm64(), [("rust", "stable")]);
    /// assert_eq!(m.cells().len(), 2);
    /// assert_eq!(m.runner_of(&m.cells()[1]), Some(&Runner::linux_arm64()));
    /// # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").matrix(m).step(Step::script("make"))));
    /// ```
    #[must_use]
    pub fn include_runner<K: Into<String>, V: Into<String>>(
        mut self,
        runner: Runner,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut e = IndexMap::new();
        e.insert(RUNNER_AXIS.to_owned(), runner.key());
        e.extend(entry(values));
        self.add_runner(runner);
        self.include.push(e);
        self
    }

    /// A matrix read at run time from output `output` of a job this one needs: a JSON object
    /// such as `{"target": ["x86_64", "aarch64"]}` or `{"include": [{"target": ".."}]}`; `keys`
    /// are the values the steps read (checked like axes). GitHub only (`fromJSON`): GitLab and
    /// CodePipeline fix their cells when the pipeline is generated, and refuse it.
    ///
    /// ```
    /// use pipeline_core::prelude::*;
    /// let plan = Job::new("plan").step(Step::set_output("matrix", "./plan"));
    /// let m = Matrix::from_output(plan.output("matrix"), ["target"]);
    /// assert!(m.cells().is_empty());
    /// assert_eq!(m.keys(), ["target"]);
    /// let build = Job::new("build").needs(&plan).matrix(m).env("T", Expr::matrix("target")).step(Step::script("make"));
    /// pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(plan).job(build));
    /// ```
    pub fn from_output<S: Into<String>>(output: OutputRef, keys: impl IntoIterator<Item = S>) -> Self {
        Self {
            from_output: Some((output, keys.into_iter().map(Into::into).collect())),
            ..Self::default()
        }
    }

    /// Sets fail-fast: when `true`, the first failing cell cancels the others.
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

    /// Whether this matrix is a plain product (no runner axis, include, exclude or output):
    /// platforms can write it as axes.
    pub fn is_product(&self) -> bool {
        self.runners.is_empty() && self.include.is_empty() && self.exclude.is_empty() && self.from_output.is_none()
    }

    /// Every key a cell may have: the axes, the keys of included values, or the keys of a
    /// matrix read from an output.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.axes.keys().map(String::as_str).collect();
        for e in &self.include {
            for k in e.keys() {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        if let Some((_, ks)) = &self.from_output {
            for k in ks {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// The keys every cell has a value for (those a step may read on every platform).
    pub fn keys_in_every_cell(&self) -> Vec<&str> {
        if let Some((_, ks)) = &self.from_output {
            return ks.iter().map(String::as_str).collect();
        }
        let cells = self.cells();
        self.keys()
            .into_iter()
            .filter(|k| cells.iter().all(|c| c.iter().any(|(a, _)| a == k)))
            .collect()
    }

    /// The runner of a cell: the runner whose key is the cell's `runner` value.
    pub fn runner_of(&self, cell: &[(&str, &str)]) -> Option<&Runner> {
        let key = cell.iter().find(|(a, _)| *a == RUNNER_AXIS)?.1;
        self.runners.iter().find(|r| r.key() == key)
    }

    /// Every cell, in a stable order (the last axis varies fastest; included cells last), each
    /// with its values in key order (axes first, then included keys). Empty for a matrix read
    /// from an output.
    pub fn cells(&self) -> Vec<Vec<(&str, &str)>> {
        let mut cells: Vec<Vec<(&str, &str)>> = if self.axes.is_empty() {
            Vec::new()
        } else {
            vec![Vec::new()]
        };
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
        cells.retain(|cell| {
            !self
                .exclude
                .iter()
                .any(|ex| !ex.is_empty() && ex.iter().all(|(k, v)| cell.iter().any(|(a, x)| a == k && x == v)))
        });
        let original = cells.len();
        let is_axis = |k: &str| self.axes.contains_key(k);
        for inc in &self.include {
            let mut fits = false;
            for cell in cells.iter_mut().take(original) {
                let keeps_axes = inc
                    .iter()
                    .filter(|(k, _)| is_axis(k))
                    .all(|(k, v)| cell.iter().any(|(a, x)| a == k && x == v));
                if !keeps_axes {
                    continue;
                }
                fits = true;
                for (k, v) in inc {
                    match cell.iter_mut().find(|(a, _)| a == k) {
                        Some(slot) => slot.1 = v.as_str(),
                        None => cell.push((k.as_str(), v.as_str())),
                    }
                }
            }
            if !fits {
                cells.push(inc.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
            }
        }
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Runner;

    /// GitHub's rules: an include that changes no axis value extends the matching cells; one that
    /// would change an axis value becomes a cell; excludes apply before includes.
    #[test]
    fn cells_follow_githubs_include_and_exclude_rules() {
        let m = Matrix::new()
            .axis("os", ["linux", "windows"])
            .axis("rust", ["stable", "nightly"])
            .exclude([("os", "windows"), ("rust", "nightly")])
            .include([("os", "windows"), ("ext", ".exe")])
            .include([("ext", "")])
            .include([("os", "windows"), ("rust", "nightly"), ("note", "own cell")]);
        let cells = m.cells();
        assert_eq!(
            cells,
            vec![
                vec![("os", "linux"), ("rust", "stable"), ("ext", "")],
                vec![("os", "linux"), ("rust", "nightly"), ("ext", "")],
                vec![("os", "windows"), ("rust", "stable"), ("ext", "")],
                vec![("os", "windows"), ("rust", "nightly"), ("note", "own cell")],
            ]
        );
        assert_eq!(m.keys(), ["os", "rust", "ext", "note"]);
        assert_eq!(m.keys_in_every_cell(), ["os", "rust"]);
    }

    #[test]
    fn runner_axis_values_are_keys_and_find_their_runner() {
        let m = Matrix::new()
            .runners([Runner::linux(), Runner::windows()])
            .include_runner(Runner::macos(), [("extra", "1")]);
        let cells = m.cells();
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[2], vec![("runner", "macos-arm64"), ("extra", "1")]);
        assert_eq!(m.runner_of(&cells[1]), Some(&Runner::windows()));
        assert_eq!(m.runner_of(&cells[2]), Some(&Runner::macos()));
        assert!(!m.is_product());
    }
}
