//! The CI of a Rust service: lint, tests, audit, one release artifact.

use pipeline_core::prelude::*;

use crate::{RUST_IMAGE, script};

/// Lint, unit tests (dev and release profiles), integration tests (with optional service
/// containers), a dependency audit, and a release artifact built once: `<binary>.zip` uploaded
/// as artifact `<binary>`, with the crate version as output `version` of job `build`.
///
/// Jobs (local ids): `lint`, `unit-tests`, `integration-tests`, `security-scan`, `build`. Step
/// ids to extend around: `fmt`, `clippy`, `unit`, `integration`, `audit`, `package`, `version`,
/// `upload`.
///
/// ```
/// use acme_platform::RustServiceCi;
/// use pipeline_core::prelude::*;
/// let ci = RustServiceCi::new("payments-api")
///     .with_service(Service::new("postgres", "postgres:17").env("POSTGRES_PASSWORD", "postgres"));
/// let p = Pipeline::new("ci").on(Trigger::pull_request()).with(&ci);
/// assert_eq!(p.jobs.len(), 5);
/// assert_eq!(p.find_job("build").map(|j| j.needs.len()), Some(4));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RustServiceCi {
    /// The binary (and artifact) name.
    pub binary: String,
    /// The image Rust jobs run in.
    pub image: String,
    /// Cargo profiles the unit tests run under.
    pub profiles: Vec<String>,
    /// Service containers the integration tests need.
    pub services: Vec<Service>,
    /// Environment of the integration tests.
    pub integration_env: Vec<(String, String)>,
    /// The cargo-audit release the scan installs.
    pub audit_version: String,
    /// Whether jobs cache `target/` (never in release pipelines).
    pub cache: bool,
}

impl RustServiceCi {
    /// The CI of binary `binary` with ACME's defaults.
    pub fn new(binary: impl Into<String>) -> Self {
        Self {
            binary: binary.into(),
            image: RUST_IMAGE.into(),
            profiles: vec!["dev".into(), "release".into()],
            services: Vec::new(),
            integration_env: Vec::new(),
            audit_version: "0.22.1".into(),
            cache: true,
        }
    }

    /// Adds a service container for the integration tests.
    #[must_use]
    pub fn with_service(mut self, service: Service) -> Self {
        self.services.push(service);
        self
    }

    /// Sets an environment variable of the integration tests.
    #[must_use]
    pub fn integration_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.integration_env.push((name.into(), value.into()));
        self
    }

    /// Sets the image Rust jobs run in.
    #[must_use]
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = image.into();
        self
    }

    /// Turns the `target/` cache off.
    #[must_use]
    pub fn without_cache(mut self) -> Self {
        self.cache = false;
        self
    }

    /// The artifact the build job uploads.
    pub fn artifact(&self) -> &str {
        &self.binary
    }

    /// The archive inside the artifact.
    pub fn archive(&self) -> String {
        format!("{}.zip", self.binary)
    }

    /// The build job's `version` output (for deploys after this construct, added at the root).
    pub fn version(&self) -> OutputRef {
        OutputRef::new("build", "version")
    }

    fn rust_job(&self, id: &str, name: &str, timeout: u32) -> Job {
        let mut job = Job::new(id)
            .name(name)
            .runner(Runner::linux().image(&self.image))
            .step(Step::checkout())
            .timeout_minutes(timeout);
        if self.cache {
            job = job.step(Step::cache(Cache::new("cargo", ["target"]).hash_files(["Cargo.lock"])).id("cache"));
        }
        job
    }
}

impl Construct for RustServiceCi {
    fn build(&self, scope: &mut Scope<'_>) {
        let lint = self
            .rust_job("lint", "Lint", 15)
            .role(JobRole::TEST)
            .step(Step::script("cargo fmt --all --check").id("fmt").name("Formatting"))
            .step(
                Step::script("cargo clippy --all-targets --locked -- -D warnings")
                    .id("clippy")
                    .name("Clippy"),
            );

        let unit = self
            .rust_job("unit-tests", "Unit tests", 20)
            .role(JobRole::TEST)
            .matrix(Matrix::new().axis("profile", self.profiles.clone()).fail_fast(false))
            .env("CARGO_PROFILE", Expr::matrix("profile"))
            .step(Step::script("cargo test --lib --bins --locked --profile \"$CARGO_PROFILE\"").id("unit"));

        let mut integration = self
            .rust_job("integration-tests", "Integration tests", 20)
            .role(JobRole::TEST)
            .step(Step::script("cargo test --test '*' --locked").id("integration"));
        for service in &self.services {
            integration = integration.service(service.clone());
        }
        for (name, value) in &self.integration_env {
            integration = integration.env(name.as_str(), value.as_str());
        }

        let audit = self
            .rust_job("security-scan", "Security scan", 15)
            .role(JobRole::SECURITY_SCAN)
            .step(
                Step::script(format!(
                    "cargo install cargo-audit --locked --version {}\ncargo audit --deny warnings\n",
                    self.audit_version
                ))
                .id("audit"),
            );

        let mut build = self
            .rust_job("build", "Build release artifact", 30)
            .role(JobRole::BUILD);
        let archive = self.archive();
        let package = script::step(
            &mut build.problems,
            "package.sh",
            &[("binary", &self.binary), ("archive", &archive)],
        );
        build = build
            .needs_all([&lint, &unit, &integration, &audit])
            .step(package.id("package").name("Package"))
            .step(Step::set_output("version", "cargo pkgid | cut -d'#' -f2").id("version"))
            .step(
                Step::upload(
                    self.artifact(),
                    [format!("dist/{archive}"), format!("dist/{archive}.sha256")],
                )
                .id("upload"),
            );

        for job in [lint, unit, integration, audit, build] {
            scope.add_job(job);
        }
    }
}
