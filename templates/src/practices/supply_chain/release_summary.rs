//! Release summaries written by a generative AI model on Amazon Bedrock.

use pipeline_core::diagnostic::Problem;
use pipeline_core::id::JobId;
use pipeline_core::prelude::*;
use serde::Serialize;

use super::script;

/// The instructions the model gets before the change log.
pub const DEFAULT_PROMPT: &str = "You write release notes. Summarise the change log that follows for the people who use this software: a short paragraph, then bullet points grouped as Features, Fixes and Other. Only state what the change log says. Answer in Markdown, without a title.";

/// A summary of a release's change log, written by a model on Amazon Bedrock and published.
///
/// The job (local id `release-summary`) checks out the whole history, assumes an AWS role
/// through the platform's OIDC identity (on CodeBuild, from its service role), collects the
/// change log (`git log` from the previous tag to the commit being built, at most
/// [`ReleaseSummary::max_commits`] commits) and sends it with a prompt to
/// `aws bedrock-runtime converse` (the request is written by `jq`, so every commit message is
/// JSON-escaped). The summary is published:
///
/// - everywhere, as artifact `release-summary` (`release-summary/summary.md`, with the change log
///   in `release-summary/changelog.md`);
/// - on GitHub, also in the job summary (the script appends to `$GITHUB_STEP_SUMMARY` when the
///   platform provides it).
///
/// It never blocks the release: the job is allowed to fail, and the script writes what went
/// wrong into the summary instead of failing (no model access, no AWS CLI, no change log); a
/// role that cannot be assumed fails the job, which is allowed to fail.
/// [`ReleaseSummary::blocking`] makes it a gate. The runner needs git, jq and the AWS CLI v2
/// (GitHub's and CodeBuild's standard images have them); the role needs
/// `bedrock:InvokeModel` on the model, in the role's region. Commit messages go to the model
/// and its answer is only published as Markdown, never run.
///
/// ```
/// use pipeline_templates::practices::supply_chain::ReleaseSummary;
/// use pipeline_core::prelude::*;
///
/// let role = AwsRole::new(Expr::var("BEDROCK_ROLE_ARN"), "us-east-1");
/// let summary = ReleaseSummary::new(role, "amazon.nova-lite-v1:0").after("build");
/// let p = Pipeline::new("release")
///     .on(Trigger::push().tags(["v*"]))
///     .job(Job::new("build").step(Step::script("make")))
///     .with(&summary);
/// let job = p.find_job("release-summary").expect("added");
/// assert!(job.allow_failure);
/// assert_eq!(job.needs, ["build"]);
/// assert!(!pipeline_core::validate::validate(&p).has_errors());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseSummary {
    /// The AWS role allowed to invoke the model.
    pub role: AwsRole,
    /// The Bedrock model id or inference profile (`amazon.nova-lite-v1:0`,
    /// `us.anthropic.claude-3-5-haiku-20241022-v1:0`), or a configuration variable holding it.
    pub model_id: Expr,
    /// The instructions before the change log.
    pub prompt: String,
    /// At most this many commits go to the model.
    pub max_commits: u32,
    /// The longest answer, in tokens.
    pub max_tokens: u32,
    /// A failure fails the job (and so what needs it).
    pub blocking: bool,
    /// The artifact the summary is uploaded as (and its directory).
    pub artifact: String,
    /// Jobs that run first.
    pub needs: Vec<JobId>,
    /// Runs only when this holds.
    pub condition: Option<Condition>,
    /// Where the job runs.
    pub runner: Runner,
    /// The job's timeout.
    pub timeout_minutes: u32,
}

impl ReleaseSummary {
    /// A summary written by model `model_id` with `role`'s credentials.
    pub fn new(role: AwsRole, model_id: impl Into<Expr>) -> Self {
        Self {
            role,
            model_id: model_id.into(),
            prompt: DEFAULT_PROMPT.into(),
            max_commits: 200,
            max_tokens: 1024,
            blocking: false,
            artifact: "release-summary".into(),
            needs: Vec::new(),
            condition: None,
            runner: Runner::linux(),
            timeout_minutes: 10,
        }
    }

    /// Runs after `job`.
    #[must_use]
    pub fn after(mut self, job: impl Into<JobId>) -> Self {
        self.needs.push(job.into());
        self
    }

    /// Replaces the instructions.
    #[must_use]
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = prompt.into();
        self
    }

    /// Sends at most `n` commits.
    #[must_use]
    pub fn max_commits(mut self, n: u32) -> Self {
        self.max_commits = n;
        self
    }

    /// Limits the answer to `n` tokens.
    #[must_use]
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// Makes the summary a gate: any failure fails the job.
    #[must_use]
    pub fn blocking(mut self) -> Self {
        self.blocking = true;
        self
    }

    /// Runs only when `condition` holds.
    #[must_use]
    pub fn when(mut self, condition: Condition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// Runs on `runner` (it needs git, jq and the AWS CLI v2).
    #[must_use]
    pub fn runner(mut self, runner: Runner) -> Self {
        self.runner = runner;
        self
    }

    /// Sets the job's timeout.
    #[must_use]
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout_minutes = minutes;
        self
    }

    /// The steps after a full-history checkout: `summary-credentials` (the role),
    /// `release-summary` and `upload-release-summary`.
    pub fn steps(&self) -> Result<Vec<Step>, Problem> {
        #[derive(Serialize)]
        struct Context<'a> {
            output_dir: &'a str,
            prompt: &'a str,
            max_commits: u32,
            max_tokens: u32,
            blocking: bool,
        }
        let body = script::step_body(
            "release-summary.sh",
            Context {
                output_dir: &self.artifact,
                prompt: &self.prompt,
                max_commits: self.max_commits,
                max_tokens: self.max_tokens,
                blocking: self.blocking,
            },
        )?;
        let mut summary = Step::script(body)
            .id("release-summary")
            .name("Summarise the release with Amazon Bedrock")
            .env("MODEL_ID", self.model_id.clone());
        // The role step exports credentials to the steps after it, which GitLab cannot do for a
        // step that continues on error: a failure there fails the job, which may fail.
        let role = Step::assume_aws_role(self.role.clone()).id("summary-credentials");
        if !self.blocking {
            summary = summary.continue_on_error();
        }
        Ok(vec![
            role,
            summary,
            Step::upload(self.artifact.as_str(), [self.artifact.clone()]).id("upload-release-summary"),
        ])
    }

    /// The job (local id `release-summary`).
    pub fn job(&self) -> Job {
        let mut job = Job::new("release-summary")
            .name("Release summary")
            .needs_all(self.needs.iter())
            .runner(self.runner.clone())
            .timeout_minutes(self.timeout_minutes)
            .step(Step::checkout_with(Checkout {
                fetch_depth: Some(0),
                ..Checkout::default()
            }));
        match self.steps() {
            Ok(steps) => job = job.steps(steps),
            Err(p) => job.problems.push(p),
        }
        if let Some(c) = &self.condition {
            job = job.when(c.clone());
        }
        if !self.blocking {
            job = job.allow_failure();
        }
        job
    }
}

