//! Fixtures of the platform token, shells and optional needs (issue 10; docs/SEMANTICS.md,
//! sections 21-23; docs/guide/token-shells-needs.md).

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

/// Every fixture of this module.
pub fn all() -> Vec<Pipeline> {
    vec![platform_token()]
}
