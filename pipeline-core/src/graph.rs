//! The `needs` graph of a pipeline: ancestors, cycles and layering into stages.

use std::cell::OnceCell;
use std::collections::HashSet;

use crate::id::JobId;
use crate::id_hash::IdMap;
use crate::job::Job;
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
    index: IdMap<&'a str, usize>,
    /// `edges[starts[i]..starts[i + 1]]`: indices of the jobs job `i` needs, deduplicated, in
    /// `needs` order (one allocation for the whole graph, read in order).
    edges: Vec<usize>,
    /// Where each job's edges start in `edges`, and their end after the last job.
    starts: Vec<usize>,
    /// `dependents[i]`: indices of the jobs that need job `i`, in pipeline order (built on first
    /// use).
    dependents: OnceCell<Vec<Vec<usize>>>,
}

impl<'a> NeedsGraph<'a> {
    /// Builds the graph of `pipeline`, in time linear in jobs and needs.
    pub fn new(pipeline: &'a Pipeline) -> Self {
        let index: IdMap<&str, usize> = pipeline
            .jobs
            .iter()
            .enumerate()
            .rev() // the first of duplicate ids wins
            .map(|(i, j)| (j.id.as_str(), i))
            .collect();
        // `added[n] == i + 1` once job `i` has an edge to `n`: deduplication without a scan of
        // the edges so far (a job may need thousands of jobs).
        let mut added: Vec<usize> = Vec::new();
        let mut edges: Vec<usize> = Vec::with_capacity(pipeline.jobs.iter().map(|j| j.needs.len()).sum());
        let mut starts: Vec<usize> = Vec::with_capacity(pipeline.jobs.len() + 1);
        for (i, job) in pipeline.jobs.iter().enumerate() {
            let start = edges.len();
            starts.push(start);
            for n in job.needs.iter().filter_map(|n| index.get(n.as_str()).copied()) {
                if job.needs.len() <= 8 {
                    // A handful of needs: a scan beats the marks.
                    if !edges[start..].contains(&n) {
                        edges.push(n);
                    }
                } else {
                    if added.is_empty() {
                        added = vec![0; pipeline.jobs.len()];
                    }
                    if added[n] != i + 1 {
                        added[n] = i + 1;
                        edges.push(n);
                    }
                }
            }
        }
        starts.push(edges.len());
        Self {
            pipeline,
            index,
            edges,
            starts,
            dependents: OnceCell::new(),
        }
    }

