//! Derive macros that turn plain structs into pipeline constructs.
//!
//! They are sugar over the builder API of `pipeline-core`, which re-exports them (feature
//! `derive`, on by default): what they generate only uses the public API of `pipeline_core`
//! (`Scope::add`, `add_here`, `needs` and `configure`; the builders of `Pipeline`,
//! `Environment`, `Condition` and `Trigger`; the public fields of `Job`), so a derived construct
//! behaves exactly like a hand-written one, and the expansion is what you would write by hand.
//!
//! - [`Construct`](macro@Construct): a struct whose fields are constructs (a `Job`, another
//!   construct, an `Option` of one) adds each field under its name in kebab-case; field options
//!   order the fields (`needs`) and configure their jobs (environment, approval, condition,
//!   timeout, role).
//! - [`Pipeline`](macro@Pipeline): the same, plus `impl ToPipeline` from the pipeline's id,
//!   name, triggers and default timeout.
//! - [`Params`](macro@Params): a builder for a construct's parameters, with defaults, required
//!   parameters and documented setters.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! /// A service's delivery: test, then deploy through staging to production.
//! #[derive(Pipeline)]
//! #[pipeline(id = "delivery", on(push(branches("main")), pull_request(branches("main"))))]
//! struct Delivery {
//!     unit_tests: Job,
//!     #[construct(needs(unit_tests), environment = "staging", tier = "staging", when(branch = "main"))]
//!     deploy_staging: Job,
//!     #[construct(needs(deploy_staging), environment = "production", tier = "production", approval, role = DEPLOY)]
//!     deploy_production: Job,
//! }
//!
//! let deploy = |env: &str| Job::new("deploy").step(Step::script(format!("./deploy.sh {env}")));
//! let pipeline = Delivery {
//!     unit_tests: Job::new("test").step(Step::script("cargo test")),
//!     deploy_staging: deploy("staging"),
//!     deploy_production: deploy("production"),
//! }
//! .to_pipeline();
//!
//! let ids: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
//! assert_eq!(ids, ["unit-tests", "deploy-staging", "deploy-production"]);
//! let production = pipeline.find_job("deploy-production").unwrap();
//! assert_eq!(production.needs, ["deploy-staging"]);
//! assert!(production.environment.as_ref().unwrap().requires_approval());
//! assert!(!pipeline_core::validate::validate(&pipeline).has_errors());
//! ```
//!
//! # Mistakes are compile errors
//!
//! Every mistake in the attributes is reported, all of them at once, at the option that is
//! wrong: unknown options (with a "did you mean"), values of the wrong type, options given twice,
//! `needs` naming a field that does not exist, is skipped or is the field itself, a cycle of
//! `needs`, `approval`, `tier` or `url` without `environment`, unknown tiers, events and roles,
//! cron schedules without five fields, a `Pipeline` without an id, and derives on enums, tuple
//! structs or unit structs. A field that is not a construct is reported at its type.
//!
//! ```compile_fail
//! use pipeline_core::prelude::*;
//!
//! #[derive(Construct)]
//! struct Release {
//!     build: Job,
//!     #[construct(needs(biuld), aproval)] // unknown field `biuld`; unknown option `aproval`
//!     deploy: Job,
//! }
//! ```
#![deny(missing_docs)]

mod bound;
mod construct;
mod internals;
mod params;

use proc_macro::TokenStream;

