//! A bounded property test (issue 11): random pipelines whose every string field is built from
//! hazard pieces (platform expression syntax, YAML 1.1 surprises, quotes, newlines, Unicode).
//! Generating them never panics; each backend either refuses a pipeline with errors, or emits
//! files in which no hazard is live (`pipeline_tests::hazards`), that PyYAML and Psych read back
//! exactly as a YAML 1.2 reader does, and whose GitHub workflows actionlint accepts.
//!
//! 64 cases from a fixed seed (a few seconds; `HAZARD_CASES=N` for more); the external readers
//! run once on all files.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;

use pipeline_core::prelude::*;
use pipeline_core::{Diagnostics, GeneratedFile};
use pipeline_tests::hazards::{MARKER, findings};
use pipeline_tests::readback::{mismatches, psych, pyyaml, read_back};
use pipeline_tests::tools::{self, output};
use pipeline_tests::{PipelineSet, TempDir};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Pieces hazard strings are made of.
const PIECES: &[&str] = &[
    "${{",
    "}}",
    " secrets.PWNED ",
    "$",
    "PWNED",
    "{",
    "}",
    "#{",
    "PWNED.x",
    "$$",
    "'",
    "\"",
    ":",
    ": ",
    "#",
    " #",
    "\n",
    "yes",
    "on",
    "0777",
    "2024-01-01",
    "1:20",
    "~",
    "null",
    "*",
    "&a",
    "!x",
    "- ",
    "[",
    "]",
    "\\",
    " ",
    "é",
    "\t",
    "|",
    ">",
    "%",
    "@",
    "`",
    "main",
    "v1",
    "a",
    "-",
];

fn hazard() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|p| p.concat())
}

/// The number of string fields [`pipeline`] fills.
const FIELDS: usize = 25;

/// The random strings of one pipeline: a hazard for a few fields, plain values elsewhere (with
/// every field hazardous, nearly every pipeline would be refused).
#[derive(Clone, Debug)]
struct Strings {
    hazards: Vec<String>,
    fields: Vec<usize>,
}

impl Strings {
    fn get(&self, i: usize, plain: &str) -> String {
        match self.fields.iter().position(|f| *f == i) {
            Some(k) => self.hazards[k].clone(),
            None => plain.to_owned(),
        }
    }
}

fn strings() -> impl Strategy<Value = Strings> {
    (
        prop::collection::vec(hazard(), 3),
        prop::collection::vec(0..FIELDS, 1..=3),
    )
        .prop_map(|(hazards, fields)| Strings { hazards, fields })
}

/// A value built from a reference and one-character pieces of `s`.
fn pieces(s: &str) -> Expr {
    let mut parts = vec![Expr::Builtin(Builtin::RefName)];
    parts.extend(s.chars().map(|c| Expr::lit(c.to_string())));
    Expr::Concat(parts)
}

