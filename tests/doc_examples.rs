//! Every rustdoc example of the library crates that builds part of a pipeline also validates
//! it, so no example teaches what the library itself refuses (as a cache of `~/.cargo/registry`
//! once did: caches must stay inside the workspace).
//!
//! Doc tests run the examples; this test reads their text and requires each one that builds a
//! model value (a pipeline, a job, a step, a cache...) to check it with the library's own
//! validation: `pipeline_core::validate::assert_valid` (often as a hidden `# ` line under a
//! fragment), `validate`/`validate_all` (examples of diagnostics), or `Generator::render`
//! (which validates before rendering).

use std::path::{Path, PathBuf};

/// The library crates' sources.
const SOURCES: [&str; 4] = [
    "pipeline-core/src",
    "pipeline-derive/src",
    "backends/src",
    "templates/src",
];

/// What builds a model value in an example.
const BUILDS: [&str; 12] = [
    "Pipeline::new(",
    "Job::new(",
    "Step::",
    "Cache::new(",
    "Upload::new(",
    "Matrix::new(",
    "Environment::new(",
    "Trigger::",
    "derive(Pipeline",
    "derive(Construct",
    "Generator::new(",
    ".pipeline(\"",
];

/// What checks it with the library's validation.
const VALIDATES: [&str; 4] = ["assert_valid(", "validate(", "validate_all(", ".render("];

/// A fenced code block of a doc comment.
struct Example {
    file: PathBuf,
    line: usize,
    info: String,
    code: String,
}

impl Example {
    /// Whether rustdoc runs it as a Rust test.
    fn runs(&self) -> bool {
        let words: Vec<&str> = self
            .info
            .split([',', ' '])
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect();
        words
            .iter()
            .all(|w| matches!(*w, "rust" | "should_panic") || w.starts_with("edition"))
    }
}

fn examples(dir: &Path, out: &mut Vec<Example>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            examples(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let mut open: Option<Example> = None;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let Some(doc) = trimmed.strip_prefix("///").or_else(|| trimmed.strip_prefix("//!")) else {
                continue;
            };
            let doc = doc.strip_prefix(' ').unwrap_or(doc);
            match (&mut open, doc.trim_start().strip_prefix("```")) {
                (None, Some(info)) => {
                    open = Some(Example {
                        file: path.clone(),
                        line: i + 1,
                        info: info.trim().to_owned(),
                        code: String::new(),
                    });
                }
                (Some(_), Some(_)) => out.extend(open.take()),
                (Some(example), None) => {
                    example.code.push_str(doc);
                    example.code.push('\n');
                }
                (None, None) => {}
            }
        }
    }
}

#[test]
fn every_example_that_builds_a_pipeline_part_validates_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace");
    let mut all = Vec::new();
    for dir in SOURCES {
        examples(&root.join(dir), &mut all);
    }
    let building: Vec<&Example> = all
        .iter()
        .filter(|e| e.runs() && BUILDS.iter().any(|b| e.code.contains(b)))
        .collect();
    assert!(building.len() > 50, "the examples were not found: {}", building.len());
    let unchecked: Vec<String> = building
        .iter()
        .filter(|e| !VALIDATES.iter().any(|v| e.code.contains(v)))
        .map(|e| format!("{}:{}", e.file.strip_prefix(root).unwrap_or(&e.file).display(), e.line))
        .collect();
    assert!(
        unchecked.is_empty(),
        "these examples build pipeline parts without validating them; add \
         `pipeline_core::validate::assert_valid(&pipeline)` (a hidden `# ` line is fine):\n{}",
        unchecked.join("\n")
    );
}

/// The reader of the test: fences, info strings and hidden lines as rustdoc reads them.
#[test]
fn examples_are_read_as_rustdoc_reads_them() {
    let dir = std::env::temp_dir().join(format!("doc-examples-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("a.rs"),
        "//! ```\n//! let j = Job::new(\"x\");\n//! # assert_valid(&p);\n//! ```\n\
         /// ```text\n/// Job::new\n/// ```\n    /// ```rust,no_run\n    /// Job::new(\"y\");\n    /// ```\n",
    )
    .expect("write");
    let mut found = Vec::new();
    examples(&dir, &mut found);
    std::fs::remove_dir_all(&dir).expect("clean");
    let summary: Vec<(usize, &str, bool, bool)> = found
        .iter()
        .map(|e| (e.line, e.info.as_str(), e.runs(), e.code.contains("assert_valid(")))
        .collect();
    assert_eq!(
        summary,
        [
            (1, "", true, true),
            (5, "text", false, false),
            (8, "rust,no_run", false, false)
        ]
    );
}
