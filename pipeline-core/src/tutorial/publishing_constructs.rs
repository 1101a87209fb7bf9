//! # Publishing constructs for an organisation
//!
//! A platform team publishes a crate of [constructs](crate::construct): types implementing
//! [`Construct`](trait@crate::Construct), whose `build` adds jobs with local ids to a
//! [`Scope`](crate::Scope). The scope qualifies the ids with the construct's place in the
//! pipeline, so one construct can be used twice (staging, production) without clashes.
//!
//! ```
//! use pipeline_core::prelude::*;
//!
//! /// ACME's deploy stage: deploy, then smoke test; production needs an approval.
//! #[derive(Clone)]
//! pub struct Deploy {
//!     pub environment: String,
//!     pub tier: Tier,
//! }
//!
//! impl Construct for Deploy {
//!     fn build(&self, scope: &mut Scope<'_>) {
//!         let mut environment = Environment::new(self.environment.as_str()).tier(self.tier);
//!         if self.tier == Tier::Production {
//!             environment = environment.approval(Approval::new());
//!         }
//!         let deploy = Job::new("deploy")
//!             .role(JobRole::DEPLOY)
//!             .environment(environment)
//!             .step(Step::script("./deploy.sh").id("deploy"))
//!             .timeout_minutes(15);
//!         let smoke = Job::new("smoke").needs(&deploy).step(Step::script("./smoke.sh").id("smoke")).timeout_minutes(5);
//!         scope.add_job(deploy);
//!         scope.add_job(smoke);
//!     }
//! }
//!
//! let build = Job::new("build").role(JobRole::SECURITY_SCAN).step(Step::script("make && make audit")).timeout_minutes(20);
//! let mut pipeline = Pipeline::new("delivery").on(Trigger::push().branches(["main"]));
//! let mut scope = pipeline.scope();
//! let built = scope.add("build", &build);
//! let staging = scope.add("staging", &Deploy { environment: "staging".into(), tier: Tier::Staging });
//! let production = scope.add("production", &Deploy { environment: "production".into(), tier: Tier::Production });
//! scope.needs(&staging, &built);
//! scope.needs(&production, &staging);
//! drop(scope);
//! let ids: Vec<&str> = pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
//! assert_eq!(ids, ["build", "staging-deploy", "staging-smoke", "production-deploy", "production-smoke"]);
//! // In the construct crate's tests: what it builds passes the library's validation.
//! pipeline_core::validate::assert_valid(&pipeline);
//! ```
//!
//! ## Policies
//!
//! The organisation's rules are [`Policy`](crate::Policy) values, checked on the model before
//! any file is written; a violation is a diagnostic with a path. Built-in ones cover the usual
//! rules ([`crate::policy`]); write your own for the rest.
//!
//! ```
//! use pipeline_core::policy::{ApprovalRequired, ScanBeforeDeploy, TimeoutsRequired};
//! use pipeline_core::prelude::*;
//!
//! pub fn policies() -> Vec<Box<dyn Policy>> {
//!     vec![Box::new(ApprovalRequired::production()), Box::new(TimeoutsRequired { max_minutes: 60 }), Box::new(ScanBeforeDeploy)]
//! }
//!
//! let unsafe_deploy = Pipeline::new("d")
//!     .on(Trigger::push())
//!     .job(Job::new("ship").environment(Environment::new("prod").tier(Tier::Production)).step(Step::script("./ship")));
//! let report = Generator::new("g", ".")
//!     .backend(pipeline_backends::Github::new())
//!     .policies(policies())
//!     .pipeline(unsafe_deploy)
//!     .render(&[])
//!     .expect_err("policies refuse it");
//! assert!(report.contains_code("approval-required"));
//! assert!(report.contains_code("timeout-required"));
//! assert!(report.contains_code("scan-before-deploy"));
//! ```
//!
//! ## How service teams extend constructs
//!
//! Without forking the platform crate, a service team can:
//!
//! - override parameters (the construct's fields or builder methods);
//! - insert steps before or after a named step, replace or remove one:
//!   [`Job::insert_after`](crate::Job::insert_after), [`Pipeline::edit_job`](crate::Pipeline::edit_job);
//! - add jobs, or replace one: [`Pipeline::job`](crate::Pipeline::job),
//!   [`Pipeline::replace_job`](crate::Pipeline::replace_job);
//! - attach typed platform settings ([`crate::extension`]) that one backend reads;
//! - as a last resort, patch the emitted document ([`crate::patch`]).
//!
//! An extension point that does not apply (a step id that does not exist) is reported by
//! validation with a "did you mean", like any other problem:
//!
//! ```
//! use pipeline_core::prelude::*;
//! let p = Pipeline::new("ci")
//!     .on(Trigger::push())
//!     .job(Job::new("build").step(Step::script("cargo build").id("compile")))
//!     .edit_job("build", |job| job.insert_after("complie", Step::script("ls target")));
//! let report = pipeline_core::validate::validate(&p).to_string();
//! assert!(report.contains("error[unknown-step]: cannot insert after step \"complie\""), "{report}");
//! assert!(report.contains("did you mean \"compile\"?"));
//! ```
//!
//! A real platform crate lives in this repository: `examples/platform` (`acme-platform`), used by
//! `examples/service`.
