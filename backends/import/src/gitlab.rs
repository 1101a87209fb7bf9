//! GitLab CI files -> typed pipeline code: local `include:`, `default:`, `extends:`,
//! `!reference` and anchors are resolved first, as GitLab does.

use std::fmt::Write as _;
use std::path::Path;

use crate::Problem;
use crate::gitlab_values::{cache, minutes, rule_if, triggers, value};
use crate::out::{Hatch, PipelineCode, Target, ident, lit};
use crate::yaml::{self, Node, Pos};

const GLOBAL_KEYS: [&str; 12] = [
    "stages",
    "variables",
    "default",
    "workflow",
    "include",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages",
    "spec",
];
const DEFAULT_KEYS: [&str; 9] = [
    "image",
    "services",
    "before_script",
    "after_script",
    "tags",
    "cache",
    "retry",
    "timeout",
    "interruptible",
];

fn problem(file: &str, node: &Node, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_string(),
        line: node.pos().line,
        col: node.pos().col,
        message: message.into(),
    }
}

/// Reads `file` with its local includes (relative to `root`, the project directory), merged.
pub(crate) fn load(file: &Path, root: &Path, depth: usize) -> Result<(Node, Vec<Hatch>), Problem> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| Problem {
        file: name.clone(),
        line: 0,
        col: 0,
        message: format!("cannot read: {e}"),
    })?;
    let doc = yaml::parse(&text).map_err(|e| Problem {
        file: name.clone(),
        line: e.pos.line,
        col: e.pos.col,
        message: e.message,
    })?;
    let Node::Map(entries, pos) = &doc else {
        return Err(problem(
            &name,
            &doc,
            "a GitLab CI file is a mapping of jobs and global keywords",
        ));
    };
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut hatches = Vec::new();
    if let Some(inc) = doc.get("include") {
        let items: Vec<Node> = match inc {
            Node::Seq(items, ..) => items.clone(),
            other => vec![other.clone()],
        };
        for item in items {
            let local = item
                .str()
                .map(str::to_string)
                .or_else(|| item.get("local").and_then(Node::str).map(str::to_string));
            match local {
                Some(l) if depth < 10 && !l.contains('*') && !l.contains("://") => {
                    // Relative to the project root (the repository), else to this file's project.
                    let rel = l.trim_start_matches('/');
                    let local_root = file
                        .parent()
                        .and_then(|d| d.ancestors().find(|a| a.join(".gitlab-ci.yml").is_file()));
                    let path = [Some(root), local_root]
                        .into_iter()
                        .flatten()
                        .map(|r| r.join(rel))
                        .find(|p| p.is_file())
                        .unwrap_or_else(|| root.join(rel));
                    if !path.is_file() {
                        return Err(problem(&name, &item, format!("included file {l:?} does not exist")));
                    }
                    let (inc_doc, inc_hatches) = load(&path, root, depth + 1)?;
                    hatches.extend(inc_hatches);
                    for (k, v) in inc_doc.entries() {
                        upsert(&mut merged, k.clone(), v.clone());
                    }
                }
                _ => hatches.push(Hatch {
                    why: "an include other than a local file (project, remote, template, component or glob)".into(),
                    target: Target::Root("include".into()),
                    value: inc.clone(),
                    at: format!("{name}:{}:{}", item.pos().line, item.pos().col),
                }),
            }
        }
    }
    for (k, v) in entries {
        if k.str() == Some("include") {
            continue;
        }
        let existing = merged.iter_mut().find(|(e, _)| e.str() == k.str());
        match existing {
            // A job or keyword defined again deep-merges over the included one.
            Some((_, old)) => *old = deep_merge(old, v),
            None => merged.push((k.clone(), v.clone())),
        }
    }
    Ok((Node::Map(merged, *pos), hatches))
}

fn upsert(entries: &mut Vec<(Node, Node)>, k: Node, v: Node) {
    match entries.iter_mut().find(|(e, _)| e.str() == k.str()) {
        Some((_, old)) => *old = deep_merge(old, &v),
        None => entries.push((k, v)),
    }
}

