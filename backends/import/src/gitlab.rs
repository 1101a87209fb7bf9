//! GitLab CI files -> typed pipeline code: local `include:`, `default:`, `extends:`,
//! `!reference` and anchors are resolved first, as GitLab does.

use std::fmt::Write as _;
use std::path::Path;

use crate::Diagnostic;
use crate::gitlab_layout;
use crate::gitlab_load::{load, local_path, problem, resolve_extends, resolve_refs};
use crate::gitlab_steps;
use crate::gitlab_values::{cache, minutes, rule_if, triggers, value};
use crate::matrix;
use crate::out::{Hatch, PipelineCode, Target, ident, lit};
use crate::yaml::{Node, Pos};

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

/// The pipelines of a root file in the library's layout of several pipelines (see
/// [`gitlab_layout`]), one per included file; `None` when `doc` is not such a root file or a
/// trigger rule is not one the library writes (the file is then imported as one pipeline).
pub(crate) fn several(file: &Path, root: &Path, doc: &Node) -> Result<Option<Vec<PipelineCode>>, Diagnostic> {
    let Some(included) = gitlab_layout::included(doc) else {
        return Ok(None);
    };
    let name = file.display().to_string();
    let inputs = gitlab_layout::inputs(doc.get("variables"));
    let manual: Vec<&gitlab_layout::Included> = included
        .iter()
        .filter(|i| {
            i.rules.items().iter().any(|r| {
                r.get("if")
                    .and_then(Node::str)
                    .is_some_and(|c| c.starts_with("$CI_PIPELINE_SOURCE == \"web\""))
            })
        })
        .collect();
    let mut docs = Vec::new();
    for inc in &included {
        let path = local_path(file, root, &inc.local);
        if !path.is_file() {
            return Err(problem(
                &name,
                &inc.item,
                format!("included file {:?} does not exist", inc.local),
            ));
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let (merged, hatches) = load(&path, root, 1)?;
        docs.push((path, text, gitlab_layout::unprefixed(&merged, &inc.id), hatches));
    }
    // Each input goes to the first manual pipeline that reads it (else the first manual one).
    let mut owned: Vec<String> = vec![String::new(); included.len()];
    for (input, code) in &inputs {
        let reads = |i: usize| {
            let t = &docs[i].1;
            t.contains(&format!("${input}")) || t.contains(&format!("${{{input}}}"))
        };
        let owner = included
            .iter()
            .enumerate()
            .filter(|(_, inc)| manual.iter().any(|m| m.id == inc.id))
            .map(|(i, _)| i)
            .find(|i| reads(*i))
            .or_else(|| {
                included
                    .iter()
                    .position(|inc| manual.first().is_some_and(|m| m.id == inc.id))
            });
        if let Some(i) = owner {
            owned[i].push_str(&format!(".input({code})"));
        }
    }
    let mut out = Vec::new();
    for ((inc, (path, _, doc, hatches)), inputs) in included.iter().zip(docs).zip(owned) {
        let Some(t) = gitlab_layout::triggers(&inc.rules, Some(&inc.id), &inputs) else {
            return Ok(None);
        };
        let layout = Layout {
            triggers: t,
            prefix: format!("{}:", inc.id),
        };
        out.push(import(
            &path.display().to_string(),
            &doc,
            hatches,
            &inc.id,
            Some(layout),
        )?);
    }
    Ok(Some(out))
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
/// A pipeline of the library's layout of several pipelines.
pub(crate) struct Layout {
    /// Its typed triggers (from the root file's include rules).
    triggers: String,
    /// The prefix of its job names (`<pipeline>:`).
    prefix: String,
}

/// `layout`: the pipeline is one of several in the library's layout (else its triggers are read
/// from `workflow:rules`).
pub(crate) fn import(
    file: &str,
    doc: &Node,
    mut hatches: Vec<Hatch>,
    id: &str,
    layout: Option<Layout>,
) -> Result<PipelineCode, Diagnostic> {
    let at = |n: &Node| format!("{file}:{}:{}", n.pos().line, n.pos().col);
    let mut code = PipelineCode {
        func: ident(id),
        id: id.to_string(),
        ..Default::default()
    };
    let mut body = format!("Pipeline::new({})", lit(id));
    let inputs = gitlab_layout::inputs(doc.get("variables"));
    let input_calls: String = inputs.iter().map(|(_, c)| format!(".input({c})")).collect();
    let generated = doc
        .get("workflow")
        .and_then(|w| w.get("rules"))
        .and_then(|r| gitlab_layout::triggers(r, None, &input_calls));
    let prefix = layout.as_ref().map(|l| l.prefix.clone());
    match layout.map(|l| l.triggers).or(generated) {
        Some(t) => body.push_str(&t),
        None => match triggers(doc.get("workflow").and_then(|w| w.get("rules"))) {
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
        },
    }
    for (k, v) in doc.get("variables").map(Node::entries).unwrap_or_default() {
        if inputs.iter().any(|(n, _)| k.str() == Some(n)) {
            continue;
        }
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
        let key = match &prefix {
            Some(p) => match key.strip_prefix(p.as_str()) {
                Some(k) => k,
                None => continue,
            },
            None if key.starts_with('.') || GLOBAL_KEYS.contains(&key) => continue,
            None => key,
        };
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
    let outputs: Vec<gitlab_steps::Output> = jobs.iter().flat_map(|(k, j)| gitlab_steps::outputs(k, j)).collect();
    // Several pipelines: the backend writes the pipeline's env into each job, after the clone
    // settings; what every generated job starts with is the pipeline's env again.
    let shared = if prefix.is_some()
        && jobs
            .iter()
            .all(|(_, j)| gitlab_steps::job_steps(j, &jobs, &outputs).is_some())
    {
        shared_env(&jobs)
    } else {
        Vec::new()
    };
    for (k, v) in &shared {
        let _ = write!(body, "\n.env({}, {})", lit(k), value(v));
    }
    for (id, job) in &jobs {
        let before = hatches.len();
        let generated = gitlab_steps::job_steps(job, &jobs, &outputs);
        let matrix = generated.as_ref().and_then(|_| matrix::read(job));
        // The job's key in the emitted document (patches find it there).
        let key_in_doc = format!("{}{id}", prefix.as_deref().unwrap_or_default());
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
            let generated_key =
                matches!(key, "id_tokens" | "manual_confirmation" | "when") || (key == "parallel" && matrix.is_some());
            if !(JOB_KEYS.contains(&key) || (generated.is_some() && generated_key)) {
                hatch(
                    &format!("job key `{key}` has no typed form"),
                    Target::Job(key_in_doc.clone(), key.into()),
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
        // `optional: true` is the model's optional need (docs/SEMANTICS.md §23: GitLab ignores
        // a need on a job the pipeline does not create); any other value, or a need on another
        // project or pipeline, has no typed form.
        let optional_needs: Vec<&str> = job
            .get("needs")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter(|i| i.get("optional").and_then(Node::str) == Some("true"))
            .filter_map(|i| i.get("job").and_then(Node::str))
            .collect();
        let unusual = job.get("needs").is_some_and(|n| {
            n.items().iter().any(|i| {
                i.get("optional")
                    .is_some_and(|o| !matches!(o.str(), Some("true" | "false")))
                    || i.get("project").is_some()
                    || i.get("pipeline").is_some()
            })
        });
        if unusual {
            hatch(
                "needs with project or pipeline, or `optional` that is not true or false",
                Target::Job(key_in_doc.clone(), "needs".into()),
                job.get("needs").unwrap_or(job),
            );
        }
        if !unusual && !optional_needs.is_empty() {
            for n in &needs {
                let call = if optional_needs.contains(&n.as_str()) {
                    "needs_optional"
                } else {
                    "needs"
                };
                let _ = write!(j, "\n.{call}({})", lit(n));
            }
        } else if !needs.is_empty() {
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
                    Target::Job(key_in_doc.clone(), "image".into()),
                    img,
                ),
            }
        }
        if let Some(m) = &matrix {
            let _ = write!(j, "\n.matrix({})", m.code);
            for r in &m.runners {
                if !code.gitlab_runners.contains(r) {
                    code.gitlab_runners.push(r.clone());
                }
            }
        }
        let mut gl = String::new();
        let runner_axis = matrix.as_ref().is_some_and(|m| m.code.contains(".runners("));
        for t in job.get("tags").map(Node::strings).unwrap_or_default() {
            if runner_axis && t == "$runner_tag" {
                continue;
            }
            let _ = write!(gl, ".tag({})", lit(&t));
        }
        if let Some(b @ ("true" | "false")) = job.get("interruptible").and_then(Node::str) {
            let _ = write!(gl, ".interruptible({b})");
        }
        let env_name = job
            .get("environment")
            .and_then(|e| e.str().or_else(|| e.get("name").and_then(Node::str)));
        if let Some(rg) = job.get("resource_group").and_then(Node::str) {
            // The library's own group for deploys to an environment needs no setting.
            if generated.is_none() || env_name.is_none_or(|e| rg != format!("deploy-{e}")) {
                let _ = write!(gl, ".resource_group({})", lit(rg));
            }
        }
        if let Some(d) = &generated {
            for (k, v) in job.get("variables").map(Node::entries).unwrap_or_default() {
                if let (Some(k), Some(v)) = (k.str(), v.str()) {
                    if ["CI_", "GITLAB_", "RUNNER_"].iter().any(|p| k.starts_with(p)) {
                        let _ = write!(gl, ".variable({}, {})", lit(k), lit(v));
                    }
                }
            }
            for (k, v) in job.get("id_tokens").map(Node::entries).unwrap_or_default() {
                let (Some(k), Some(aud)) = (k.str(), v.get("aud").and_then(Node::str)) else {
                    continue;
                };
                if k == "AWS_ID_TOKEN" && d.steps.iter().any(|s| s.starts_with("Step::assume_aws_role")) {
                    continue;
                }
                let _ = write!(gl, ".id_token({}, {})", lit(k), lit(aud));
            }
        }
        if !gl.is_empty() {
            let _ = write!(j, "\n.extend(GitlabJob::new(){gl})");
        }
        let mut skip_shared = shared.len();
        for (k, v) in job.get("variables").map(Node::entries).unwrap_or_default() {
            if skip_shared > 0 && !is_clone_setting(k.str().unwrap_or_default()) {
                skip_shared -= 1;
                continue;
            }
            if generated.is_some()
                && (matches!(k.str(), Some("GIT_STRATEGY" | "GIT_DEPTH" | "GIT_SUBMODULE_STRATEGY"))
                    || ["CI_", "GITLAB_", "RUNNER_"]
                        .iter()
                        .any(|p| k.str().is_some_and(|k| k.starts_with(p))))
            {
                continue;
            }
            let text = v
                .str()
                .or_else(|| v.get("value").and_then(Node::str))
                .unwrap_or_default();
            let mut v = value(text);
            if let Some(m) = &matrix {
                for axis in &m.axes {
                    v = v.replace(
                        &format!("Expr::var({})", lit(axis)),
                        &format!("Expr::matrix({})", lit(axis)),
                    );
                }
            }
            let _ = write!(j, "\n.env({}, {v})", lit(k.str().unwrap_or_default()));
        }
        for s in job.get("services").map(Node::items).unwrap_or_default() {
            let image = s.str().or_else(|| s.get("name").and_then(Node::str));
            let extra = s.entries().iter().any(|(k, v)| match k.str() {
                Some("name" | "alias" | "command") => false,
                Some("variables") => v.entries().iter().any(|(_, v)| v.str().is_none()),
                Some("entrypoint") => v.strings().len() != 1,
                _ => true,
            });
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
                    let mut service = format!("Service::new({}, {})", lit(&alias), lit(image));
                    if let Some(e) = s.get("entrypoint") {
                        let _ = write!(service, ".entrypoint({})", lit(&e.strings()[0]));
                    }
                    if let Some(c) = s.get("command") {
                        let words: Vec<String> = c.strings().iter().map(|w| lit(w)).collect();
                        let _ = write!(service, ".command([{}])", words.join(", "));
                    }
                    for (k, v) in s.get("variables").map(Node::entries).unwrap_or_default() {
                        let name = lit(k.str().unwrap_or_default());
                        let _ = write!(service, ".env({name}, {})", value(v.str().unwrap_or_default()));
                    }
                    let _ = write!(j, "\n.service({service})");
                }
                _ => hatch(
                    "a service with an entrypoint of several words, or a setting other than name, alias, entrypoint, command and variables",
                    Target::Job(key_in_doc.clone(), "services".into()),
                    job.get("services").unwrap_or(s),
                ),
            }
        }
        // A manual gate of the library: an approval of the job's environment.
        let gate = generated.is_some()
            && job.get("manual_confirmation").is_some()
            && job.get("allow_failure").and_then(Node::str) == Some("false")
            && (job.get("when").and_then(Node::str) == Some("manual")
                || job.get("rules").is_some_and(|r| {
                    r.items()
                        .iter()
                        .all(|r| r.get("when").and_then(Node::str) == Some("manual"))
                }));
        let generated_env = job
            .get("environment")
            .filter(|_| generated.is_some())
            .and_then(|e| gitlab_steps::environment(e, gate.then(|| job.get("manual_confirmation")).flatten()));
        if let Some(e) = &generated_env {
            let _ = write!(j, "\n.environment({e})");
        } else if let Some(env) = job.get("environment") {
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
                    Target::Job(key_in_doc.clone(), "environment".into()),
                    env,
                ),
            }
        }
        let generated_rules = job
            .get("rules")
            .filter(|_| generated.is_some())
            .and_then(gitlab_steps::rules);
        if let Some(c) = &generated_rules {
            if let Some(c) = c {
                let _ = write!(j, "\n.when({c})");
            }
        } else if let Some(rules) = job.get("rules") {
            // Each rule an `if` on what `rule_if` reads, all with the same `changes:` (the job's
            // path filter, `when_changed`); a rule without `if` lets every pipeline in.
            let items = rules.items();
            let changes: Vec<Option<Vec<String>>> = items
                .iter()
                .map(|r| match r.get("changes") {
                    None => Some(Vec::new()),
                    Some(c @ Node::Seq(..)) => Some(c.strings()),
                    Some(_) => None,
                })
                .collect();
            let same_changes = changes.iter().all(|c| c.is_some() && *c == changes[0]);
            let typed: Option<Vec<Option<String>>> = items
                .iter()
                .map(|r| {
                    if r.entries()
                        .iter()
                        .any(|(k, _)| !matches!(k.str(), Some("if" | "changes")))
                    {
                        return None;
                    }
                    match r.get("if") {
                        Some(i) => i.str().and_then(rule_if).map(Some),
                        None => Some(None),
                    }
                })
                .collect();
            match typed {
                Some(t) if !t.is_empty() && same_changes => {
                    let mut conds: Vec<String> = t.iter().flatten().cloned().collect();
                    if t.iter().all(Option::is_some) {
                        let c = if conds.len() == 1 {
                            conds.remove(0)
                        } else {
                            format!("Condition::Or(vec![{}])", conds.join(", "))
                        };
                        let _ = write!(j, "\n.when({c})");
                    }
                    let paths: Vec<String> = changes[0]
                        .iter()
                        .flatten()
                        .map(|g| lit(&gitlab_layout::path_pattern(g)))
                        .collect();
                    if !paths.is_empty() {
                        let _ = write!(j, "\n.when_changed([{}])", paths.join(", "));
                    }
                }
                _ => hatch(
                    "rules with exists, when, variables, or `changes` that differ between rules",
                    Target::Job(key_in_doc.clone(), "rules".into()),
                    rules,
                ),
            }
        }
        match job.get("allow_failure") {
            _ if gate && generated_env.is_some() => {}
            Some(n) if n.str() == Some("true") => j.push_str("\n.allow_failure()"),
            Some(n) if n.str() == Some("false") => {}
            Some(n) => hatch(
                "allow_failure with exit codes",
                Target::Job(key_in_doc.clone(), "allow_failure".into()),
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
                None => hatch(
                    "retry with conditions",
                    Target::Job(key_in_doc.clone(), "retry".into()),
                    r,
                ),
            }
        }
        match job.get("timeout").and_then(Node::str).map(minutes) {
            Some(Some(m)) => {
                let _ = write!(j, "\n.timeout_minutes({m})");
            }
            Some(None) => hatch(
                "a timeout this importer cannot read",
                Target::Job(key_in_doc.clone(), "timeout".into()),
                job.get("timeout").unwrap_or(job),
            ),
            None => {
                j.push_str("\n// GitLab's own default (the library's default is 30 minutes).\n.timeout_minutes(60)")
            }
        }
        if job.get("trigger").is_some() {
            hatch(
                "a child or multi-project pipeline trigger",
                Target::WholeJob(key_in_doc.clone()),
                job,
            );
        }
        if let Some(d) = generated {
            for (k, v) in &d.env {
                let _ = write!(j, "\n.env({}, {v})", lit(k));
            }
            code.steps += d.steps.len();
            code.steps_typed += d.steps.len();
            for s in &d.steps {
                let _ = write!(j, "\n.step({s})");
            }
            code.jobs += 1;
            if hatches.len() == before {
                code.jobs_typed += 1;
            }
            let _ = write!(body, "\n.job({j})");
            continue;
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
                    Target::Job(key_in_doc.clone(), "cache".into()),
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
                Target::Job(key_in_doc.clone(), "script".into()),
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
            // A JUnit report kept whatever the job's result: the job's test report.
            let junit = a
                .get("reports")
                .filter(|r| r.entries().len() == 1)
                .and_then(|r| r.get("junit"));
            let report_only = junit.is_some()
                && a.entries().iter().all(|(k, v)| match k.str() {
                    Some("reports") => true,
                    Some("when") => v.str() == Some("always"),
                    _ => false,
                });
            match a.get("paths") {
                None if report_only => {
                    let paths = junit.map(Node::strings).unwrap_or_default();
                    let mut r = format!("TestReport::junit({})", lit(&paths[0]));
                    for p in &paths[1..] {
                        let _ = write!(r, ".path({})", lit(p));
                    }
                    let _ = write!(j, "\n.test_report({r})");
                }
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
                    Target::Job(key_in_doc.clone(), "artifacts".into()),
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

/// A variable the backend writes for the job's clone (`GIT_STRATEGY: none`: no checkout).
fn is_clone_setting(name: &str) -> bool {
    matches!(name, "GIT_STRATEGY" | "GIT_DEPTH" | "GIT_SUBMODULE_STRATEGY")
}

/// The variables every job starts with (after its clone settings), equal in all: name and value.
fn shared_env(jobs: &[(String, Node)]) -> Vec<(String, String)> {
    let own = |job: &Node| -> Vec<(String, String)> {
        job.get("variables")
            .map(Node::entries)
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| !is_clone_setting(k.str().unwrap_or_default()))
            .map_while(|(k, v)| {
                let k = k.str()?;
                let reserved = ["CI_", "GITLAB_", "RUNNER_"].iter().any(|p| k.starts_with(p));
                (!reserved).then(|| Some((k.to_string(), v.str()?.to_string())))?
            })
            .collect()
    };
    let mut lists = jobs.iter().map(|(_, j)| own(j));
    let Some(mut shared) = lists.next() else {
        return Vec::new();
    };
    for list in lists {
        let n = shared.iter().zip(&list).take_while(|(a, b)| a == b).count();
        shared.truncate(n);
    }
    shared
}
