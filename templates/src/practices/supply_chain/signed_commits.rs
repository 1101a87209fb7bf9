//! The signed-commit gate.

use pipeline_core::prelude::*;
use serde::Serialize;

use super::script;

/// How commits are signed, and so what the list of signers holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureFormat {
    /// SSH signatures (`gpg.format ssh`): the signers are an allowed-signers file
    /// (`principal key-type public-key` per line, see `ssh-keygen(1)` ALLOWED SIGNERS).
    Ssh,
    /// OpenPGP signatures: the signers are ASCII-armoured public keys, imported into a
    /// throw-away keyring.
    Gpg,
}

/// A job that fails unless every commit being built is signed by an allowed signer:
/// `git verify-commit` on a pull request's own commits, the commits a push added, or the head
/// commit, against signers read from a secret or configuration variable (never from the
/// repository being verified, where any pusher could add their key).
///
/// The job (local id `verify-commits`, role [`JobRole::SECURITY_SCAN`]) checks out the whole
/// history and runs one script step (id `verify`), which needs `git` (2.34 or later for SSH
/// signatures), `ssh-keygen` or `gpg`, and `jq` on GitHub for push events.
///
/// Which commits each platform verifies:
///
/// | event | GitHub | GitLab | CodePipeline |
/// |---|---|---|---|
/// | pull request | the pull request's commits (the parents of the merge commit GitHub builds) | `$CI_MERGE_REQUEST_DIFF_BASE_SHA`..head | the head commit |
/// | push | `before`..head from the event payload | `$CI_COMMIT_BEFORE_SHA`..head | the head commit |
/// | new branch or tag, force push, schedule, manual run | the head commit | the head commit | the head commit |
///
/// With [`SignedCommits::verify_tags`], a run that builds a tag also requires an annotated tag
/// signed by an allowed signer (`git verify-tag`).
///
/// ```
/// use pipeline_templates::practices::supply_chain::SignedCommits;
/// use pipeline_core::prelude::*;
///
/// let gate = SignedCommits::ssh(Expr::secret("ALLOWED_SIGNERS")).verify_tags();
/// let p = Pipeline::new("release")
///     .on(Trigger::push().tags(["v*"]))
///     .with(&gate)
///     .job(Job::new("build").needs("verify-commits").step(Step::script("make")));
/// let job = p.find_job("verify-commits").expect("added");
/// assert!(job.has_role(&JobRole::SECURITY_SCAN));
/// assert!(matches!(&job.steps[1].kind, StepKind::Script(s) if s.contains("gpg.ssh.allowedSignersFile")));
/// assert!(!pipeline_core::validate::validate(&p).has_errors());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCommits {
    /// SSH or OpenPGP signatures.
    pub format: SignatureFormat,
    /// The allowed signers (SSH) or public keys (OpenPGP): a secret or configuration variable.
    pub signers: Expr,
    /// Also require a signed annotated tag when the run builds a tag.
    pub verify_tags: bool,
    /// At most this many commits of a range are verified (newest first).
    pub max_commits: u32,
    /// Where the job runs.
    pub runner: Runner,
    /// The job's timeout.
    pub timeout_minutes: u32,
}

impl SignedCommits {
    /// Verifies SSH signatures against an allowed-signers file held by `signers`.
    pub fn ssh(signers: impl Into<Expr>) -> Self {
        Self::new(SignatureFormat::Ssh, signers.into())
    }

    /// Verifies OpenPGP signatures against the ASCII-armoured public keys held by `keys`.
    pub fn gpg(keys: impl Into<Expr>) -> Self {
        Self::new(SignatureFormat::Gpg, keys.into())
    }

    fn new(format: SignatureFormat, signers: Expr) -> Self {
        Self {
            format,
            signers,
            verify_tags: false,
            max_commits: 250,
            runner: Runner::linux(),
            timeout_minutes: 10,
        }
    }

    /// Also requires a signed annotated tag when the run builds a tag.
    #[must_use]
    pub fn verify_tags(mut self) -> Self {
        self.verify_tags = true;
        self
    }

    /// Verifies at most `n` commits of a range.
    #[must_use]
    pub fn max_commits(mut self, n: u32) -> Self {
        self.max_commits = n;
        self
    }

    /// Runs on `runner` (it needs git, and ssh-keygen or gpg).
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

    /// The verification script step (id `verify`), for a job of your own that checks out the
    /// whole history first.
    pub fn step(&self, problems: &mut Vec<pipeline_core::diagnostic::Problem>) -> Step {
        #[derive(Serialize)]
        struct Context {
            format: &'static str,
            what: &'static str,
            verify_tags: bool,
            max_commits: u32,
        }
        let (format, what) = match self.format {
            SignatureFormat::Ssh => ("ssh", "allowed signers file"),
            SignatureFormat::Gpg => ("gpg", "ASCII-armoured public keys"),
        };
        let context = Context {
            format,
            what,
            verify_tags: self.verify_tags,
            max_commits: self.max_commits,
        };
        let body = script::step_body("verify-commits.sh", context).unwrap_or_else(|p| {
            problems.push(p);
            "exit 1".into()
        });
        let mut step = Step::script(body)
            .id("verify")
            .name("Verify commit signatures")
            .env("COMMIT_SIGNERS", self.signers.clone());
        if self.verify_tags {
            step = step.env("REF_NAME", Builtin::RefName);
        }
        step
    }