/// Implements `Construct` for a struct whose fields are constructs.
///
/// `build` adds each field, in declaration order, with `scope.add("<name>", &self.<field>)`:
/// the name is the field's name in kebab-case, so a `Job` field `deploy_staging` becomes job
/// `deploy-staging`, and the jobs of a construct field `staging` become `staging-deploy`,
/// `staging-smoke-test`... Any `impl Construct` can be a field: a `Job`, another derived or
/// hand-written construct, an `Option` of one (adding nothing when `None`), a `Box<dyn Construct>`.
/// Generic fields are fine: each type parameter a field uses gets a `T: Construct` bound.
///
/// # Field options: `#[construct(...)]`
///
/// | Option | Effect |
/// |---|---|
/// | `skip` | not a construct (a parameter): not added |
/// | `rename = "id"` | added under `id` instead of the field's name |
/// | `flatten` | added in the same scope, without a name (`scope.add_here`) |
/// | `needs(a, b)` | the field's first jobs need the last jobs of fields `a` and `b` (added once every field is built, so any order works) |
/// | `environment = "production"` | its jobs deploy to this environment |
/// | `tier = "production"` | the environment's tier: `production`, `staging`, `testing`, `development` or `other` |
/// | `url = "https://..."` | the environment's URL |
/// | `approval` | the environment needs a manual approval; `approval(instructions = "...", review_url = "...", notify)` adds details |
/// | `timeout = 30` | its jobs' timeout, in minutes |
/// | `role = "deploy"` | marks its jobs with a role: a `JobRole` constant's name (`SECURITY_SCAN`, `TEST`, `BUILD`, `DEPLOY`, `ROLLBACK`) or any string |
/// | `when(condition)` | its jobs run only when the condition holds (and their own condition, if any) |
///
/// A condition is `branch = "main"`, `tag`, `event = "push"` (or `"pull_request"`,
/// `"schedule"`, `"manual"`), `input(name = "value")` (a manual input's value), `failure`,
/// `always`, or a combination: `all(c, ...)`, `any(c, ...)`, `not(c)`.
///
/// `environment`, `approval`, `timeout`, `role` and `when` apply to every job the field adds
/// (through `scope.configure`), replacing what the jobs set themselves, except `when`, which
/// narrows it. `approval`, `tier` and `url` need `environment`.
///
/// ```
/// use pipeline_core::prelude::*;
///
/// /// Deploys, then checks the deployed service.
/// struct DeployStage;
///
/// impl Construct for DeployStage {
///     fn build(&self, scope: &mut Scope<'_>) {
///         let deploy = Job::new("deploy").step(Step::script("./deploy.sh"));
///         let smoke = Job::new("smoke-test").needs(&deploy).step(Step::script("./smoke.sh"));
///         scope.add_job(deploy);
///         scope.add_job(smoke);
///     }
/// }
///
/// #[derive(Construct)]
/// struct Release {
///     build: Job,
///     #[construct(needs(build), environment = "staging", tier = "staging")]
///     staging: DeployStage,
///     #[construct(needs(staging), environment = "production", approval, when(branch = "main"), timeout = 20)]
///     production: DeployStage,
///     /// Only some services have a load test.
///     #[construct(needs(staging), role = "load-test")]
///     load_test: Option<Job>,
///     #[construct(skip)]
///     region: &'static str,
/// }
///
/// let release = Release {
///     build: Job::new("build").step(Step::script("make")),
///     staging: DeployStage,
///     production: DeployStage,
///     load_test: None,
///     region: "eu-west-1",
/// };
/// let pipeline = Pipeline::new("release").on(Trigger::push()).add("release", &release);
///
/// let ids: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
/// assert_eq!(ids, [
///     "release-build",
///     "release-staging-deploy",
///     "release-staging-smoke-test",
///     "release-production-deploy",
///     "release-production-smoke-test",
/// ]);
/// let deploy = pipeline.find_job("release-production-deploy").unwrap();
/// assert_eq!(deploy.needs, ["release-staging-smoke-test"]);
/// assert_eq!(deploy.condition, Some(Condition::branch("main")));
/// assert_eq!(deploy.timeout_minutes, Some(20));
/// # pipeline_core::validate::assert_valid(&pipeline);
/// ```
#[proc_macro_derive(Construct, attributes(construct))]
pub fn derive_construct(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    construct::derive_construct(&input).into()
}

