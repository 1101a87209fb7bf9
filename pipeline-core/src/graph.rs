//! The `needs` graph of a pipeline: ancestors, cycles and layering into stages.

use std::collections::HashMap;

use crate::id::JobId;
use crate::pipeline::Pipeline;

/// The jobs of a pipeline as a graph of `needs` edges. Needs on unknown jobs are ignored here
/// (validation reports them).
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::graph::NeedsGraph;
/// let p = Pipeline::new("ci")
///     .on(Trigger::push())
///     .job(Job::new("lint").step(Step::script("true")))
///     .job(Job::new("test").step(Step::script("true")))
///     .job(Job::new("build").needs("lint").needs("test").step(Step::script("true")))
///     .job(Job::new("deploy").needs("build").step(Step::script("true")));
/// let g = NeedsGraph::new(&p);
/// assert_eq!(g.layers(), Ok(vec![vec![0, 1], vec![2], vec![3]]));
/// assert!(g.is_ancestor(0, 3));
/// # pipeline_core::validate::assert_valid(&p);
/// ```
#[derive(Debug)]
pub struct NeedsGraph<'a> {
    pipeline: &'a Pipeline,
    /// The index of the first job with each id.
    index: HashMap<&'a str, usize>,
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
                let mut edges: Vec<usize> = Vec::with_capacity(job.needs.len());
                for i in job.needs.iter().filter_map(|n| index.get(n.as_str()).copied()) {
                    // A job needs a handful of jobs: a scan beats a set.
                    if !edges.contains(&i) {
                        edges.push(i);
                    }
                }
                edges
            })
            .collect();
        Self { pipeline, index, edges }
    }

    /// The index of the first job with id `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
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
        if self.edges.len() <= 64 {
            // No allocation: the jobs reached so far and the last ones reached as bit sets.
            let needs =
                |jobs: u64| bits(jobs).fold(0u64, |acc, j| self.edges[j].iter().fold(acc, |acc, &n| acc | 1 << n));
            let mut reached = 0u64;
            let mut frontier = needs(1 << job);
            while frontier != 0 {
                reached |= frontier;
                frontier = needs(frontier) & !reached;
            }
            return reached & (1 << ancestor) != 0;
        }
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

/// The positions of the set bits of `set`, lowest first.
fn bits(mut set: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (set != 0).then(|| {
            let i = set.trailing_zeros() as usize;
            set &= set - 1;
            i
        })
    })
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
    fn ancestors_in_small_and_large_graphs() {
        // Job i needs i - 1 (a chain) and, every third job, i - 3 too; with `cycle`, job 1 also
        // needs the last job.
        let graph = |n: usize, cycle: bool| {
            let ids: Vec<String> = (0..n).map(|i| format!("j{i}")).collect();
            let jobs = (0..n).map(|i| {
                let mut needs: Vec<&str> = Vec::new();
                if i > 0 {
                    needs.push(&ids[i - 1]);
                }
                if i % 3 == 0 && i >= 3 {
                    needs.push(&ids[i - 3]);
                }
                if cycle && i == 1 {
                    needs.push(&ids[n - 1]);
                }
                job(&ids[i], &needs)
            });
            Pipeline::new("p").jobs(jobs.collect::<Vec<_>>())
        };
        // Up to 64 jobs, bit sets; beyond, a search.
        for n in [5usize, 64, 65, 150] {
            let chain = graph(n, false);
            let cyclic = graph(n, true);
            let (chain, cyclic) = (NeedsGraph::new(&chain), NeedsGraph::new(&cyclic));
            for a in 0..n {
                for j in [0, 1, 2, n / 2, n - 1] {
                    assert_eq!(chain.is_ancestor(a, j), a < j, "n={n} a={a} j={j}");
                    assert_eq!(cyclic.is_ancestor(a, j), j != 0, "n={n} a={a} j={j}");
                }
            }
            assert_eq!(chain.index_of("j1"), Some(1));
            assert_eq!(chain.index_of("nope"), None);
        }
        let p = Pipeline::new("p").jobs([job("a", &[]), job("b", &["a", "a"]), job("c", &["b"]), job("d", &[])]);
        let g = NeedsGraph::new(&p);
        assert_eq!(g.needs_of(1), [0]);
        assert_eq!(g.ancestors(2), [0, 1]);
        assert!(!g.is_ancestor(3, 2) && !g.is_ancestor(0, 0));
    }

    #[test]
    fn unknown_needs_are_ignored() {
        let p = Pipeline::new("p").jobs([job("a", &["ghost"])]);
        assert_eq!(NeedsGraph::new(&p).layers(), Ok(vec![vec![0]]));
    }
}