    /// The gate job (local id `verify-commits`).
    pub fn job(&self) -> Job {
        let mut job = Job::new("verify-commits")
            .name("Verify signed commits")
            .role(JobRole::SECURITY_SCAN)
            .runner(self.runner.clone())
            .timeout_minutes(self.timeout_minutes)
            .step(Step::checkout_with(Checkout {
                fetch_depth: Some(0),
                ..Checkout::default()
            }));
        let step = self.step(&mut job.problems);
        job.step(step)
    }
}

impl Construct for SignedCommits {
    fn build(&self, scope: &mut Scope<'_>) {
        scope.add_job(self.job());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(gate: &SignedCommits) -> String {
        match &gate.job().steps[1].kind {
            StepKind::Script(s) => s.clone(),
            other => panic!("not a script: {other:?}"),
        }
    }

    #[test]
    fn ssh_and_gpg_read_their_signers_from_env_and_never_echo_them() {
        let ssh = body(&SignedCommits::ssh(Expr::secret("S")));
        assert!(
            ssh.contains("printf '%s\\n' \"$COMMIT_SIGNERS\" > \"$work/allowed_signers\""),
            "{ssh}"
        );
        assert!(ssh.contains("unset COMMIT_SIGNERS"));
        assert!(!ssh.contains("gpg --batch"));
        assert!(!ssh.contains("verify-tag"));
        let gpg = body(&SignedCommits::gpg(Expr::var("KEYS")).verify_tags().max_commits(7));
        assert!(gpg.contains("gpg --batch --quiet --import"), "{gpg}");
        assert!(gpg.contains("git rev-list --max-count=7"), "{gpg}");
        assert!(gpg.contains("verify verify-tag"), "{gpg}");
        for s in [&ssh, &gpg] {
            assert!(!s.contains("echo \"$COMMIT_SIGNERS"), "{s}");
            assert!(!s.contains("set -x"), "{s}");
        }
    }

    #[test]
    fn the_job_checks_out_everything_and_is_a_security_scan() {
        let job = SignedCommits::ssh(Expr::secret("S")).verify_tags().job();
        assert!(matches!(
            job.steps[0].kind,
            StepKind::Checkout(Checkout {
                fetch_depth: Some(0),
                ..
            })
        ));
        assert_eq!(job.steps[1].env.get("REF_NAME"), Some(&Expr::Builtin(Builtin::RefName)));
        assert_eq!(job.steps[1].env.get("COMMIT_SIGNERS"), Some(&Expr::secret("S")));
        assert!(job.has_role(&JobRole::SECURITY_SCAN));
        assert!(job.problems.is_empty());
    }

    /// The script really verifies: a repository with a signed and an unsigned commit, and an
    /// allowed-signers file with the signing key.
    #[test]
    fn the_script_names_the_unsigned_commit() {
        let has = |tool: &str| {
            std::process::Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !has("git") || std::process::Command::new("ssh-keygen").arg("-?").output().is_err() {
            eprintln!("skipped: git or ssh-keygen is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("verify-commits-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let sh = |script: &str, env: &[(&str, &str)]| {
            let mut cmd = std::process::Command::new("sh");
            cmd.current_dir(&dir).arg("-c").arg(script);
            cmd.env_remove("GITHUB_EVENT_NAME")
                .env_remove("CI_MERGE_REQUEST_DIFF_BASE_SHA")
                .env_remove("CI_COMMIT_BEFORE_SHA")
                .env("GIT_CONFIG_GLOBAL", dir.join("gitconfig"))
                .env("GIT_CONFIG_NOSYSTEM", "1");
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd.output().expect("sh runs")
        };
        let setup = sh(
            "set -e
ssh-keygen -q -t ed25519 -N '' -C ci -f key
git init -q -b main repo
cd repo
git config user.name Dev
git config user.email dev@example.com
git config gpg.format ssh
git config user.signingkey ../key.pub
echo a > a && git add a && git commit -q -S -m signed
echo b > b && git add b && git commit -q -m unsigned
git rev-parse HEAD~1 > ../signed
git rev-parse HEAD > ../unsigned
printf 'dev@example.com %s\\n' \"$(cut -d' ' -f1,2 ../key.pub)\" > ../allowed",
            &[],
        );
        assert!(setup.status.success(), "{}", String::from_utf8_lossy(&setup.stderr));
        let allowed = std::fs::read_to_string(dir.join("allowed")).expect("allowed signers");
        let unsigned = std::fs::read_to_string(dir.join("unsigned")).expect("sha");
        let signed = std::fs::read_to_string(dir.join("signed")).expect("sha");
        let script = body(&SignedCommits::ssh(Expr::secret("S")));
        std::fs::write(dir.join("verify.sh"), &script).expect("write");

        // A push whose range holds the unsigned commit fails, naming it.
        let out = sh(
            "cd repo && sh ../verify.sh",
            &[("COMMIT_SIGNERS", &allowed), ("CI_COMMIT_BEFORE_SHA", signed.trim())],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "error: commit {} is not signed by an allowed signer",
                unsigned.trim()
            )),
            "{stderr}"
        );
        // The signed commit alone passes.
        let out = sh(
            "cd repo && git checkout -q HEAD~1 && sh ../verify.sh",
            &[("COMMIT_SIGNERS", &allowed)],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            stdout.contains(&format!("ok: commit {} is signed", signed.trim())),
            "{stdout}"
        );
        assert!(
            !stdout.contains("ssh-ed25519"),
            "the signers are never printed: {stdout}"
        );
        // No signers: a clear error.
        let out = sh("cd repo && sh ../verify.sh", &[("COMMIT_SIGNERS", "")]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("COMMIT_SIGNERS is empty"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
