//! `pipeline-import [--out FILE] PATH...`: imports GitHub workflows and GitLab CI files (a
//! directory stands for its `.github/workflows/*.yml` and `.gitlab-ci.yml`) into one Rust
//! module, written to FILE or printed; the per-file summary goes to stderr. Exit status 0 when
//! every file imported, 1 when one could not be (it is named with line and column), 2 for
//! invalid usage.

use std::path::PathBuf;
use std::process::ExitCode;

fn expand(path: PathBuf) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path];
    }
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir(path.join(".github/workflows")) {
        let mut files: Vec<PathBuf> = dir
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        out.extend(files);
    }
    let gitlab = path.join(".gitlab-ci.yml");
    if gitlab.is_file() {
        out.push(gitlab);
    }
    out
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut paths = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" | "-o" => match args.next() {
                Some(f) => out = Some(f.into()),
                None => {
                    eprintln!("error: --out needs a file");
                    return ExitCode::from(2);
                }
            },
            "--help" | "-h" => {
                println!(
                    "usage: pipeline-import [--out FILE] PATH...\n  PATH: a workflow or GitLab CI file, or a repository directory"
                );
                return ExitCode::SUCCESS;
            }
            _ if a.starts_with('-') => {
                eprintln!("error: unknown flag {a:?}\n  = hint: pipeline-import [--out FILE] PATH...");
                return ExitCode::from(2);
            }
            _ => paths.extend(expand(a.into())),
        }
    }
    if paths.is_empty() {
        eprintln!("error: no files to import\n  = hint: pipeline-import [--out FILE] PATH...");
        return ExitCode::from(2);
    }
    let import = pipeline_import::import(&paths);
    for s in &import.summaries {
        eprint!("{}", s.render());
    }
    for p in &import.problems {
        eprintln!("{p}");
    }
    if let Some(module) = &import.module {
        match &out {
            Some(f) => {
                if let Err(e) = std::fs::write(f, module) {
                    eprintln!("error: cannot write {}: {e}", f.display());
                    return ExitCode::from(2);
                }
            }
            None => print!("{module}"),
        }
    }
    if import.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
