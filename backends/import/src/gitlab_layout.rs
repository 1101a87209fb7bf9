//! The library's own layout of several GitLab pipelines, read back: a root `.gitlab-ci.yml`
//! without jobs whose every include is a local file under its triggers' `rules:` is one pipeline
//! per included file (`.gitlab/ci/<pipeline>.yml`, job names prefixed `<pipeline>:`); the root's
//! `RUN_PIPELINE` variable picks the pipeline of manual runs and schedules, and its other
//! prefilled variables are the manual inputs.

use std::fmt::Write as _;

use crate::out::lit;
use crate::yaml::Node;

/// The variable that picks the pipeline of a manual run or schedule.
pub(crate) const SELECTOR: &str = "RUN_PIPELINE";

/// One included pipeline of the layout.
pub(crate) struct Included {
    /// The pipeline id (the file's stem).
    pub(crate) id: String,
    /// The `local:` path, relative to the repository.
    pub(crate) local: String,
    /// The include item (for positions).
    pub(crate) item: Node,
    /// The include's `rules:` (the pipeline's triggers).
    pub(crate) rules: Node,
}

/// The included pipelines when `doc` is a root file of the library's layout.
pub(crate) fn included(doc: &Node) -> Option<Vec<Included>> {
    let only_layout_keys = doc
        .entries()
        .iter()
        .all(|(k, _)| matches!(k.str(), Some("workflow" | "stages" | "variables" | "include")));
    let items = doc.get("include")?.items();
    if !only_layout_keys || items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|item| {
            if item.entries().len() != 2 {
                return None;
            }
            let local = item.get("local")?.str()?;
            let rules = item.get("rules")?;
            let stem = local.rsplit('/').next()?.strip_suffix(".yml")?;
            local.contains(".gitlab/ci/").then(|| Included {
                id: stem.to_string(),
                local: local.to_string(),
                item: item.clone(),
                rules: rules.clone(),
            })
        })
        .collect()
}

/// `doc` (an included file) with the `<pipeline>:` prefix taken off the jobs its jobs need (the
/// job names themselves keep it: a job named `image` must not read as the keyword).
pub(crate) fn unprefixed(doc: &Node, pipeline: &str) -> Node {
    let prefix = format!("{pipeline}:");
    let strip = |n: &Node| -> Node {
        match n {
            Node::Scalar(s, plain, tag, pos) => Node::Scalar(
                s.strip_prefix(&prefix).unwrap_or(s).to_string(),
                *plain,
                tag.clone(),
                *pos,
            ),
            other => other.clone(),
        }
    };
    let Node::Map(entries, pos) = doc else {
        return doc.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            let Node::Map(job, jpos) = v else {
                return (k.clone(), v.clone());
            };
            let job = job
                .iter()
                .map(|(jk, jv)| match (jk.str(), jv) {
                    (Some("needs" | "dependencies"), Node::Seq(items, tag, spos)) => {
                        let items = items
                            .iter()
                            .map(|i| match i {
                                Node::Map(e, mpos) => Node::Map(
                                    e.iter()
                                        .map(|(nk, nv)| {
                                            if nk.str() == Some("job") {
                                                (nk.clone(), strip(nv))
                                            } else {
                                                (nk.clone(), nv.clone())
                                            }
                                        })
                                        .collect(),
                                    *mpos,
                                ),
                                other => strip(other),
                            })
                            .collect();
                        (jk.clone(), Node::Seq(items, tag.clone(), *spos))
                    }
                    _ => (jk.clone(), jv.clone()),
                })
                .collect();
            (k.clone(), Node::Map(job, *jpos))
        })
        .collect();
    Node::Map(entries, *pos)
}

/// A ref filter of a rule (`== "main"`, `=~ /^v[^\/]*$/`, `=~ /^(a|b)$/`) as the trigger's
/// patterns (the inverse of the GitLab backend's `ref_filter`).
fn ref_patterns(var: &str, text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in text.split(" && ") {
        let part = part.trim();
        if let Some(v) = part
            .strip_prefix(&format!("${var} == \""))
            .and_then(|r| r.strip_suffix('"'))
        {
            out.push(v.to_string());
        } else if let Some(re) = part
            .strip_prefix(&format!("${var} =~ /^"))
            .and_then(|r| r.strip_suffix("$/"))
        {
            let re = re
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .filter(|r| r.contains('|'))
                .unwrap_or(re);
            for alt in re.split('|') {
                out.push(glob(alt)?);
            }
        } else if let Some(re) = part
            .strip_prefix(&format!("${var} !~ /^"))
            .and_then(|r| r.strip_suffix("$/"))
        {
            out.push(format!("!{}", glob(re)?));
        } else {
            return None;
        }
    }
    Some(out)
}

