//! GitLab values, rule conditions, workflow triggers, caches and timeouts as typed code.

use std::fmt::Write as _;

use crate::out::lit;
use crate::yaml::Node;

/// A GitLab value (`$CI_COMMIT_SHA`, `v$VERSION`) as typed `Expr` code.
pub(crate) fn value(text: &str) -> String {
    let mut parts = Vec::new();
    let mut lit_buf = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && chars.get(i + 1) == Some(&'$') {
            lit_buf.push('$');
            i += 2;
            continue;
        }
        if chars[i] == '$' {
            let braced = chars.get(i + 1) == Some(&'{');
            let start = if braced { i + 2 } else { i + 1 };
            let mut end = start;
            while end < chars.len() && (chars[end].is_ascii_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            if end > start && (!braced || chars.get(end) == Some(&'}')) {
                let name: String = chars[start..end].iter().collect();
                if !lit_buf.is_empty() {
                    parts.push(format!("Expr::lit({})", lit(&std::mem::take(&mut lit_buf))));
                }
                parts.push(builtin(&name).map_or_else(
                    || format!("Expr::var({})", lit(&name)),
                    |b| format!("Expr::from(Builtin::{b})"),
                ));
                i = if braced { end + 1 } else { end };
                continue;
            }
        }
        lit_buf.push(chars[i]);
        i += 1;
    }
    if !lit_buf.is_empty() || parts.is_empty() {
        parts.push(format!("Expr::lit({})", lit(&lit_buf)));
    }
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("Expr::concat([{}])", parts.join(", "))
    }
}

fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "CI_COMMIT_SHA" => "CommitSha",
        "CI_COMMIT_REF_NAME" => "RefName",
        "CI_PIPELINE_ID" => "RunId",
        "CI_PROJECT_PATH" => "Repository",
        "GITLAB_USER_LOGIN" => "Actor",
        "CI_PROJECT_DIR" => "Workspace",
        "CI_PIPELINE_SOURCE" => "EventName",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" => "HeadRef",
        _ => return None,
    })
}

/// A rule's `if:` as a typed condition.
pub(crate) fn rule_if(text: &str) -> Option<String> {
    let ors: Vec<&str> = text.split("||").collect();
    let mut or_terms = Vec::new();
    for o in ors {
        let mut and_terms = Vec::new();
        for a in o.split("&&") {
            and_terms.push(atom(a.trim())?);
        }
        or_terms.push(if and_terms.len() == 1 {
            and_terms.remove(0)
        } else {
            format!("Condition::And(vec![{}])", and_terms.join(", "))
        });
    }
    Some(if or_terms.len() == 1 {
        or_terms.remove(0)
    } else {
        format!("Condition::Or(vec![{}])", or_terms.join(", "))
    })
}

fn atom(a: &str) -> Option<String> {
    if a == "$CI_COMMIT_TAG" {
        return Some("Condition::tag()".into());
    }
    let (lhs, rhs, neg) = if let Some((l, r)) = a.split_once("==") {
        (l.trim(), r.trim(), false)
    } else {
        let (l, r) = a.split_once("!=")?;
        (l.trim(), r.trim(), true)
    };
    let rhs = rhs
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rhs.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))?;
    let c = match lhs {
        "$CI_COMMIT_BRANCH" | "$CI_COMMIT_REF_NAME" if lhs == "$CI_COMMIT_BRANCH" => {
            format!("Condition::branch({})", lit(rhs))
        }
        "$CI_PIPELINE_SOURCE" => format!(
            "Condition::event(Event::{})",
            match rhs {
                "push" => "Push",
                "merge_request_event" => "PullRequest",
                "schedule" => "Schedule",
                "web" => "Manual",
                _ => return None,
            }
        ),
        _ => return None,
    };
    Some(if neg { format!("!({c})") } else { c })
}

/// Triggers from `workflow: rules` (GitLab's default, no rules: every push).
pub(crate) fn triggers(rules: Option<&Node>) -> Option<String> {
    let Some(rules) = rules else {
        return Some("\n.on(Trigger::push())".into());
    };
    let mut out = String::new();
    let mut branches = Vec::new();
    for r in rules.items() {
        if r.entries().iter().any(|(k, _)| k.str() != Some("if")) {
            return None;
        }
        let cond = r.get("if")?.str()?.trim();
        match cond.replace('\'', "\"").as_str() {
            "$CI_PIPELINE_SOURCE == \"merge_request_event\"" => out.push_str("\n.on(Trigger::pull_request())"),
            "$CI_COMMIT_TAG" => out.push_str("\n.on(Trigger::push().tags([\"*\"]))"),
            "$CI_PIPELINE_SOURCE == \"web\"" => out.push_str("\n.on(Trigger::manual())"),
            c => {
                let b = c.strip_prefix("$CI_COMMIT_BRANCH == \"")?.strip_suffix('"')?;
                branches.push(lit(b));
            }
        }
    }
    if !branches.is_empty() {
        let _ = write!(out, "\n.on(Trigger::push().branches([{}]))", branches.join(", "));
    }
    Some(out)
}

pub(crate) fn cache(c: &Node) -> Option<String> {
    if c.entries()
        .iter()
        .any(|(k, _)| !matches!(k.str(), Some("key" | "paths")))
    {
        return None;
    }
    let paths = c
        .get("paths")?
        .strings()
        .iter()
        .map(|s| lit(s))
        .collect::<Vec<_>>()
        .join(", ");
    match c.get("key") {
        Some(Node::Scalar(k, ..)) if !k.contains('$') => {
            Some(format!("Step::cache(Cache::new({}, [{paths}]))", lit(k)))
        }
        Some(k @ Node::Map(..)) if k.entries().len() == 1 => {
            let files = k
                .get("files")?
                .strings()
                .iter()
                .map(|s| lit(s))
                .collect::<Vec<_>>()
                .join(", ");
            Some(format!(
                "Step::cache(Cache::new(\"cache\", [{paths}]).hash_files([{files}]))"
            ))
        }
        None => Some(format!("Step::cache(Cache::new(\"default\", [{paths}]))")),
        _ => None,
    }
}

/// `1h 30m`, `90 minutes`, `2h` -> minutes.
pub(crate) fn minutes(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut rest = s.trim();
    while !rest.is_empty() {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return None;
        }
        rest = rest[digits.len()..].trim_start();
        let unit: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        rest = rest[unit.len()..].trim_start();
        let n: u32 = digits.parse().ok()?;
        total += match unit.as_str() {
            "h" | "hr" | "hour" | "hours" => n * 60,
            "m" | "min" | "mins" | "minute" | "minutes" | "" => n,
            _ => return None,
        };
    }
    (total > 0).then_some(total)
}
