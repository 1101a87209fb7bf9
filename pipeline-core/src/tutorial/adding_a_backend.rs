//! # Adding a backend
//!
//! A backend lowers portable pipelines to one platform. The pattern every built-in backend
//! follows (see `backends/src/github/`):
//!
//! 1. `model.rs`: the platform's format as typed Rust, `serde::Serialize` structs whose field
//!    order is the order a person would write the file in; optional fields skipped when empty.
//! 2. `lower.rs`: portable model -> platform model. Match every [`StepKind`](crate::StepKind),
//!    [`Expr`](crate::Expr) and [`Condition`](crate::Condition) variant explicitly (no `_ =>`),
//!    so a new kind of step is a compile error in your backend rather than a silent gap.
//!    What the platform cannot express is a [`Diagnostic`](crate::Diagnostic) naming the
//!    feature, the job and the platform (`.on_platform("...")`); settings the user must make
//!    outside the files are notices.
//! 3. `mod.rs`: the [`Backend`](crate::Backend) implementation: emit the model with
//!    [`crate::yaml`] (never string templates), prefix the header, choose the file paths.
//!
//! Here is a complete (toy) backend for a platform whose files list jobs and their commands:
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use pipeline_core::diagnostic::{Diagnostic, Path};
//! use pipeline_core::prelude::*;
//! use pipeline_core::{GeneratedFile, RenderContext, yaml};
//!
//! /// The toy platform's format.
//! #[derive(serde::Serialize)]
//! struct ToyFile {
//!     jobs: yaml::Spaced<BTreeMap<String, ToyJob>>,
//! }
//!
//! #[derive(serde::Serialize)]
//! struct ToyJob {
//!     after: Vec<String>,
//!     commands: Vec<String>,
//! }
//!
//! struct Toy;
//!
//! impl Backend for Toy {
//!     fn name(&self) -> &'static str {
//!         "toy"
//!     }
//!
//!     fn generate(&self, pipelines: &[Pipeline], ctx: &RenderContext, diagnostics: &mut Diagnostics) -> Vec<GeneratedFile> {
//!         let mut files = Vec::new();
//!         for p in pipelines {
//!             let mut jobs = BTreeMap::new();
//!             for job in &p.jobs {
//!                 let mut commands = Vec::new();
//!                 for (i, step) in job.steps.iter().enumerate() {
//!                     match &step.kind {
//!                         StepKind::Script(body) => commands.push(body.clone()),
//!                         StepKind::Checkout(_) => commands.push("git checkout \"$COMMIT\"".into()),
//!                         StepKind::Action(_)
//!                         | StepKind::Upload(_)
//!                         | StepKind::Download(_)
//!                         | StepKind::Cache(_)
//!                         | StepKind::AssumeRole(_)
//!                         | StepKind::SetOutput(_) => diagnostics.push(
//!                             Diagnostic::error(
//!                                 "toy-unsupported",
//!                                 Path::pipeline(p.id.as_str()).job(job.id.as_str()).step(i, step.id_str()),
//!                                 format!("the toy platform has no {} steps", step.kind.name()),
//!                             )
//!                             .with_hint("use a script step")
//!                             .on_platform("toy"),
//!                         ),
//!                     }
//!                 }
//!                 let after = job.needs.iter().map(ToString::to_string).collect();
//!                 jobs.insert(job.id.to_string(), ToyJob { after, commands });
//!             }
//!             let text = yaml::to_value(&ToyFile { jobs: yaml::Spaced(jobs) }).and_then(|v| yaml::to_string(&v));
//!             match text {
//!                 Ok(body) => files.push(GeneratedFile::new(format!("toy/{}.yml", p.id), format!("{}\n{body}", ctx.header.comment("# "))).expect("a valid id is a valid path")),
//!                 Err(e) => diagnostics.push(Diagnostic::error("emit", Path::pipeline(p.id.as_str()), e.to_string())),
//!             }
//!         }
//!         files
//!     }
//! }
//!
//! let p = Pipeline::new("ci")
//!     .on(Trigger::push())
//!     .job(Job::new("test").step(Step::checkout()).step(Step::script("make test")))
//!     .job(Job::new("ship").needs("test").step(Step::script("make ship")));
//! let rendered = Generator::new("tutorial", ".").backend(Toy).pipeline(p).render(&[]).expect("renders");
//! let (_, file) = &rendered.files[0];
//! assert_eq!(file.path.as_str(), "toy/ci.yml");
//! assert!(file.contents.contains("  ship:\n    after:\n      - test\n    commands:\n      - make ship\n"), "{}", file.contents);
//!
//! // What the platform cannot do is refused, with a path, before anything is written:
//! let cached = Pipeline::new("ci").on(Trigger::push()).job(Job::new("t").step(Step::cache(Cache::new("c", ["target"]))));
//! let err = Generator::new("tutorial", ".").backend(Toy).pipeline(cached).render(&[]).expect_err("refused");
//! assert!(err.to_string().contains("error[toy-unsupported] (toy): the toy platform has no cache steps"));
//! ```
//!
//! Then: give it a cargo feature in `pipeline-backends`, add it to `pipeline_backends::platforms()`,
//! snapshot its output for the example service and the fixtures (`tests/snapshots.rs`), and run
//! the platform's own validators on every generated file in a conformance test
//! (`tests/conformance_*.rs`, tools installed by `scripts/install-tools`).
