//! Fixtures of the platform token, shells and optional needs (issue 10; docs/SEMANTICS.md,
//! sections 21, 23 and 26; docs/guide/token-shells-needs.md).

use pipeline_core::prelude::*;

/// The platform token: a release step that receives it with `contents: write` (GitHub's job
/// `permissions:`), a comment step with `pull-requests: write` and an action input holding it.
pub fn platform_token() -> Pipeline {
    let release = PlatformToken::new().scope(Permission::Contents, Access::Write);
    let comment = PlatformToken::new().scope(Permission::PullRequests, Access::Write);
    Pipeline::new("token")
        .name("Platform token")
        .on(Trigger::push().tags(["v*"]))
        .job(
            Job::new("release")
                .step(Step::checkout())
                .step(Step::script("make dist"))
                .step(
                    Step::script("./scripts/publish-release.sh \"$TAG\" dist/*")
                        .id("publish")
                        .env("TAG", Builtin::RefName)
                        .env("RELEASE_TOKEN", release),
                )
                .step(
                    Step::script("./scripts/comment-on-merged-pulls.sh")
                        .env("API_TOKEN", comment)
                        .only_on([Platform::Github, Platform::Gitlab]),
                ),
        )
}

/// Optional needs: `publish` runs after `docs` (a path-filtered job, off CodePipeline), `bench`
/// (only on `main`) and `sign` (GitHub only) when they run, and runs all the same when they are
/// absent or do not run; `notify` comes after `publish`.
pub fn optional_needs() -> Pipeline {
    let build = Job::new("build").step(Step::checkout()).step(Step::script("make"));
    let docs = Job::new("docs")
        .when_changed(["docs/**"])
        .only_on([Platform::Github, Platform::Gitlab])
        .step(Step::checkout())
        .step(Step::script("mdbook build docs"));
    let bench = Job::new("bench")
        .needs(&build)
        .when(Condition::branch("main"))
        .step(Step::checkout())
        .step(Step::script("make bench"));
    let sign = Job::new("sign")
        .needs(&build)
        .only_on(Platform::Github)
        .step(Step::checkout())
        .step(Step::script("./scripts/sign.sh"));
    let publish = Job::new("publish")
        .needs(&build)
        .needs_optional(&docs)
        .needs_optional(&bench)
        .needs_optional(&sign)
        .step(Step::checkout())
        .step(Step::script("./scripts/publish.sh"));
    let notify = Job::new("notify")
        .needs(&publish)
        .step(Step::script("./scripts/notify.sh"));
    Pipeline::new("optional-needs")
        .name("Optional needs")
        .on(Trigger::push())
        .job(build)
        .job(docs)
        .job(bench)
        .job(sign)
        .job(publish)
        .job(notify)
}

/// Shells: PowerShell and `sh` steps on Linux (every platform), and `cmd` and PowerShell steps on
/// a GitHub Windows runner.
pub fn shells() -> Pipeline {
    Pipeline::new("shells")
        .name("Shells")
        .on(Trigger::push())
        .job(
            Job::new("linux")
                .step(Step::checkout())
                .step(
                    Step::script("$files = Get-ChildItem -Name | Sort-Object\nWrite-Output \"$env:GREETING, $($files.Count) files\"\ngit --version")
                        .id("pwsh")
                        .shell(Shell::Pwsh)
                        .env("GREETING", "hello"),
                )
                .step(Step::script("test -f Cargo.toml\necho posix sh").shell(Shell::Sh)),
        )
        .job(
            Job::new("windows")
                .runner(Runner::windows())
                .only_on(Platform::Github)
                .step(Step::checkout())
                .step(Step::script("dir /b").shell(Shell::Cmd))
                .step(Step::script("Write-Output $env:RUNNER_OS").shell(Shell::Pwsh)),
        )
}

/// Every fixture of this module.
pub fn all() -> Vec<Pipeline> {
    vec![platform_token(), optional_needs(), shells()]
}