/// A regular expression body the backend made from a ref pattern, as the pattern.
fn glob(re: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = re;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("[^\\/]*") {
            out.push('*');
            rest = r;
        } else if let Some(r) = rest.strip_prefix(".*") {
            out.push_str("**");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('\\') {
            let e = r.chars().next()?;
            out.push(e);
            rest = &r[e.len_utf8()..];
        } else if "()|.$^{}".contains(c) {
            return None;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Some(out)
}

/// A `changes:` glob as the trigger's path pattern (the inverse of `change_pattern`).
pub(crate) fn path_pattern(glob: &str) -> String {
    if glob == "**/*" {
        "**".into()
    } else if let Some(dir) = glob.strip_suffix("/**/*") {
        format!("{dir}/**")
    } else {
        glob.to_string()
    }
}

/// The typed triggers of the library's trigger rules (an include's `rules:`, or the
/// `workflow:rules` of a pipeline generated on its own); `None` when a rule is not one the
/// backend writes. `selector`: the `RUN_PIPELINE` value of this pipeline (several pipelines).
/// `inputs`: the manual trigger's `.input(..)` calls.
pub(crate) fn triggers(rules: &Node, selector: Option<&str>, inputs: &str) -> Option<String> {
    let mut out = String::new();
    let extra = selector.map(|s| format!(" && ${SELECTOR} == \"{s}\""));
    let mut manual = false;
    // A push without filters next to every merge request: the backend writes branch pushes
    // without an open merge request, then tag pushes.
    let mut bare_push = false;
    for r in rules.items() {
        if r.entries()
            .iter()
            .any(|(k, _)| !matches!(k.str(), Some("if" | "changes" | "auto_cancel")))
        {
            return None;
        }
        let mut cond = r.get("if")?.str()?.to_string();
        if let Some(e) = &extra {
            if let Some(c) = cond.strip_suffix(e.as_str()) {
                cond = c.to_string();
            } else if cond.starts_with("$CI_PIPELINE_SOURCE == \"web\"")
                || cond.starts_with("$CI_PIPELINE_SOURCE == \"schedule\"")
            {
                return None;
            }
        }
        let paths: Vec<String> = r
            .get("changes")
            .map(Node::strings)
            .unwrap_or_default()
            .iter()
            .map(|g| lit(&path_pattern(g)))
            .collect();
        let with_paths = |t: String| {
            if paths.is_empty() {
                t
            } else {
                format!("{t}.paths([{}])", paths.join(", "))
            }
        };
        let patterns = |var: &str, rest: &str| -> Option<String> {
            Some(
                ref_patterns(var, rest)?
                    .iter()
                    .map(|p| lit(p))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let trigger = if let Some(rest) = cond.strip_prefix("$CI_PIPELINE_SOURCE == \"push\" && ") {
            let rest = rest.strip_suffix(" && $CI_OPEN_MERGE_REQUESTS == null").unwrap_or(rest);
            if rest == "$CI_COMMIT_BRANCH" {
                bare_push = true;
                with_paths("Trigger::push()".into())
            } else if rest == "$CI_COMMIT_TAG" && std::mem::take(&mut bare_push) {
                continue;
            } else if rest.starts_with("$CI_COMMIT_BRANCH ") {
                with_paths(format!(
                    "Trigger::push().branches([{}])",
                    patterns("CI_COMMIT_BRANCH", rest)?
                ))
            } else if rest.starts_with("$CI_COMMIT_TAG ") {
                with_paths(format!("Trigger::push().tags([{}])", patterns("CI_COMMIT_TAG", rest)?))
            } else {
                return None;
            }
        } else if cond == "$CI_PIPELINE_SOURCE == \"push\"" {
            with_paths("Trigger::push()".into())
        } else if let Some(rest) = cond.strip_prefix("$CI_PIPELINE_SOURCE == \"merge_request_event\"") {
            match rest.strip_prefix(" && ") {
                Some(f) => with_paths(format!(
                    "Trigger::pull_request().branches([{}])",
                    patterns("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", f)?
                )),
                None if rest.is_empty() => with_paths("Trigger::pull_request()".into()),
                None => return None,
            }
        } else if cond == "$CI_PIPELINE_SOURCE == \"web\"" {
            manual = true;
            format!("Trigger::manual(){inputs}")
        } else if cond == "$CI_PIPELINE_SOURCE == \"schedule\"" {
            // The cron is a project setting GitLab keeps outside the file (a pipeline schedule).
            "Trigger::schedule(\"0 0 * * *\")".into()
        } else {
            return None;
        };
        let _ = write!(out, "\n.on({trigger})");
    }
    if !manual && !inputs.is_empty() {
        return None;
    }
    Some(out)
}

/// The manual inputs of the root's prefilled variables (all but [`SELECTOR`]): each name with
/// its `Input::..` code.
pub(crate) fn inputs(variables: Option<&Node>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in variables.map(Node::entries).unwrap_or_default() {
        let Some(name) = k.str() else { continue };
        if name == SELECTOR || v.get("description").is_none() {
            continue;
        }
        let desc = lit(v.get("description").and_then(Node::str).unwrap_or_default());
        let default = v.get("value").and_then(Node::str).map(|d| d.replace("$$", "$"));
        let input = match v.get("options") {
            Some(o) if o.strings() == ["true", "false"] => {
                format!(
                    "Input::boolean({}, {desc}, {})",
                    lit(name),
                    default.as_deref() == Some("true")
                )
            }
            Some(o) => {
                let options: Vec<String> = o.strings().iter().map(|s| s.replace("$$", "$")).collect();
                let opts: Vec<String> = options.iter().map(|s| lit(s)).collect();
                let mut i = format!("Input::choice({}, {desc}, [{}])", lit(name), opts.join(", "));
                if let Some(d) = default.filter(|d| options.first() != Some(d)) {
                    let _ = write!(i, ".default_value({})", lit(&d));
                }
                i
            }
            None => {
                let mut i = format!("Input::string({}, {desc})", lit(name));
                if let Some(d) = default.filter(|d| !d.is_empty()) {
                    let _ = write!(i, ".default_value({})", lit(&d));
                }
                i
            }
        };
        out.push((name.to_string(), input));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn trigger_rules_read_back_as_typed_triggers() {
        let rules = parse(
            r#"
- if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "main" && $CI_OPEN_MERGE_REQUESTS == null
  changes: [config/**/*, Cargo.lock]
- if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_TAG =~ /^(v[^\/]*|release\/.*)$/ && $CI_COMMIT_TAG !~ /^v0\.[^\/]*$/
- if: $CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main"
- if: $CI_PIPELINE_SOURCE == "web" && $RUN_PIPELINE == "ci"
- if: $CI_PIPELINE_SOURCE == "schedule" && $RUN_PIPELINE == "ci"
"#,
        )
        .expect("yaml");
        let t = triggers(&rules, Some("ci"), ".input(Input::string(\"why\", \"Why\"))").expect("typed");
        assert_eq!(
            t,
            "\n.on(Trigger::push().branches([\"main\"]).paths([\"config/**\", \"Cargo.lock\"]))\
             \n.on(Trigger::push().tags([\"v*\", \"release/**\", \"!v0.*\"]))\
             \n.on(Trigger::pull_request().branches([\"main\"]))\
             \n.on(Trigger::manual().input(Input::string(\"why\", \"Why\")))\
             \n.on(Trigger::schedule(\"0 0 * * *\"))"
        );
        // Another pipeline's manual runs, or a rule the library does not write: not read.
        let other = parse("- if: $CI_PIPELINE_SOURCE == \"web\" && $RUN_PIPELINE == \"release\"\n").expect("yaml");
        assert_eq!(triggers(&other, Some("ci"), ""), None);
        let foreign = parse("- if: $CI_COMMIT_MESSAGE =~ /deploy/\n").expect("yaml");
        assert_eq!(triggers(&foreign, None, ""), None);
    }

    #[test]
    fn a_root_file_with_jobs_or_foreign_includes_is_no_layout() {
        let layout = parse(
            "include:\n  - local: x/.gitlab/ci/ci.yml\n    rules:\n      - if: $CI_PIPELINE_SOURCE == \"push\"\n",
        )
        .expect("yaml");
        let found = included(&layout).expect("layout");
        assert_eq!(
            (found[0].id.as_str(), found[0].local.as_str()),
            ("ci", "x/.gitlab/ci/ci.yml")
        );
        let with_job =
            parse("include:\n  - local: .gitlab/ci/ci.yml\n    rules: []\nbuild:\n  script: [make]\n").expect("yaml");
        assert!(included(&with_job).is_none());
        let remote = parse("include:\n  - remote: https://example.com/ci.yml\n").expect("yaml");
        assert!(included(&remote).is_none());
    }

    #[test]
    fn inputs_are_the_prefilled_variables_but_the_selector() {
        let vars = parse(
            "RUN_PIPELINE:\n  description: The pipeline\n  value: a\n  options: [a, b]\nreason:\n  description: Why\n  value: ''\nflag:\n  description: On?\n  value: 'true'\n  options: ['true', 'false']\nplain: x\n",
        )
        .expect("yaml");
        let inputs = inputs(Some(&vars));
        assert_eq!(
            inputs,
            [
                ("reason".to_string(), "Input::string(\"reason\", \"Why\")".to_string()),
                (
                    "flag".to_string(),
                    "Input::boolean(\"flag\", \"On?\", true)".to_string()
                ),
            ]
        );
    }
}
