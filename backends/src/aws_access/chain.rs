//! Role chaining: a role assumed with the credentials of another (the source role). The chained
//! role's trust names exactly the source roles' ARNs; the source role's policy may assume
//! exactly the roles chained after it (cross-account, both sides must allow). GitHub's
//! `configure-aws-credentials` tags a chained session (`role-chaining: true`) with the run's
//! repository, workflow, action, actor, commit and branch, which CloudTrail records with every
//! call of the session: such an `AssumeRole` also needs `sts:TagSession`, allowed for exactly
//! those tag keys.

use pipeline_core::yaml::{Map, Value};

use super::AwsAccess;
use super::usage::Usage;

/// The session tag keys `aws-actions/configure-aws-credentials` passes when it assumes a role
/// with the credentials of another (its README, "Session tagging"): GitLab's and CodeBuild's
/// `aws sts assume-role` pass none. `tests/aws_access_claims.rs` keeps its own copy
/// (`GITHUB_SESSION_TAGS`) as an independent oracle: do not make it read this one.
pub(crate) const SESSION_TAG_KEYS: [&str; 7] = [
    "GitHub",
    "Repository",
    "Workflow",
    "Action",
    "Actor",
    "Commit",
    "Branch",
];

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Seq(items.iter().map(|i| Value::from(i.as_ref())).collect())
}

fn push(into: &mut Vec<String>, item: String) {
    if !into.contains(&item) {
        into.push(item);
    }
}

/// The ARNs of the roles assumed right before `variable` in a chain (its source roles).
pub(crate) fn sources(access: &AwsAccess, variable: &str, usages: &[Usage]) -> Vec<String> {
    let mut out = Vec::new();
    for u in usages {
        for (i, key) in u.chain.iter().enumerate().skip(1) {
            if key == variable {
                if let Some(before) = access.find(&u.chain[i - 1]) {
                    push(&mut out, before.arn());
                }
            }
        }
    }
    out
}

/// The ARNs of the roles assumed right after `variable` in a chain.
pub(crate) fn targets(access: &AwsAccess, variable: &str, usages: &[Usage]) -> Vec<String> {
    let mut out = Vec::new();
    for u in usages {
        for (i, key) in u.chain.iter().enumerate() {
            if key == variable {
                if let Some(next) = u.chain.get(i + 1).and_then(|k| access.find(k)) {
                    push(&mut out, next.arn());
                }
            }
        }
    }
    out
}

/// A statement allowing a chained assumption (`sts:AssumeRole`, and `sts:TagSession` for exactly
/// [`SESSION_TAG_KEYS`]) with `who`: `("Principal", {AWS: sources})` in a trust policy,
/// `("Resource", targets)` in a permission policy.
fn tagged(sid: &str, who: (&str, Value)) -> Value {
    let mut keys = Map::new();
    keys.insert("aws:TagKeys", strings(&SESSION_TAG_KEYS));
    let mut condition = Map::new();
    condition.insert("ForAllValues:StringEquals", keys);
    let mut m = Map::new();
    m.insert("Sid", sid);
    m.insert("Effect", "Allow");
    if who.0 == "Principal" {
        m.insert("Principal", who.1);
        m.insert("Action", strings(&["sts:AssumeRole", "sts:TagSession"]));
    } else {
        m.insert("Action", strings(&["sts:AssumeRole", "sts:TagSession"]));
        m.insert("Resource", who.1);
    }
    m.insert("Condition", condition);
    Value::Map(m)
}

/// The trust statement admitting exactly the source roles, with their session tags.
pub(crate) fn trust_statement(sources: &[String]) -> Value {
    let mut principal = Map::new();
    principal.insert("AWS", strings(sources));
    tagged("SourceRoles", ("Principal", Value::Map(principal)))
}

/// The statement of a source role's policy: assume exactly the chained roles, with the tags.
pub(crate) fn policy_statement(targets: &[String]) -> Value {
    tagged("ChainedRoles", ("Resource", strings(targets)))
}
