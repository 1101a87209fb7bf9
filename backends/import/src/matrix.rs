//! Matrices listed cell by cell read back as typed matrices: the cells become axes (the values of
//! the longest leading run of cells that is a product, less the exclusions) and includes; a
//! runner axis (`runner`: each cell's runner key) becomes `Matrix::runners`.
//!
//! GitLab: the library writes a plain product as one `parallel:matrix` entry with the axes, any
//! other matrix as one entry per cell; a runner axis gives each cell its tags (`runner_tag`, used
//! as `tags: [$runner_tag]`), which become the GitLab runner map (it lives in the generator's
//! GitLab backend, not in the file). GitHub: a runner axis is `include:` cells with the runner
//! key and its labels (`runs-on`, used as `runs-on: ${{ matrix.runs-on }}`).

use crate::out::lit;
use crate::yaml::Node;

/// The variable of a cell's runner tag.
const TAG_VAR: &str = "runner_tag";
/// The runner axis.
const RUNNER: &str = "runner";

/// A typed matrix and the runner map entries its runners need (runner code, tags).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Read {
    /// `Matrix::new()...`.
    pub(crate) code: String,
    /// Runners whose tags are not GitLab.com's hosted ones: the runner's code and its tags.
    pub(crate) runners: Vec<(String, Vec<String>)>,
    /// The axes (but the runner axis): the values jobs read as `$axis`.
    pub(crate) axes: Vec<String>,
}

/// A runner key (`linux-x64`, `macos-arm64-large`) as the runner's code.
fn runner(key: &str) -> Option<String> {
    let mut parts = key.split('-');
    let os = match parts.next()? {
        "linux" => "Linux",
        "macos" => "Macos",
        "windows" => "Windows",
        _ => return None,
    };
    let arch = match parts.next()? {
        "x64" => "X64",
        "arm64" => "Arm64",
        _ => return None,
    };
    let size = match parts.next() {
        None => None,
        Some("medium") => Some("Medium"),
        Some("large") => Some("Large"),
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let base = match (os, arch) {
        ("Linux", "X64") => "Runner::linux()".to_string(),
        ("Linux", "Arm64") => "Runner::linux_arm64()".to_string(),
        ("Macos", "Arm64") => "Runner::macos()".to_string(),
        ("Windows", "X64") => "Runner::windows()".to_string(),
        _ => format!("Runner::new(Os::{os}, Arch::{arch})"),
    };
    Some(match size {
        Some(s) => format!("{base}.size(Size::{s})"),
        None => base,
    })
}

/// GitLab.com's hosted runner tag of a small runner.
fn hosted(key: &str) -> Option<&'static str> {
    Some(match key {
        "linux-x64" => "saas-linux-small-amd64",
        "linux-arm64" => "saas-linux-small-arm64",
        "macos-arm64" => "saas-macos-medium-m1",
        _ => return None,
    })
}

/// A cell: each value's name and value, in order.
pub(crate) type Cell = Vec<(String, String)>;
/// Axes in order, each with its values.
type Axes = Vec<(String, Vec<String>)>;

/// The cartesian product of `axes`, first axis outermost (as `Matrix::cells`).
fn product(axes: &Axes) -> Vec<Cell> {
    let mut cells: Vec<Cell> = vec![Vec::new()];
    for (axis, values) in axes {
        cells = cells
            .iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((axis.clone(), v.clone()));
                    c
                })
            })
            .collect();
    }
    cells
}