fn pipeline(s: &Strings) -> Pipeline {
    let build = Job::new("build")
        .name(s.get(0, "Build"))
        .runner(Runner::labels([s.get(1, "linux")]).image(s.get(2, "rust:1.95")))
        .env("JOB_VALUE", s.get(3, "plain"))
        .env("PIECES", pieces(&s.get(4, "plain")))
        .concurrency(Concurrency::new(s.get(5, "group")))
        .when(Condition::branch(s.get(6, "main")) | Condition::input_equals("target", s.get(7, "eu")))
        .step(Step::checkout())
        .step(
            Step::script("make")
                .name(s.get(8, "Compile"))
                .working_directory(s.get(9, "src"))
                .env("STEP_VALUE", s.get(10, "plain")),
        )
        .step(Step::upload("app", [s.get(11, "dist")]));
    let test = Job::new("test")
        .matrix(Matrix::new().axis("os", ["a".to_owned(), s.get(12, "b")]))
        .service(Service::new("db", s.get(13, "postgres:17")))
        .env("OS", Expr::matrix("os"))
        .step(Step::script("make test"));
    let deploy = Job::new("deploy")
        .needs("build")
        .environment(
            Environment::new("production")
                .url(s.get(14, "https://example.com"))
                .approval(Approval::new().instructions(s.get(15, "check"))),
        )
        .step(Step::download("app"))
        .step(Step::assume_aws_role(
            AwsRole::new("arn:aws:iam::123456789012:role/deploy", "eu-west-1").session_name(s.get(16, "deploy")),
        ));
    Pipeline::new("p")
        .name(s.get(17, "Delivery"))
        .on(Trigger::push()
            .branches([s.get(18, "main")])
            .paths([s.get(19, "src/**")]))
        .on(Trigger::manual()
            .input(Input::string("reason", s.get(20, "why")).default_value(s.get(21, "none")))
            .input(Input::choice(
                "target",
                s.get(22, "where"),
                ["eu".to_owned(), s.get(23, "us")],
            )))
        .env("PIPELINE_VALUE", s.get(24, "plain"))
        .job(build)
        .job(test)
        .job(deploy)
}

fn render(backend: &str, p: Pipeline) -> Result<Vec<GeneratedFile>, Diagnostics> {
    pipeline_tests::render(
        &PipelineSet {
            name: "prop",
            pipelines: vec![p],
        },
        backend,
    )
}

#[test]
fn random_hazardous_pipelines_are_refused_or_emitted_as_literals() {
    let dir = TempDir::new("hazards-prop");
    // The runner's closure is `Fn`: what it collects goes through cells.
    let yaml: RefCell<Vec<PathBuf>> = RefCell::default();
    let workflows: RefCell<Vec<PathBuf>> = RefCell::default();
    let accepted = Cell::new(0usize);
    let refused = Cell::new(0usize);
    let mut runner = TestRunner::new_with_rng(
        Config {
            // `HAZARD_CASES=1000` explores further locally.
            cases: std::env::var("HAZARD_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(64),
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let result = runner.run(&strings(), |strings| {
        for backend in ["github", "gitlab", "codepipeline"] {
            match render(backend, pipeline(&strings)) {
                Ok(files) => {
                    accepted.set(accepted.get() + 1);
                    let found = findings(backend, &files);
                    prop_assert!(found.is_empty(), "{backend}: {found:#?}");
                    for file in files {
                        let name = file.path.as_str();
                        if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
                            continue;
                        }
                        let n = yaml.borrow().len();
                        let path = dir.path().join(format!("{n}-{backend}-{}", name.replace('/', "_")));
                        std::fs::write(&path, &file.contents).expect("write");
                        if backend == "github" {
                            workflows.borrow_mut().push(path.clone());
                        }
                        yaml.borrow_mut().push(path);
                    }
                }
                Err(d) => {
                    refused.set(refused.get() + 1);
                    prop_assert!(d.has_errors(), "{backend}: refused without an error:\n{d}");
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (yaml, workflows) = (yaml.into_inner(), workflows.into_inner());
    let (accepted, refused) = (accepted.get(), refused.get());
    assert!(
        accepted >= 10 && refused >= 10,
        "accepted {accepted}, refused {refused}: the strings test too little"
    );
    assert!(
        yaml.iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(MARKER)))
    );
    for (reader, cmd) in [("PyYAML", pyyaml()), ("Psych", psych())] {
        let Some(cmd) = cmd else { continue };
        let docs = read_back(cmd, &yaml);
        let wrong = mismatches(reader, &yaml, docs);
        assert!(
            wrong.is_empty(),
            "{} file(s) read differently by {reader}:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
    if let Some(mut cmd) = tools::actionlint() {
        cmd.args(["-ignore", "is unknown. available labels are"])
            .args(&workflows);
        let out = output(cmd);
        assert_eq!(out.code, 0, "{}", out.text());
    }
}