/// GitLab's merge for `extends` and includes: mappings merge key by key, anything else is replaced.
fn deep_merge(base: &Node, over: &Node) -> Node {
    match (base, over) {
        (Node::Map(b, pos), Node::Map(o, _)) => {
            let mut out = b.clone();
            for (k, v) in o {
                upsert(&mut out, k.clone(), v.clone());
            }
            Node::Map(out, *pos)
        }
        _ => over.clone(),
    }
}

fn resolve_extends(file: &str, doc: &Node, job: &Node, seen: &mut Vec<String>) -> Result<Node, Problem> {
    let Some(ext) = job.get("extends") else {
        return Ok(job.clone());
    };
    let mut base = Node::Map(Vec::new(), job.pos());
    for parent in ext.strings() {
        if seen.contains(&parent) || seen.len() > 11 {
            return Err(problem(
                file,
                ext,
                format!("`extends` cycle or more than 11 levels through {parent:?}"),
            ));
        }
        let p = doc
            .get(&parent)
            .ok_or_else(|| problem(file, ext, format!("`extends` names {parent:?}, which is not defined")))?;
        seen.push(parent.clone());
        let resolved = resolve_extends(file, doc, p, seen)?;
        seen.pop();
        base = deep_merge(&base, &resolved);
    }
    let Node::Map(own, pos) = job else {
        return Ok(job.clone());
    };
    let own: Vec<(Node, Node)> = own
        .iter()
        .filter(|(k, _)| k.str() != Some("extends"))
        .cloned()
        .collect();
    Ok(deep_merge(&base, &Node::Map(own, *pos)))
}

/// Replaces `!reference [job, key...]` nodes; sequences they yield are spliced into the parent.
fn resolve_refs(file: &str, doc: &Node, node: &Node, depth: usize) -> Result<Node, Problem> {
    if depth > 10 {
        return Err(problem(file, node, "`!reference` nested more than 10 levels"));
    }
    match node {
        Node::Seq(items, tag, pos) if tag.as_deref() == Some("!reference") => {
            let mut here = doc;
            for seg in node.strings() {
                here = here.get(&seg).ok_or_else(|| {
                    problem(
                        file,
                        node,
                        format!("`!reference` to {:?}, which is not defined", node.strings().join(".")),
                    )
                })?;
            }
            let _ = (items, pos);
            resolve_refs(file, doc, here, depth + 1)
        }
        Node::Seq(items, tag, pos) => {
            let mut out = Vec::new();
            for item in items {
                let is_ref = item.tag() == Some("!reference");
                match resolve_refs(file, doc, item, depth + 1)? {
                    Node::Seq(inner, ..) if is_ref => out.extend(inner),
                    other => out.push(other),
                }
            }
            Ok(Node::Seq(out, tag.clone(), *pos))
        }
        Node::Map(entries, pos) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                out.push((k.clone(), resolve_refs(file, doc, v, depth + 1)?));
            }
            Ok(Node::Map(out, *pos))
        }
        Node::Scalar(..) => Ok(node.clone()),
    }
}

const JOB_KEYS: [&str; 19] = [
    "stage",
    "image",
    "services",
    "before_script",
    "script",
    "after_script",
    "variables",
    "rules",
    "needs",
    "artifacts",
    "cache",
    "tags",
    "environment",
    "allow_failure",
    "retry",
    "timeout",
    "interruptible",
    "resource_group",
    "dependencies",
];