/// Implements `Construct` (as [`derive(Construct)`](macro@Construct) does) and `ToPipeline`:
/// a struct that describes a whole pipeline, its fields added at the root.
///
/// # Pipeline options: `#[pipeline(...)]`
///
/// | Option | Effect |
/// |---|---|
/// | `id = "delivery"` | the pipeline's id (required; it names the generated files) |
/// | `name = "Delivery"` | its display name (the id when absent) |
/// | `timeout = 30` | the timeout of jobs that set none, in minutes |
/// | `on(trigger, ...)` | what starts it |
///
/// A trigger is `push`, `push(branches("main", ...), tags("v*", ...), paths("src/**", ...))`,
/// `pull_request`, `pull_request(branches(...), paths(...))`, `schedule("0 3 * * 1-5")` (five
/// cron fields, UTC; checked when compiling) or `manual`.
///
/// `to_pipeline` is `Pipeline::new(id).name(..).on(..).default_timeout_minutes(..).with(self)`.
/// Fields take the options of [`derive(Construct)`](macro@Construct).
///
/// ```
/// use pipeline_core::prelude::*;
///
/// #[derive(Pipeline)]
/// #[pipeline(
///     id = "nightly",
///     name = "Nightly",
///     on(schedule("0 3 * * 1-5"), manual),
///     timeout = 45,
/// )]
/// struct Nightly {
///     audit: Job,
///     #[construct(needs(audit), when(failure), role = "notify")]
///     notify: Job,
/// }
///
/// let nightly = Nightly {
///     audit: Job::new("audit").role(JobRole::SECURITY_SCAN).step(Step::script("cargo audit")),
///     notify: Job::new("notify").step(Step::script("./notify.sh")),
/// };
/// let pipeline = nightly.to_pipeline();
/// assert_eq!(pipeline.id.as_str(), "nightly");
/// assert_eq!(pipeline.name, "Nightly");
/// assert_eq!(pipeline.triggers, [Trigger::schedule("0 3 * * 1-5"), Trigger::manual().into()]);
/// assert_eq!(pipeline.default_timeout_minutes, 45);
/// assert_eq!(pipeline.find_job("notify").unwrap().needs, ["audit"]);
/// assert!(!pipeline_core::validate::validate(&pipeline).has_errors());
/// ```
#[proc_macro_derive(Pipeline, attributes(pipeline, construct))]
pub fn derive_pipeline(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    construct::derive_pipeline(&input).into()
}

/// A builder for a construct's parameters: a documented `#[must_use]` setter per field, and
/// defaults.
///
/// # Field options: `#[param(...)]`
///
/// | Option | Effect |
/// |---|---|
/// | `default = <expression>` | the field's default (a string literal is converted with `Into`, so `default = "stable"` suits a `String`) |
/// | `required` | no default: the field is an argument of `new` |
///
/// Fields without options default to `Default::default()`. With no `required` field the derive
/// implements `Default`; otherwise it generates `new(<required fields, in order>)` instead.
///
/// The setter of field `f: T` is `fn f(self, value: impl Into<T>) -> Self`; for `f: Option<T>`
/// it takes `impl Into<T>` and stores `Some`. Numbers, `bool` and `char` are taken as they are
/// (`impl Into<u32>` would reject a literal like `30`). Setters, `new` and the struct have the
/// same visibility; setters repeat the field's doc comment.
///
/// ```
/// use pipeline_core::prelude::*;
///
/// /// How to deploy a service.
/// #[derive(Params, Debug, PartialEq)]
/// pub struct DeployParams {
///     /// The environment to deploy to.
///     #[param(required)]
///     pub environment: String,
///     /// Minutes before the deploy is cancelled.
///     #[param(default = 20)]
///     pub timeout: u32,
///     /// The AWS region.
///     #[param(default = "eu-west-1")]
///     pub region: String,
///     /// Where the deployed service answers.
///     pub url: Option<String>,
/// }
///
/// let params = DeployParams::new("production").timeout(30).url("https://app.example.com");
/// assert_eq!(params, DeployParams {
///     environment: "production".into(),
///     timeout: 30,
///     region: "eu-west-1".into(),
///     url: Some("https://app.example.com".into()),
/// });
///
/// /// Parameters without a required field implement `Default`.
/// #[derive(Params)]
/// pub struct RustCi {
///     #[param(default = "stable")]
///     pub toolchain: String,
///     pub clippy: bool,
/// }
/// let ci = RustCi::default().clippy(true);
/// assert_eq!((ci.toolchain.as_str(), ci.clippy), ("stable", true));
/// ```
#[proc_macro_derive(Params, attributes(param))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    params::derive(&input).into()
}
