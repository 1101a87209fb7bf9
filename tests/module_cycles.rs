//! No import cycles between the modules of any crate of the workspace: each module's `crate::`,
//! `super::` and `self::` imports (read by `pipeline_tests::modules`) form a graph without
//! cycles, so every module can be read, tested and moved with what it depends on only. The
//! fixtures below show the check fails on a cycle, and does not on what only looks like one.

use pipeline_tests::modules::{Crate, Source};
use pipeline_tests::workspace_root;

/// Every crate's source directory.
const CRATES: [&str; 9] = [
    "pipeline-core/src",
    "pipeline-derive/src",
    "backends/src",
    "backends/import/src",
    "templates/src",
    "examples/platform/src",
    "examples/service/src",
    "examples/ci/src",
    "tests/src",
];

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let mut problems = Vec::new();
    for dir in CRATES {
        let sources = Source::read_dir(&workspace_root().join(dir));
        assert!(!sources.is_empty(), "{dir}: no sources found");
        for cycle in Crate::parse(&sources).cycles() {
            let edges: Vec<String> = cycle
                .edges
                .iter()
                .map(|e| format!("    {} -> {} ({})", e.from, e.to, e.at))
                .collect();
            problems.push(format!(
                "{dir}: modules {} import each other:\n{}",
                cycle.modules.join(", "),
                edges.join("\n")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "import cycles (move what both sides use into a third module):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_graph_has_the_imports_of_this_workspace() {
    // The check reads real imports: CodePipeline's pipeline and job lowerings share a context.
    let krate = Crate::parse(&Source::read_dir(&workspace_root().join("backends/src")));
    let edges = krate.edges();
    for from in ["codepipeline::lower", "codepipeline::job"] {
        assert!(
            edges.iter().any(|e| e.from == from && e.to == "codepipeline::context"),
            "{from} -> codepipeline::context is missing from {edges:#?}"
        );
    }
}

#[test]
fn a_two_module_cycle_is_found_with_where_each_import_is() {
    let krate = Crate::parse(&[
        Source::new("lib.rs", "mod job;\nmod lower;\n"),
        Source::new(
            "job.rs",
            "use crate::lower::{Lowering, PLATFORM};\npub(crate) struct Job;\n",
        ),
        Source::new(
            "lower.rs",
            "pub(crate) const PLATFORM: &str = \"x\";\npub(crate) struct Lowering;\n\nfn f() {\n    let _ = super::job::Job;\n}\n",
        ),
    ]);
    let cycles = krate.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(cycles[0].modules, ["job", "lower"]);
    let at: Vec<&str> = cycles[0].edges.iter().map(|e| e.at.as_str()).collect();
    assert_eq!(at, ["job.rs:1", "lower.rs:5"]);
}

#[test]
fn a_longer_cycle_through_nested_modules_and_re_exports_is_found() {
    let krate = Crate::parse(&[
        Source::new("lib.rs", "pub mod a;\nmod c;\npub use c::C;\n"),
        Source::new("a/mod.rs", "mod b;\nuse self::b::B as Bee;\n"),
        Source::new("a/b.rs", "use crate::C;\npub struct B;\n"),
        // `super::a::Bee` is `a::b::B`, imported by `a` under another name.
        Source::new("c.rs", "pub struct C(super::a::Bee);\n"),
    ]);
    let cycles = krate.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert_eq!(cycles[0].modules, ["a::b", "c"]);
}

#[test]
fn nested_modules_strings_comments_and_tests_are_not_cycles() {
    let krate = Crate::parse(&[
        // A parent re-exports its children, and they use its items.
        Source::new("lib.rs", "mod a;\nmod b;\npub use a::A;\npub const LIMIT: u32 = 1;\n"),
        Source::new(
            "a.rs",
            concat!(
                "use crate::LIMIT;\nuse crate::b::B;\npub struct A;\n",
                "// use crate::b::cycle; in a comment\n",
                "const S: &str = \"${{ use super::b }} { crate::b::x\";\n",
                "const R: &str = r#\"super::b::y \"{\"#;\n",
                "const C: char = '{';\n",
                "#[cfg(test)]\nmod tests {\n    use super::*;\n    fn f<'a>(_: &'a str) {}\n}\n",
            ),
        ),
        // `b` uses `a` only from its test module, which nothing imports: no cycle.
        Source::new(
            "b.rs",
            "pub struct B;\n#[cfg(test)]\nmod tests {\n    use crate::a::A;\n    use super::B;\n}\n",
        ),
    ]);
    assert_eq!(krate.cycles(), []);
    let edges: Vec<(String, String)> = krate.edges().into_iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(
        edges,
        [
            ("a".to_string(), "b".to_string()),
            ("b::tests".to_string(), "a".to_string())
        ]
    );
}