/// Imports a resolved GitLab document as pipeline `id`.
pub(crate) fn import(file: &str, doc: &Node, mut hatches: Vec<Hatch>, id: &str) -> Result<PipelineCode, Problem> {
    let at = |n: &Node| format!("{file}:{}:{}", n.pos().line, n.pos().col);
    let mut code = PipelineCode {
        func: ident(id),
        ..Default::default()
    };
    let mut body = format!("Pipeline::new({})", lit(id));
    match triggers(doc.get("workflow").and_then(|w| w.get("rules"))) {
        Some(t) if doc.get("workflow").is_none_or(|w| w.entries().len() == 1) => body.push_str(&t),
        _ => {
            body.push_str("\n.on(Trigger::push())");
            let w = doc.get("workflow").unwrap_or(doc);
            hatches.push(Hatch {
                why: "workflow rules other than branch, tag, merge request and web conditions".into(),
                target: Target::Root("workflow".into()),
                value: w.clone(),
                at: at(w),
            });
        }
    }
    for (k, v) in doc.get("variables").map(Node::entries).unwrap_or_default() {
        let text = v
            .str()
            .or_else(|| v.get("value").and_then(Node::str))
            .unwrap_or_default();
        let _ = write!(body, "\n.env({}, {})", lit(k.str().unwrap_or_default()), value(text));
    }
    let stages: Vec<String> = doc
        .get("stages")
        .map(Node::strings)
        .unwrap_or_else(|| ["build", "test", "deploy"].map(String::from).to_vec());
    let defaults = doc
        .get("default")
        .cloned()
        .unwrap_or(Node::Map(Vec::new(), Pos::default()));
    let mut jobs: Vec<(String, Node)> = Vec::new();
    for (k, v) in doc.entries() {
        let key = k.str().unwrap_or_default();
        if key.starts_with('.') || GLOBAL_KEYS.contains(&key) {
            continue;
        }
        let Node::Map(..) = v else {
            return Err(problem(file, v, format!("job {key:?} must be a mapping")));
        };
        let mut job = resolve_extends(file, doc, v, &mut vec![key.to_string()])?;
        job = resolve_refs(file, doc, &job, 0)?;
        for dk in DEFAULT_KEYS {
            let global = if matches!(dk, "image" | "services" | "before_script" | "after_script" | "cache") {
                doc.get(dk)
            } else {
                None
            };
            if let (None, Some(d)) = (job.get(dk), defaults.get(dk).or(global)) {
                if let Node::Map(e, _) = &mut job {
                    e.push((Node::Scalar(dk.into(), true, None, d.pos()), d.clone()));
                }
            }
        }
        if job.get("script").is_none() && job.get("trigger").is_none() {
            return Err(problem(
                file,
                v,
                format!("job {key:?} has no `script` (GitLab rejects it)"),
            ));
        }
        let stage = job.get("stage").and_then(Node::str).unwrap_or("test").to_string();
        if !stages.contains(&stage) && stage != ".pre" && stage != ".post" {
            return Err(problem(
                file,
                job.get("stage").unwrap_or(v),
                format!("job {key:?} uses stage {stage:?}, which `stages` does not list"),
            ));
        }
        jobs.push((key.to_string(), job));
    }
    if jobs.is_empty() {
        return Err(problem(file, doc, "no jobs: GitLab rejects a pipeline without jobs"));
    }
    let stage_of = |j: &Node| {
        let s = j.get("stage").and_then(Node::str).unwrap_or("test");
        match s {
            ".pre" => -1,
            ".post" => 1000,
            _ => stages.iter().position(|x| x == s).map_or(0, |p| p as i64),
        }
    };
    let all_ids: Vec<String> = jobs.iter().map(|(k, _)| k.clone()).collect();
    for (id, job) in &jobs {
        for n in job.get("needs").map(Node::items).unwrap_or_default() {
            let name = n.str().or_else(|| n.get("job").and_then(Node::str)).unwrap_or_default();
            if !all_ids.iter().any(|j| j == name) {
                return Err(problem(
                    file,
                    n,
                    format!("job {id:?} needs {name:?}, which is not a job of this pipeline"),
                ));
            }
        }
    }
    for (id, job) in &jobs {
        let before = hatches.len();
        let mut j = format!("Job::new({})", lit(id));
        let mut hatch = |why: &str, target: Target, value: &Node| {
            hatches.push(Hatch {
                why: why.into(),
                target,
                value: value.clone(),
                at: at(value),
            });
        };
        for (k, v) in job.entries() {
            let key = k.str().unwrap_or_default();
            if !JOB_KEYS.contains(&key) {
                hatch(
                    &format!("job key `{key}` has no typed form"),
                    Target::Job(id.clone(), key.into()),
                    v,
                );
            }
        }
        // Needs: explicit, else every job of the nearest earlier stage (GitLab's stage order).
        let needs: Vec<String> = match job.get("needs") {
            Some(n) => n
                .items()
                .iter()
                .filter_map(|n| n.str().or_else(|| n.get("job").and_then(Node::str)).map(str::to_string))
                .collect(),
            None => {
                let mine = stage_of(job);
                let earlier = jobs.iter().map(|(_, j)| stage_of(j)).filter(|s| *s < mine).max();
                jobs.iter()
                    .filter(|(_, j)| Some(stage_of(j)) == earlier)
                    .map(|(k, _)| k.clone())
                    .collect()
            }
        };
        if job.get("needs").is_some_and(|n| {
            n.items()
                .iter()
                .any(|i| i.get("optional").is_some() || i.get("project").is_some() || i.get("pipeline").is_some())
        }) {
            hatch(
                "needs with optional, project or pipeline",
                Target::Job(id.clone(), "needs".into()),
                job.get("needs").unwrap_or(job),
            );
        }
        if !needs.is_empty() {
            let _ = write!(
                j,
                "\n.needs_all([{}])",
                needs.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(img) = job.get("image") {
            match img.str().or_else(|| {
                if img.entries().len() == 1 {
                    img.get("name").and_then(Node::str)
                } else {
                    None
                }
            }) {
                Some(i) => {
                    let _ = write!(j, "\n.runner(Runner::linux().image({}))", lit(i));
                }
                None => hatch(
                    "an image with entrypoint or pull policy",
                    Target::Job(id.clone(), "image".into()),
                    img,
                ),
            }
        }
        let mut gl = String::new();
        for t in job.get("tags").map(Node::strings).unwrap_or_default() {
            let _ = write!(gl, ".tag({})", lit(&t));
        }
        if let Some(b @ ("true" | "false")) = job.get("interruptible").and_then(Node::str) {
            let _ = write!(gl, ".interruptible({b})");
        }
        if let Some(rg) = job.get("resource_group").and_then(Node::str) {
            let _ = write!(gl, ".resource_group({})", lit(rg));
        }
        if !gl.is_empty() {
            let _ = write!(j, "\n.extend(GitlabJob::new(){gl})");
        }
        for (k, v) in job.get("variables").map(Node::entries).unwrap_or_default() {
            let text = v
                .str()
                .or_else(|| v.get("value").and_then(Node::str))
                .unwrap_or_default();
            let _ = write!(j, "\n.env({}, {})", lit(k.str().unwrap_or_default()), value(text));
        }
        for s in job.get("services").map(Node::items).unwrap_or_default() {
            let image = s.str().or_else(|| s.get("name").and_then(Node::str));
            let extra = s
                .entries()
                .iter()
                .any(|(k, _)| !matches!(k.str(), Some("name" | "alias")));
            match image {
                Some(image) if !extra => {
                    let alias = s
                        .get("alias")
                        .and_then(Node::str)
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            image
                                .split(['/', ':', '@'])
                                .rev()
                                .nth(if image.contains(':') { 1 } else { 0 })
                                .unwrap_or("service")
                                .to_string()
                        });
                    let _ = write!(j, "\n.service(Service::new({}, {}))", lit(&alias), lit(image));
                }
                _ => hatch(
                    "a service with command, entrypoint or variables",
                    Target::Job(id.clone(), "services".into()),
                    job.get("services").unwrap_or(s),
                ),
            }
        }
        if let Some(env) = job.get("environment") {
            match env.str().or_else(|| env.get("name").and_then(Node::str)) {
                Some(n)
                    if env
                        .entries()
                        .iter()
                        .all(|(k, _)| matches!(k.str(), Some("name" | "url")))
                        && !n.contains('$') =>
                {
                    let mut e = format!("Environment::new({})", lit(n));
                    if let Some(u) = env.get("url").and_then(Node::str) {
                        let _ = write!(e, ".url({})", value(u));
                    }
                    let _ = write!(j, "\n.environment({e})");
                }
                _ => hatch(
                    "an environment with action, deployment tier or a variable name",
                    Target::Job(id.clone(), "environment".into()),
                    env,
                ),
            }
        }
        if let Some(rules) = job.get("rules") {
            let typed: Option<Vec<String>> = rules
                .items()
                .iter()
                .map(|r| {
                    if r.entries().len() == 1 {
                        r.get("if").and_then(Node::str).and_then(rule_if)
                    } else {
                        None
                    }
                })
                .collect();
            match typed {
                Some(mut t) if !t.is_empty() => {
                    let c = if t.len() == 1 {
                        t.remove(0)
                    } else {
                        format!("Condition::Or(vec![{}])", t.join(", "))
                    };
                    let _ = write!(j, "\n.when({c})");
                }
                _ => hatch(
                    "rules with changes, exists, when or variables",
                    Target::Job(id.clone(), "rules".into()),
                    rules,
                ),
            }
        }
        match job.get("allow_failure") {
            Some(n) if n.str() == Some("true") => j.push_str("\n.allow_failure()"),
            Some(n) if n.str() == Some("false") => {}
            Some(n) => hatch(
                "allow_failure with exit codes",
                Target::Job(id.clone(), "allow_failure".into()),
                n,
            ),
            None => {}
        }
        if let Some(r) = job.get("retry") {
            match r
                .str()
                .or_else(|| {
                    if r.entries().len() == 1 {
                        r.get("max").and_then(Node::str)
                    } else {
                        None
                    }
                })
                .and_then(|s| s.parse::<u8>().ok())
            {
                Some(n) => {
                    let _ = write!(j, "\n.retry({n})");
                }
                None => hatch("retry with conditions", Target::Job(id.clone(), "retry".into()), r),
            }
        }
        match job.get("timeout").and_then(Node::str).map(minutes) {
            Some(Some(m)) => {
                let _ = write!(j, "\n.timeout_minutes({m})");
            }
            Some(None) => hatch(
                "a timeout this importer cannot read",
                Target::Job(id.clone(), "timeout".into()),
                job.get("timeout").unwrap_or(job),
            ),
            None => {
                j.push_str("\n// GitLab's own default (the library's default is 30 minutes).\n.timeout_minutes(60)")
            }
        }
        if job.get("trigger").is_some() {
            hatch(
                "a child or multi-project pipeline trigger",
                Target::WholeJob(id.clone()),
                job,
            );
        }
        // Steps: the checkout GitLab does itself, downloads of what needed jobs saved, the cache,
        // before_script and script in one shell (as GitLab runs them), after_script.
        j.push_str("\n.step(Step::checkout())");
        for n in &needs {
            let producer = jobs.iter().find(|(k, _)| k == n).map(|(_, p)| p);
            if producer.is_some_and(|p| p.get("artifacts").and_then(|a| a.get("paths")).is_some())
                && job.get("dependencies").is_none_or(|d| d.strings().contains(n))
            {
                let _ = write!(j, "\n.step(Step::download({}))", lit(n));
            }
        }
        if let Some(c) = job.get("cache") {
            match cache(c) {
                Some(code) => {
                    let _ = write!(j, "\n.step({code})");
                }
                None => hatch(
                    "a cache with a variable key, policy or several caches",
                    Target::Job(id.clone(), "cache".into()),
                    c,
                ),
            }
        }
        let mut lines = job.get("before_script").map(Node::strings).unwrap_or_default();
        lines.extend(job.get("script").map(Node::strings).unwrap_or_default());
        code.steps += 1;
        if lines.is_empty() {
            hatch(
                "a script this importer cannot read",
                Target::Job(id.clone(), "script".into()),
                job.get("script").unwrap_or(job),
            );
        } else {
            code.steps_typed += 1;
            let _ = write!(j, "\n.step(Step::script({}))", lit(&lines.join("\n")));
        }
        if let Some(after) = job.get("after_script") {
            code.steps += 1;
            code.steps_typed += 1;
            let _ = write!(
                j,
                "\n.step(Step::script({}).when(Condition::always()))",
                lit(&after.strings().join("\n"))
            );
        }
        if let Some(a) = job.get("artifacts") {
            let ok = a
                .entries()
                .iter()
                .all(|(k, _)| matches!(k.str(), Some("paths" | "expire_in")));
            match a.get("paths") {
                Some(p) if ok => {
                    let _ = write!(
                        j,
                        "\n.step(Step::upload({}, [{}]))",
                        lit(id),
                        p.strings().iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
                    );
                }
                _ => hatch(
                    "artifacts with reports, untracked, when or exclude",
                    Target::Job(id.clone(), "artifacts".into()),
                    a,
                ),
            }
        }
        code.jobs += 1;
        if hatches.len() == before {
            code.jobs_typed += 1;
        }
        let _ = write!(body, "\n.job({j})");
    }
    code.body = body;
    code.hatches = hatches;
    Ok(code)
}
