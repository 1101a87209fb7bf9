//! The `needs` graph of a pipeline: ancestors, cycles and layering into stages.

use std::collections::{BTreeSet, HashMap};

use crate::id::JobId;
use crate::pipeline::Pipeline;

/// The jobs of a pipeline as a graph of `needs` edges. Needs on unknown jobs are ignored here
/// (validation reports them).
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::graph::NeedsGraph;
/// let p = Pipeline::new("ci")
///     .job(Job::new("lint").step(Step::script("true")))
///     .job(Job::new("test").step(Step::script("true")))
///     .job(Job::new("build").needs("lint").needs("test").step(Step::script("true")))
///     .job(Job::new("deploy").needs("build").step(Step::script("true")));
/// let g = NeedsGraph::new(&p);
/// assert_eq!(g.layers(), Ok(vec![vec![0, 1], vec![2], vec![3]]));
/// assert!(g.is_ancestor(0, 3));
/// ```
#[derive(Debug)]
pub struct NeedsGraph<'a> {
    pipeline: &'a Pipeline,
    /// `edges[i]`: indices of the jobs job `i` needs, deduplicated, in `needs` order.
    edges: Vec<Vec<usize>>,
}

impl<'a> NeedsGraph<'a> {
    /// Builds the graph of `pipeline`.
    pub fn new(pipeline: &'a Pipeline) -> Self {
        let index: HashMap<&str, usize> = pipeline
            .jobs
            .iter()
            .enumerate()
            .rev() // the first of duplicate ids wins
            .map(|(i, j)| (j.id.as_str(), i))
            .collect();
        let edges = pipeline
            .jobs
            .iter()
            .map(|job| {
                let mut seen = BTreeSet::new();
                job.needs
                    .iter()
                    .filter_map(|n| index.get(n.as_str()).copied())
                    .filter(|i| seen.insert(*i))
                    .collect()
            })
            .collect();
        Self { pipeline, edges }
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &'a Pipeline {
        self.pipeline
    }

    /// Indices of the jobs job `i` directly needs.
    pub fn needs_of(&self, i: usize) -> &[usize] {
        &self.edges[i]
    }

    /// Whether job `ancestor` must finish before job `job` starts (directly or transitively).
    pub fn is_ancestor(&self, ancestor: usize, job: usize) -> bool {
        let mut stack = self.edges[job].clone();
        let mut seen = vec![false; self.edges.len()];
        while let Some(i) = stack.pop() {
            if i == ancestor {
                return true;
            }
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(&self.edges[i]);
            }
        }
        false
    }

    /// Every job job `i` needs, directly or transitively, in pipeline order.
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        (0..self.edges.len()).filter(|a| self.is_ancestor(*a, i)).collect()
    }

    /// Indices of the jobs that need job `i` directly.
    pub fn dependents(&self, i: usize) -> Vec<usize> {
        (0..self.edges.len()).filter(|j| self.edges[*j].contains(&i)).collect()
    }

    /// One cycle of the graph, as job ids with the first repeated at the end, if there is one.
    pub fn find_cycle(&self) -> Option<Vec<JobId>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        fn visit(g: &NeedsGraph<'_>, i: usize, marks: &mut [Mark], stack: &mut Vec<usize>) -> Option<Vec<usize>> {
            marks[i] = Mark::Active;
            stack.push(i);
            for &n in &g.edges[i] {
                match marks[n] {
                    Mark::Active => {
                        let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                        let mut cycle = stack[start..].to_vec();
                        cycle.push(n);
                        return Some(cycle);
                    }
                    Mark::New => {
                        if let Some(c) = visit(g, n, marks, stack) {
                            return Some(c);
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            marks[i] = Mark::Done;
            None
        }
        let mut marks = vec![Mark::New; self.edges.len()];
        for i in 0..self.edges.len() {
            if marks[i] == Mark::New {
                let mut stack = Vec::new();
                if let Some(mut cycle) = visit(self, i, &mut marks, &mut stack) {
                    // needs edges point backwards in time; show the cycle in run order.
                    cycle.reverse();
                    return Some(cycle.into_iter().map(|i| self.pipeline.jobs[i].id.clone()).collect());
                }
            }
        }
        None
    }

    /// The jobs layered into stages: a job's layer is one more than the deepest job it needs.
    /// Within a layer, jobs keep pipeline order. `Err` holds a cycle.
    pub fn layers(&self) -> Result<Vec<Vec<usize>>, Vec<JobId>> {
        if let Some(cycle) = self.find_cycle() {
            return Err(cycle);
        }
        let n = self.edges.len();
        let mut depth: Vec<Option<usize>> = vec![None; n];
        fn depth_of(g: &NeedsGraph<'_>, i: usize, depth: &mut [Option<usize>]) -> usize {
            if let Some(d) = depth[i] {
                return d;
            }
            let d = g.edges[i].iter().map(|&n| depth_of(g, n, depth) + 1).max().unwrap_or(0);
            depth[i] = Some(d);
            d
        }
        let mut layers: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            let d = depth_of(self, i, &mut depth);
            if layers.len() <= d {
                layers.resize(d + 1, Vec::new());
            }
            layers[d].push(i);
        }
        Ok(layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn job(id: &str, needs: &[&str]) -> Job {
        Job::new(id).needs_all(needs.iter().copied()).step(Step::script("true"))
    }

    #[test]
    fn finds_cycles_in_run_order() {
        let p = Pipeline::new("p").jobs([job("a", &["c"]), job("b", &["a"]), job("c", &["b"]), job("d", &[])]);
        let cycle = NeedsGraph::new(&p).find_cycle().expect("cycle");
        let ids: Vec<&str> = cycle.iter().map(JobId::as_str).collect();
        assert_eq!(ids.len(), 4);
        assert_eq!(ids.first(), ids.last());
        assert!(NeedsGraph::new(&p).layers().is_err());
    }

    #[test]
    fn self_loop_is_a_cycle() {
        let p = Pipeline::new("p").jobs([job("a", &["a"])]);
        assert_eq!(
            NeedsGraph::new(&p).find_cycle(),
            Some(vec![JobId::new("a"), JobId::new("a")])
        );
    }

    #[test]
    fn layering_uses_longest_path() {
        let p = Pipeline::new("p").jobs([
            job("deploy", &["build", "lint"]),
            job("lint", &[]),
            job("build", &["test"]),
            job("test", &[]),
        ]);
        assert_eq!(NeedsGraph::new(&p).layers(), Ok(vec![vec![1, 3], vec![2], vec![0]]));
    }

    #[test]
    fn unknown_needs_are_ignored() {
        let p = Pipeline::new("p").jobs([job("a", &["ghost"])]);
        assert_eq!(NeedsGraph::new(&p).layers(), Ok(vec![vec![0]]));
    }
}