impl Construct for ReleaseSummary {
    fn build(&self, scope: &mut Scope<'_>) {
        scope.add_job(self.job());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &ReleaseSummary) -> String {
        match &s.steps().expect("steps")[1].kind {
            StepKind::Script(b) => b.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_blocking_by_default() {
        let s = ReleaseSummary::new(AwsRole::new(Expr::var("R"), "us-east-1"), "m");
        let job = s.job();
        assert!(job.allow_failure);
        assert!(job.steps[2].continue_on_error && !job.steps[1].continue_on_error);
        let b = body(&s);
        assert!(b.contains("exit 0"), "{b}");
        assert!(b.contains("--max-count=200"), "{b}");
        assert!(b.contains("--argjson max_tokens 1024"), "{b}");

        let gate = s.clone().blocking();
        assert!(!gate.job().allow_failure);
        assert!(!gate.job().steps[2].continue_on_error);
        assert!(!body(&gate).contains("exit 0"));
    }

    #[test]
    fn the_prompt_is_one_quoted_word() {
        let s = ReleaseSummary::new(AwsRole::new(Expr::var("R"), "us-east-1"), "m").prompt("it's $(rm -rf /)");
        assert!(body(&s).contains("--arg system 'it'\\''s $(rm -rf /)'"), "{}", body(&s));
    }

    /// The request is valid JSON whatever the commit messages hold (quotes, newlines,
    /// backslashes), and a missing AWS CLI never fails a non-blocking summary.
    #[test]
    fn runs_without_aws_and_escapes_commit_messages() {
        let ok = |tool: &str, arg: &str| {
            std::process::Command::new(tool)
                .arg(arg)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !ok("git", "--version") || !ok("jq", "--version") {
            eprintln!("skipped: git or jq is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("release-summary-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
        // A fake AWS CLI that checks the request is JSON and answers like Converse.
        std::fs::write(
            dir.join("bin/aws"),
            "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in file://*) f=\"${a#file://}\";; esac; done\njq -e '.modelId == \"m\" and (.messages[0].content[0].text | contains(\"quote \\\"x\\\" and back\\\\slash\"))' \"$f\" > /dev/null || { echo bad request >&2; exit 3; }\necho '{\"output\":{\"message\":{\"content\":[{\"text\":\"All good.\"}]}}}'\n",
        )
        .expect("write");
        let sh = |script: &str, path: &str| {
            std::process::Command::new("sh")
                .current_dir(&dir)
                .arg("-c")
                .arg(script)
                .env("PATH", path)
                .env("MODEL_ID", "m")
                .env("GIT_CONFIG_GLOBAL", dir.join("gitconfig"))
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env_remove("GITHUB_STEP_SUMMARY")
                .output()
                .expect("sh runs")
        };
        let system_path = std::env::var("PATH").unwrap_or_default();
        let setup = sh(
            "set -e
chmod +x bin/aws
git init -q -b main repo && cd repo
git config user.name Dev && git config user.email dev@example.com
git commit -q --allow-empty -m first && git tag v1.0.0
git commit -q --allow-empty -m 'quote \"x\" and back\\slash'",
            &system_path,
        );
        assert!(setup.status.success(), "{}", String::from_utf8_lossy(&setup.stderr));
        let script = body(&ReleaseSummary::new(AwsRole::new(Expr::var("R"), "us-east-1"), "m"));
        std::fs::write(dir.join("summary.sh"), &script).expect("write");

        let with_aws = format!("{}:{system_path}", dir.join("bin").display());
        let out = sh("cd repo && sh ../summary.sh", &with_aws);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let summary = std::fs::read_to_string(dir.join("repo/release-summary/summary.md")).expect("summary");
        assert!(summary.contains("All good."), "{summary}");
        assert!(summary.contains("Changes since v1.0.0"), "{summary}");

        // Without an AWS CLI: no failure, the summary says why.
        let no_aws = format!("{}/nothing:{}", dir.display(), "/usr/bin:/bin");
        let out = sh("cd repo && rm -rf release-summary && sh ../summary.sh", &no_aws);
        assert!(out.status.success() || !std::path::Path::new("/usr/bin/aws").exists());
        if !std::path::Path::new("/usr/bin/aws").exists() {
            let summary = std::fs::read_to_string(dir.join("repo/release-summary/summary.md")).expect("summary");
            assert!(
                summary.contains("unavailable: the AWS CLI is not installed"),
                "{summary}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