    /// The index of the first job with id `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The first job with id `id`, found in constant time (where
    /// [`Pipeline::find_job`] scans the jobs).
    pub fn job(&self, id: &str) -> Option<&'a Job> {
        self.index.get(id).map(|&i| &self.pipeline.jobs[i])
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &'a Pipeline {
        self.pipeline
    }

    /// Indices of the jobs job `i` directly needs.
    pub fn needs_of(&self, i: usize) -> &[usize] {
        &self.edges[self.starts[i]..self.starts[i + 1]]
    }

    /// The number of jobs.
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether job `ancestor` must finish before job `job` starts (directly or transitively).
    ///
    /// Takes time proportional to the jobs reached from `job` before `ancestor` is found; to
    /// test many jobs against one, use [`NeedsGraph::ancestors`].
    pub fn is_ancestor(&self, ancestor: usize, job: usize) -> bool {
        if self.needs_of(job).contains(&ancestor) {
            return true;
        }
        if self.len() <= 64 {
            // No allocation: the jobs reached so far and the last ones reached as bit sets.
            let needs =
                |jobs: u64| bits(jobs).fold(0u64, |acc, j| self.needs_of(j).iter().fold(acc, |acc, &n| acc | 1 << n));
            let mut reached = 0u64;
            let mut frontier = needs(1 << job);
            while frontier != 0 {
                reached |= frontier;
                frontier = needs(frontier) & !reached;
            }
            return reached & (1 << ancestor) != 0;
        }
        // The jobs reached so far, in a set sized by the search rather than the pipeline.
        let mut stack = self.needs_of(job).to_vec();
        let mut seen: HashSet<usize> = HashSet::with_capacity(stack.len());
        while let Some(i) = stack.pop() {
            if i == ancestor {
                return true;
            }
            if seen.insert(i) {
                stack.extend(self.needs_of(i));
            }
        }
        false
    }

    /// Every job job `i` needs, directly or transitively, in pipeline order (one search, linear
    /// in jobs and needs).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut reached = vec![false; self.len()];
        let mut stack: Vec<usize> = self.needs_of(i).to_vec();
        while let Some(j) = stack.pop() {
            if !std::mem::replace(&mut reached[j], true) {
                stack.extend(self.needs_of(j));
            }
        }
        (0..self.len()).filter(|&a| reached[a]).collect()
    }

    /// Indices of the jobs that need job `i` directly, in pipeline order.
    pub fn dependents(&self, i: usize) -> Vec<usize> {
        self.dependents.get_or_init(|| {
            let mut dependents = vec![Vec::new(); self.len()];
            for j in 0..self.len() {
                let edges = self.needs_of(j);
                for &n in edges {
                    dependents[n].push(j);
                }
            }
            dependents
        })[i]
            .clone()
    }

    /// One cycle of the graph, as job ids with the first repeated at the end, if there is one.
    ///
    /// A depth-first search without recursion (a chain of thousands of jobs is as deep), linear
    /// in jobs and needs.
    pub fn find_cycle(&self) -> Option<Vec<JobId>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut marks = vec![Mark::New; self.len()];
        // The path of the search: each job with the position of its next edge to follow.
        let mut path: Vec<(usize, usize)> = Vec::new();
        for root in 0..self.len() {
            if marks[root] != Mark::New {
                continue;
            }
            marks[root] = Mark::Active;
            path.push((root, 0));
            while let Some((i, next)) = path.last_mut() {
                let i = *i;
                let Some(&n) = self.needs_of(i).get(*next) else {
                    marks[i] = Mark::Done;
                    path.pop();
                    continue;
                };
                *next += 1;
                match marks[n] {
                    Mark::Active => {
                        let start = path.iter().position(|(s, _)| *s == n).unwrap_or(0);
                        let mut cycle: Vec<usize> = path[start..].iter().map(|(s, _)| *s).collect();
                        cycle.push(n);
                        // needs edges point backwards in time; show the cycle in run order.
                        cycle.reverse();
                        return Some(cycle.into_iter().map(|i| self.pipeline.jobs[i].id.clone()).collect());
                    }
                    Mark::New => {
                        marks[n] = Mark::Active;
                        path.push((n, 0));
                    }
                    Mark::Done => {}
                }
            }
        }
        None
    }

    /// The jobs layered into stages: a job's layer is one more than the deepest job it needs.
    /// Within a layer, jobs keep pipeline order. `Err` holds a cycle. Linear in jobs and needs.
    pub fn layers(&self) -> Result<Vec<Vec<usize>>, Vec<JobId>> {
        if let Some(cycle) = self.find_cycle() {
            return Err(cycle);
        }
        let n = self.len();
        let mut depth: Vec<Option<usize>> = vec![None; n];
        let mut stack: Vec<usize> = Vec::new();
        for root in 0..n {
            if depth[root].is_some() {
                continue;
            }
            // Without recursion: a job's depth is known once the depths of its needs are.
            stack.push(root);
            while let Some(&i) = stack.last() {
                if depth[i].is_some() {
                    stack.pop();
                    continue;
                }
                let before = stack.len();
                stack.extend(self.needs_of(i).iter().copied().filter(|&e| depth[e].is_none()));
                if stack.len() == before {
                    stack.pop();
                    depth[i] = Some(
                        self.needs_of(i)
                            .iter()
                            .filter_map(|&e| depth[e])
                            .map(|d| d + 1)
                            .max()
                            .unwrap_or(0),
                    );
                }
            }
        }
        let mut layers: Vec<Vec<usize>> = Vec::new();
        for (i, d) in depth.into_iter().enumerate() {
            let d = d.unwrap_or(0);
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

    /// A pseudo-random DAG (needs point to earlier jobs, some repeated), its answers checked
    /// against a brute-force closure.
    #[test]
    fn ancestors_dependents_and_layers_match_brute_force() {
        let n = 300;
        let ids: Vec<String> = (0..n).map(|i| format!("j{i}")).collect();
        let mut seed = 7u64;
        let mut next = move |m: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % m.max(1)
        };
        let needs: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                if i == 0 {
                    Vec::new()
                } else {
                    (0..next(12)).map(|_| next(i)).collect()
                }
            })
            .collect();
        let jobs = (0..n).map(|i| job(&ids[i], &needs[i].iter().map(|&k| ids[k].as_str()).collect::<Vec<_>>()));
        let p = Pipeline::new("p").jobs(jobs.collect::<Vec<_>>());
        let g = NeedsGraph::new(&p);
        // closure[i][a]: a is an ancestor of i (needs point backwards, so one pass in order).
        let mut closure = vec![vec![false; n]; n];
        for i in 0..n {
            for &k in &needs[i] {
                closure[i][k] = true;
                let above = closure[k].clone();
                closure[i].iter_mut().zip(above).for_each(|(c, a)| *c |= a);
            }
        }
        for i in 0..n {
            let mut direct: Vec<usize> = Vec::new();
            for &k in &needs[i] {
                if !direct.contains(&k) {
                    direct.push(k);
                }
            }
            assert_eq!(g.needs_of(i), direct, "needs of {i}");
            let expected: Vec<usize> = (0..n).filter(|&a| closure[i][a]).collect();
            assert_eq!(g.ancestors(i), expected, "ancestors of {i}");
            for a in [0, i / 2, i.saturating_sub(1), i] {
                assert_eq!(g.is_ancestor(a, i), closure[i][a], "is {a} an ancestor of {i}");
            }
            let dependents: Vec<usize> = (0..n).filter(|&j| needs[j].contains(&i)).collect();
            assert_eq!(g.dependents(i), dependents, "dependents of {i}");
        }
        let layers = g.layers().expect("a DAG");
        let mut depth = vec![0usize; n];
        for i in 0..n {
            depth[i] = needs[i].iter().map(|&k| depth[k] + 1).max().unwrap_or(0);
        }
        for (d, layer) in layers.iter().enumerate() {
            assert!(layer.windows(2).all(|w| w[0] < w[1]), "pipeline order in layer {d}");
            assert!(layer.iter().all(|&i| depth[i] == d), "layer {d}");
        }
        assert_eq!(layers.iter().map(Vec::len).sum::<usize>(), n);
    }

    /// Deep and wide graphs: no recursion to overflow the stack, and many needs on one job are
    /// deduplicated without a scan.
    #[test]
    fn deep_chains_and_large_fan_ins() {
        let n = 100_000;
        let ids: Vec<String> = (0..n).map(|i| format!("j{i}")).collect();
        let chain = Pipeline::new("p").jobs(
            (0..n)
                .map(|i| {
                    job(
                        &ids[i],
                        if i == 0 { &[] } else { std::slice::from_ref(&ids[i - 1]) }
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .as_slice(),
                    )
                })
                .collect::<Vec<_>>(),
        );
        let g = NeedsGraph::new(&chain);
        assert_eq!(g.find_cycle(), None);
        assert_eq!(g.layers().map(|l| l.len()), Ok(n));
        assert_eq!(g.ancestors(n - 1).len(), n - 1);
        assert!(g.is_ancestor(0, n - 1) && !g.is_ancestor(n - 1, 0));
        // The last job needs the first again: a cycle through every job, in run order.
        let mut cyclic = chain.clone();
        cyclic.jobs[0].needs.push(JobId::new(ids[n - 1].as_str()));
        let cycle = NeedsGraph::new(&cyclic).find_cycle().expect("cycle");
        assert_eq!(cycle.len(), n + 1);
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle[1].as_str(), "j1");

        let mut fan_in: Vec<&str> = ids[..n - 1].iter().map(String::as_str).collect();
        fan_in.extend(["j0", "j1", "ghost"]);
        let p = Pipeline::new("p").jobs(
            (0..n - 1)
                .map(|i| job(&ids[i], &[]))
                .chain([job("last", &fan_in)])
                .collect::<Vec<_>>(),
        );
        let g = NeedsGraph::new(&p);
        assert_eq!(g.needs_of(n - 1), (0..n - 1).collect::<Vec<_>>());
        assert_eq!(g.dependents(5), [n - 1]);
        assert_eq!(
            g.layers().map(|l| l.iter().map(Vec::len).collect::<Vec<_>>()),
            Ok(vec![n - 1, 1])
        );
    }

    #[test]
    fn unknown_needs_are_ignored() {
        let p = Pipeline::new("p").jobs([job("a", &["ghost"])]);
        assert_eq!(NeedsGraph::new(&p).layers(), Ok(vec![vec![0]]));
    }
}
