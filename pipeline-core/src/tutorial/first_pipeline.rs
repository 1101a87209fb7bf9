//! # Writing a first pipeline
//!
//! A pipeline is Rust values: [`Pipeline`](struct@crate::Pipeline), [`Job`](crate::Job) and
//! [`Step`](crate::Step), built with methods that read like the pipeline. Add two dependencies
//! to a small binary crate (the convention is a package named `ci`):
//!
//! ```toml
//! [dependencies]
//! pipeline-core = "0.1"
//! pipeline-backends = "0.1"
//! ```
//!
//! ## Jobs and steps
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! let test = Job::new("test")
//!     .name("Tests")
//!     .runner(Runner::linux().image("rust:1.95-bookworm"))
//!     .step(Step::checkout())
//!     .step(Step::script("cargo test --workspace --locked"))
//!     .timeout_minutes(20);
//!
//! let build = Job::new("build")
//!     .needs(&test) // a typed reference: a typo would not compile
//!     .runner(Runner::linux().image("rust:1.95-bookworm"))
//!     .step(Step::checkout())
//!     .step(Step::script("cargo build --release --locked"))
//!     .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2"))
//!     .step(Step::upload("app", ["target/release/app"]));
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(test).job(build));
//! ```
//!
//! Values that come from the platform (the commit, the branch, a secret, another job's output)
//! are [`Expr`](crate::Expr)s, and they reach scripts only through environment variables, so a
//! branch name can never inject shell code:
//!
//! ```
//! # use pipeline_core::prelude::*;
//! # let build = Job::new("build").step(Step::set_output("version", "echo 1.0")).step(Step::upload("app", ["dist/app"]));
//! let deploy = Job::new("deploy")
//!     .needs(&build)
//!     .environment(Environment::new("production").url("https://app.example.com").approval(Approval::new()))
//!     .env("VERSION", build.output("version"))
//!     .env("COMMIT", Builtin::CommitSha)
//!     .step(Step::download("app"))
//!     .step(Step::assume_aws_role(AwsRole::new(Expr::var("DEPLOY_ROLE_ARN"), "eu-west-1")))
//!     .step(Step::script("./deploy.sh \"$VERSION\" \"$COMMIT\"").env("TOKEN", Expr::secret("DEPLOY_TOKEN")))
//!     .when(Condition::branch("main"));
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(build).job(deploy));
//! ```
//!
//! ## The pipeline, validated
//!
//! Validation reports every problem at once, each with its path and a hint; an invalid
//! pipeline writes nothing:
//!
//! ```
//! use pipeline_core::prelude::*;
//! let broken = Pipeline::new("ci")
//!     .on(Trigger::push().branches(["main"]))
//!     .job(Job::new("build").step(Step::script("make")))
//!     .job(Job::new("deploy").needs("biuld").step(Step::script("echo ${{ secrets.TOKEN }}")));
//! let report = pipeline_core::validate::validate(&broken).to_string();
//! assert!(report.contains("error[unknown-need]: job \"deploy\" needs unknown job \"biuld\""));
//! assert!(report.contains("hint: did you mean \"build\"?"));
//! assert!(report.contains("error[inline-secret]"));
//! ```
//!
//! ## Generating the files
//!
//! `main` hands the pipelines to a generator. The same binary writes the files, checks them
//! (`--check`, for CI), or lists them:
//!
//! ```no_run
//! use pipeline_core::prelude::*;
//!
//! fn main() {
//!     let ci = Pipeline::new("ci")
//!         .on(Trigger::push().branches(["main"]))
//!         .on(Trigger::pull_request())
//!         .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
//!     pipeline_core::generator!() // named after the crate; writes at the repository root
//!         .backends(pipeline_backends::platforms())
//!         .pipeline(ci)
//!         .main();
//! }
//! ```
//!
//! ```text
//! $ cargo run -p ci                       # writes .github/workflows/ci.yml, .gitlab-ci.yml, ...
//! $ cargo run -p ci -- --check            # in CI: exit 1 with a diff when a file is stale
//! $ cargo run -p ci -- --backend github   # one platform
//! ```
//!
//! In memory, for tests, [`Generator::render`](crate::Generator::render) returns the files:
//!
//! ```
//! use pipeline_core::prelude::*;
//! let ci = Pipeline::new("ci")
//!     .on(Trigger::push().branches(["main"]))
//!     .job(Job::new("test").step(Step::checkout()).step(Step::script("cargo test")));
//! let rendered = Generator::new("ci", ".")
//!     .backend(pipeline_backends::Github::new())
//!     .pipeline(ci)
//!     .render(&[])
//!     .expect("valid");
//! let (_, workflow) = &rendered.files[0];
//! assert_eq!(workflow.path.as_str(), ".github/workflows/ci.yml");
//! assert!(workflow.contents.contains("persist-credentials: false"));
//! assert!(workflow.contents.contains("permissions: {}"));
//! ```
//!
//! Next: [publishing constructs](super::publishing_constructs), so that every team starts from
//! the same pipeline instead of copying YAML.