/// The axes of `cells` (keys of the first, values in order of appearance), when every cell has
/// those keys and the cells appear in the product's order; with the product's cells they lack.
fn as_product(cells: &[Cell]) -> Option<(Axes, Vec<Cell>)> {
    let keys: Vec<&String> = cells.first()?.iter().map(|(k, _)| k).collect();
    let mut axes: Axes = keys.iter().map(|k| ((*k).clone(), Vec::new())).collect();
    for c in cells {
        if c.len() != keys.len() || c.iter().zip(&keys).any(|((k, _), key)| k != *key) {
            return None;
        }
        for ((_, v), (_, values)) in c.iter().zip(axes.iter_mut()) {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    let all = product(&axes);
    let mut next = 0;
    let mut missing = Vec::new();
    for p in all {
        if cells.get(next) == Some(&p) {
            next += 1;
        } else {
            missing.push(p);
        }
    }
    (next == cells.len()).then_some((axes, missing))
}

fn pairs(cell: &[(String, String)]) -> String {
    let p: Vec<String> = cell.iter().map(|(k, v)| format!("({}, {})", lit(k), lit(v))).collect();
    format!("[{}]", p.join(", "))
}

/// A generated job's `parallel:matrix` as a typed matrix; `None` when it is not the library's.
pub(crate) fn read(job: &Node) -> Option<Read> {
    let entries = job.get("parallel")?.get("matrix")?.items();
    let runner_axis = job.get("tags").map(Node::strings) == Some(vec![format!("${TAG_VAR}")]);
    let entry = |e: &Node| -> Option<Vec<(String, Vec<String>)>> {
        e.entries()
            .iter()
            .map(|(k, v)| Some((k.str()?.to_string(), v.strings())))
            .collect()
    };
    if entries.len() == 1 && !runner_axis {
        let axes = entry(&entries[0])?;
        let names = axes.iter().map(|(k, _)| k.clone()).collect();
        let mut code = "Matrix::new()".to_string();
        for (k, values) in axes {
            let v: Vec<String> = values.iter().map(|s| lit(s)).collect();
            code.push_str(&format!(".axis({}, [{}])", lit(&k), v.join(", ")));
        }
        return Some(Read {
            code,
            runners: Vec::new(),
            axes: names,
        });
    }
    let mut cells: Vec<Cell> = Vec::new();
    let mut tags: Vec<(String, Vec<String>)> = Vec::new();
    for e in entries {
        let mut cell = Vec::new();
        for (k, values) in entry(e)? {
            let [v] = values.as_slice() else { return None };
            if k == TAG_VAR && runner_axis {
                let r = cell.iter().find(|(k, _): &&(String, String)| k == RUNNER)?.1.clone();
                match tags.iter().find(|(key, _)| *key == r) {
                    Some((_, t)) if t != &vec![v.clone()] => return None,
                    Some(_) => {}
                    None => tags.push((r, vec![v.clone()])),
                }
            } else if k.starts_with(TAG_VAR) && runner_axis {
                return None;
            } else {
                cell.push((k, v.clone()));
            }
        }
        cells.push(cell);
    }
    let code = from_cells(&cells, runner_axis)?;
    let runners = tags
        .into_iter()
        .filter(|(key, t)| hosted(key).is_none_or(|h| t != &[h.to_string()]))
        .map(|(key, t)| Some((runner(&key)?, t)))
        .collect::<Option<Vec<_>>>()?;
    let axes = cells
        .iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .filter(|k| !(runner_axis && k == RUNNER))
        .fold(Vec::new(), |mut all: Vec<String>, k| {
            if !all.contains(&k) {
                all.push(k);
            }
            all
        });
    Some(Read { code, runners, axes })
}

/// The matrix of `cells` (in order); `runner_axis`: the `runner` values are runner keys.
pub(crate) fn from_cells(cells: &[Cell], runner_axis: bool) -> Option<String> {
    // The longest leading run of cells that is a product (less exclusions); the rest are includes.
    let (k, axes, missing) = (1..=cells.len())
        .rev()
        .find_map(|k| as_product(&cells[..k]).map(|(a, m)| (k, a, m)))?;
    let mut code = "Matrix::new()".to_string();
    for (axis, values) in &axes {
        if runner_axis && axis == RUNNER {
            let rs: Option<Vec<String>> = values.iter().map(|v| runner(v)).collect();
            code.push_str(&format!(".runners([{}])", rs?.join(", ")));
        } else {
            let v: Vec<String> = values.iter().map(|s| lit(s)).collect();
            code.push_str(&format!(".axis({}, [{}])", lit(axis), v.join(", ")));
        }
    }
    for m in &missing {
        code.push_str(&format!(".exclude({})", pairs(m)));
    }
    for cell in &cells[k..] {
        match cell.iter().position(|(key, _)| runner_axis && key == RUNNER) {
            Some(0) => {
                let r = runner(&cell[0].1)?;
                code.push_str(&format!(".include_runner({r}, {})", pairs(&cell[1..])));
            }
            Some(_) => return None,
            None => code.push_str(&format!(".include({})", pairs(cell))),
        }
    }
    Some(code)
}

/// GitHub's default labels of the runner with key `key` (the GitHub backend's own).
fn github_labels(key: &str) -> Option<&'static str> {
    Some(match key {
        "linux-x64" => "ubuntu-24.04",
        "linux-arm64" => "ubuntu-24.04-arm",
        "macos-arm64" => "macos-15",
        "macos-x64" => "macos-15-intel",
        "windows-x64" => "windows-2025",
        _ => return None,
    })
}

/// A GitHub job's runner axis as the library writes it (`runs-on: ${{ matrix.runs-on }}`,
/// `include:` cells with the runner key and its default labels): the typed matrix, without
/// `fail-fast` and `max-parallel`.
pub(crate) fn github_runner_axis(job: &Node) -> Option<String> {
    if job.get("runs-on")?.str()?.replace(' ', "") != "${{matrix.runs-on}}" {
        return None;
    }
    let matrix = job.get("strategy")?.get("matrix")?;
    if matrix.entries().len() != 1 {
        return None;
    }
    let mut cells: Vec<Cell> = Vec::new();
    for item in matrix.get("include")?.items() {
        let runner = item.get(RUNNER)?.str()?;
        if item.get("runs-on")?.str()? != github_labels(runner)? {
            return None;
        }
        let mut cell = Vec::new();
        for (k, v) in item.entries() {
            let k = k.str()?;
            if k != "runs-on" {
                cell.push((k.to_string(), v.str()?.to_string()));
            }
        }
        cells.push(cell);
    }
    from_cells(&cells, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn cells_become_a_product_less_exclusions_and_includes() {
        let job = parse(
            "tags: [$runner_tag]\nparallel:\n  matrix:\n    - {runner: [linux-x64], rust: [stable], f: [a], runner_tag: [saas-linux-small-amd64]}\n    - {runner: [linux-x64], rust: [stable], f: [b], runner_tag: [saas-linux-small-amd64]}\n    - {runner: [windows-x64], rust: [stable], f: [a], runner_tag: [win]}\n    - {runner: [linux-arm64], rust: [stable], f: [a], runner_tag: [saas-linux-small-arm64]}\n",
        )
        .expect("yaml");
        let read = read(&job).expect("matrix");
        assert_eq!(
            read.code,
            "Matrix::new().runners([Runner::linux(), Runner::windows(), Runner::linux_arm64()])\
             .axis(\"rust\", [\"stable\"]).axis(\"f\", [\"a\", \"b\"])\
             .exclude([(\"runner\", \"windows-x64\"), (\"rust\", \"stable\"), (\"f\", \"b\")])\
             .exclude([(\"runner\", \"linux-arm64\"), (\"rust\", \"stable\"), (\"f\", \"b\")])"
        );
        assert_eq!(
            read.runners,
            [("Runner::windows()".to_string(), vec!["win".to_string()])]
        );
        let product = parse("parallel:\n  matrix:\n    - {p: [dev, release]}\n").expect("yaml");
        assert_eq!(read_code(&product), "Matrix::new().axis(\"p\", [\"dev\", \"release\"])");
    }

    fn read_code(job: &Node) -> String {
        read(job).expect("matrix").code
    }
}
