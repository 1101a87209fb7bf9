//! GitHub Actions workflows -> typed pipeline code.

use std::fmt::Write as _;

use crate::expr;
use crate::out::{Hatch, PipelineCode, Target, ident, lit};
use crate::yaml::Node;
use crate::{Diagnostic, located, pins};

/// State while importing one workflow.
struct Ctx<'a> {
    file: &'a str,
    source: &'a str,
    code: PipelineCode,
    job_hatched: bool,
    pipeline_id: String,
    untyped_outputs: Vec<String>,
    /// Jobs whose `if:` is the test of their needs' results the generator writes for optional
    /// needs: which needs are optional, and the job's own condition.
    explicit_needs: std::collections::BTreeMap<String, (Vec<bool>, Option<String>)>,
}

impl Ctx<'_> {
    fn at(&self, node: &Node) -> String {
        format!("{}:{}:{}", self.file, node.pos().line, node.pos().col)
    }

    fn hatch(&mut self, why: impl Into<String>, target: Target, value: &Node) {
        let at = self.at(value);
        self.code.hatches.push(Hatch {
            why: why.into(),
            target,
            value: value.clone(),
            at,
        });
        self.job_hatched = true;
    }
}

const WORKFLOW_KEYS: [&str; 7] = ["name", "on", "permissions", "concurrency", "env", "defaults", "jobs"];

/// Imports one workflow as a pipeline named `id`.
pub(crate) fn import(file: &str, source: &str, doc: &Node, id: &str) -> Result<PipelineCode, Diagnostic> {
    let problem =
        |node: &Node, message: String| located("import-rejected", file, node.pos().line, node.pos().col, message);
    let Node::Map(..) = doc else {
        return Err(problem(doc, "a workflow is a mapping with `on` and `jobs`".into()));
    };
    let jobs = doc
        .get("jobs")
        .ok_or_else(|| problem(doc, "a workflow needs `jobs`".into()))?;
    let Node::Map(job_entries, _) = jobs else {
        return Err(problem(jobs, "`jobs` must be a mapping of job ids to jobs".into()));
    };
    if job_entries.is_empty() {
        return Err(problem(
            jobs,
            "`jobs` is empty: GitHub rejects a workflow without jobs".into(),
        ));
    }
    let on = doc
        .get("on")
        .ok_or_else(|| problem(doc, "a workflow needs `on` (its triggers)".into()))?;
    for (k, v) in job_entries {
        if v.get("runs-on").is_none() && v.get("uses").is_none() {
            return Err(problem(
                v,
                format!("job {:?} has neither `runs-on` nor `uses`", k.str().unwrap_or("")),
            ));
        }
        if v.get("uses").is_none() && v.get("steps").is_none_or(|s| s.items().is_empty()) {
            return Err(problem(v, format!("job {:?} has no `steps`", k.str().unwrap_or(""))));
        }
    }
    let mut cx = Ctx {
        file,
        source,
        code: PipelineCode {
            func: ident(id),
            id: id.to_string(),
            ..Default::default()
        },
        job_hatched: false,
        pipeline_id: id.to_string(),
        untyped_outputs: Vec::new(),
        explicit_needs: explicit_needs(job_entries),
    };
    for (k, v) in job_entries {
        if v.get("outputs")
            .is_some_and(|o| !crate::github_steps::outputs_from_set_output(o, v.get("steps")))
            || v.get("uses").is_some()
        {
            cx.untyped_outputs.push(k.str().unwrap_or_default().to_string());
        }
    }
    let mut body = format!("Pipeline::new({})", lit(id));
    if let Some(name) = doc.get("name").and_then(Node::str) {
        let _ = write!(body, "\n.name({})", lit(name));
    }
    triggers(&mut cx, on, &mut body);
    for (k, v) in doc.entries() {
        let key = k.str().unwrap_or_default();
        if !WORKFLOW_KEYS.contains(&key) {
            cx.hatch(
                format!("workflow key `{key}` has no typed form"),
                Target::Root(key.into()),
                v,
            );
        }
    }
    if let Some(env) = doc.get("env") {
        env_calls(&mut cx, env, &mut body, Target::Root("env".into()));
    }
    if let Some(c) = doc.get("concurrency") {
        match concurrency(c) {
            Some(code) => {
                let _ = write!(body, "\n.concurrency({code})");
            }
            None => cx.hatch(
                "this concurrency setting has no typed form",
                Target::Root("concurrency".into()),
                c,
            ),
        }
    }
    if let Some(d) = doc.get("defaults") {
        let bash = d.get("run").and_then(|r| r.get("shell")).and_then(Node::str) == Some("bash")
            && d.entries().len() == 1
            && d.get("run").is_some_and(|r| r.entries().len() == 1);
        if !bash {
            cx.hatch(
                "defaults other than `run.shell: bash` (every generated step runs in bash)",
                Target::Root("defaults".into()),
                d,
            );
        }
    }
    let top_permissions = doc.get("permissions");
    for (k, v) in job_entries {
        let job_id = k.str().unwrap_or_default().to_string();
        cx.job_hatched = false;
        let code = job(&mut cx, &job_id, v, top_permissions);
        cx.code.jobs += 1;
        if !cx.job_hatched {
            cx.code.jobs_typed += 1;
        }
        let _ = write!(body, "\n.job({code})");
    }
    cx.code.body = body;
    Ok(cx.code)
}

fn triggers(cx: &mut Ctx<'_>, on: &Node, body: &mut String) {
    let entries: Vec<(String, Node)> = match on {
        Node::Scalar(s, ..) => vec![(s.clone(), Node::Map(Vec::new(), on.pos()))],
        Node::Seq(items, ..) => items
            .iter()
            .filter_map(|i| i.str().map(|s| (s.to_string(), Node::Map(Vec::new(), i.pos()))))
            .collect(),
        Node::Map(e, _) => e
            .iter()
            .map(|(k, v)| (k.str().unwrap_or_default().to_string(), v.clone()))
            .collect(),
    };
    let mut untyped = false;
    for (event, v) in &entries {
        let filters = |keys: &[&str]| {
            v.entries()
                .iter()
                .all(|(k, _)| keys.contains(&k.str().unwrap_or_default()))
        };
        let list = |key: &str| {
            v.get(key)
                .map(|n| n.strings().iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
        };
        match event.as_str() {
            "push" if filters(&["branches", "tags", "paths"]) => {
                let mut t = "Trigger::push()".to_string();
                for key in ["branches", "tags", "paths"] {
                    if let Some(l) = list(key) {
                        let _ = write!(t, ".{key}([{l}])");
                    }
                }
                let _ = write!(body, "\n.on({t})");
            }
            "pull_request" if filters(&["branches", "paths"]) => {
                let mut t = "Trigger::pull_request()".to_string();
                for key in ["branches", "paths"] {
                    if let Some(l) = list(key) {
                        let _ = write!(t, ".{key}([{l}])");
                    }
                }
                let _ = write!(body, "\n.on({t})");
            }
            "schedule"
                if v.items()
                    .iter()
                    .all(|i| i.get("cron").is_some() && i.entries().len() == 1) =>
            {
                for item in v.items() {
                    let _ = write!(
                        body,
                        "\n.on(Trigger::schedule({}))",
                        lit(item.get("cron").and_then(Node::str).unwrap_or_default())
                    );
                }
            }
            "workflow_dispatch" if filters(&["inputs"]) => match inputs(v.get("inputs")) {
                Some(t) => {
                    let _ = write!(body, "\n.on({t})");
                }
                None => untyped = true,
            },
            _ => untyped = true,
        }
    }
    if untyped {
        cx.hatch(
            "triggers other than push/pull_request branch, tag and path filters, schedules and typed manual inputs",
            Target::Root("on".into()),
            on,
        );
    }
}

fn inputs(node: Option<&Node>) -> Option<String> {
    let mut t = "Trigger::manual()".to_string();
    for (k, v) in node.map(Node::entries).unwrap_or_default() {
        let name = lit(k.str()?);
        let desc = lit(v.get("description").and_then(Node::str).unwrap_or_default());
        let default = v.get("default").and_then(Node::str);
        let input = match v.get("type").and_then(Node::str).unwrap_or("string") {
            "boolean" => format!("Input::boolean({name}, {desc}, {})", default == Some("true")),
            "choice" => {
                let opts = v
                    .get("options")?
                    .strings()
                    .iter()
                    .map(|s| lit(s))
                    .collect::<Vec<_>>()
                    .join(", ");
                let first = v.get("options")?.strings().first().cloned();
                match default {
                    Some(d) if Some(d) != first.as_deref() => {
                        format!("Input::choice({name}, {desc}, [{opts}]).default_value({})", lit(d))
                    }
                    _ => format!("Input::choice({name}, {desc}, [{opts}])"),
                }
            }
            "string" => {
                let mut i = format!("Input::string({name}, {desc})");
                if let Some(d) = default {
                    let _ = write!(i, ".default_value({})", lit(d));
                }
                i
            }
            _ => return None,
        };
        let required = v.get("required").and_then(Node::str) == Some("true");
        let _ = write!(t, ".input({input}{})", if required { ".required()" } else { "" });
    }
    Some(t)
}

fn concurrency(c: &Node) -> Option<String> {
    let (group, cancel) = match c {
        Node::Scalar(s, ..) => (s.as_str(), false),
        Node::Map(..) => (
            c.get("group")?.str()?,
            match c.get("cancel-in-progress").and_then(Node::str) {
                Some("true") => true,
                Some("false") | None => false,
                _ => return None,
            },
        ),
        Node::Seq(..) => return None,
    };
    let group = expr::value(group).ok()?;
    Some(format!(
        "Concurrency::new({group}){}",
        if cancel { ".cancel_in_progress()" } else { "" }
    ))
}

fn env_calls(cx: &mut Ctx<'_>, env: &Node, body: &mut String, target: Target) {
    let mut typed = Vec::new();
    for (k, v) in env.entries() {
        match v.str().map(expr::value) {
            Some(Ok(code)) if crate::github_steps::untyped_output(&code, &cx.untyped_outputs).is_some() => {
                let why = crate::github_steps::untyped_output(&code, &cx.untyped_outputs).unwrap_or_default();
                return cx.hatch(format!("env {}: {why}", k.str().unwrap_or_default()), target, env);
            }
            Some(Ok(code)) => typed.push(format!("\n.env({}, {code})", lit(k.str().unwrap_or_default()))),
            Some(Err(why)) => return cx.hatch(format!("env {}: {why}", k.str().unwrap_or_default()), target, env),
            None => return cx.hatch("an env value that is not a scalar", target, env),
        }
    }
    body.push_str(&typed.concat());
}

const JOB_KEYS: [&str; 15] = [
    "concurrency",
    "name",
    "needs",
    "runs-on",
    "container",
    "environment",
    "if",
    "strategy",
    "timeout-minutes",
    "continue-on-error",
    "env",
    "services",
    "steps",
    "permissions",
    "outputs",
];

/// The jobs whose `if:` is the explicit test of their needs' results the generator writes for
/// optional needs (`!cancelled() && !failure() && ...`, docs/SEMANTICS.md §23): for each, which
/// needs are optional and the job's own condition. Read back only when unambiguous: a job with an
/// optional need, or one after such a job, has it, and every job after one has it too (the
/// regenerated workflow writes it for exactly those jobs); otherwise none is read back and the
/// conditions stay as they are (a hand-written test of results is not the implicit `success()`).
fn explicit_needs(jobs: &[(Node, Node)]) -> std::collections::BTreeMap<String, (Vec<bool>, Option<String>)> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut forms = BTreeMap::new();
    let needs_of = |v: &Node| v.get("needs").map(Node::strings).unwrap_or_default();
    for (k, v) in jobs {
        let Some(text) = v.get("if").and_then(Node::str) else {
            continue;
        };
        if let Some(form) = needs_test(text, &needs_of(v)) {
            forms.insert(k.str().unwrap_or_default().to_string(), form);
        }
    }
    // The jobs after an optional need, in the order GitHub runs them (needs name earlier jobs
    // or later ones: iterate to a fixed point).
    let mut after: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = after.len();
        for (k, v) in jobs {
            let id = k.str().unwrap_or_default();
            let has_optional = forms.get(id).is_some_and(|(o, _): &(Vec<bool>, _)| o.contains(&true));
            if has_optional || needs_of(v).iter().any(|n| after.contains(n)) {
                after.insert(id.to_string());
            }
        }
        if after.len() == before {
            break;
        }
    }
    if after.iter().all(|id| forms.contains_key(id)) {
        forms.retain(|id, _| after.contains(id));
        forms
    } else {
        BTreeMap::new()
    }
}

/// The explicit test of needs' results for `needs` (in their order), with the job's own
/// condition: which needs are optional, and the own condition.
fn needs_test(text: &str, needs: &[String]) -> Option<(Vec<bool>, Option<String>)> {
    let mut rest = text
        .trim()
        .strip_prefix("${{ ")?
        .strip_suffix(" }}")?
        .strip_prefix("!cancelled() && !failure()")?;
    let mut optional = Vec::new();
    for n in needs {
        let ordinary = format!(" && needs.{n}.result == 'success'");
        let skipped = format!(" && (needs.{n}.result == 'success' || needs.{n}.result == 'skipped')");
        if let Some(r) = rest.strip_prefix(&ordinary) {
            optional.push(false);
            rest = r;
        } else {
            rest = rest.strip_prefix(&skipped)?;
            optional.push(true);
        }
    }
    if rest.is_empty() {
        return Some((optional, None));
    }
    let own = rest.strip_prefix(" && (")?.strip_suffix(')')?;
    if ["always()", "failure()", "success()", "cancelled()"]
        .iter()
        .any(|f| own.contains(f))
    {
        // A condition on status replaces the test (the generator writes it alone).
        return None;
    }
    Some((optional, Some(format!("${{{{ {own} }}}}"))))
}

fn job(cx: &mut Ctx<'_>, id: &str, v: &Node, top_permissions: Option<&Node>) -> String {
    let mut j = format!("Job::new({})", lit(id));
    if v.get("uses").is_some() {
        cx.hatch(
            "a reusable workflow call has no typed form",
            Target::WholeJob(id.into()),
            v,
        );
        j.push_str("\n// A placeholder the patch below replaces with the reusable workflow call.\n.step(Step::script(\"echo 'reusable workflow call: GitHub only' >&2; exit 1\"))");
        return j;
    }
    if let Some(name) = v.get("name").and_then(Node::str) {
        let _ = write!(j, "\n.name({})", lit(name));
    }
    let explicit = cx.explicit_needs.get(id).cloned();
    if let Some((optional, _)) = &explicit {
        let needs = v.get("needs").map(Node::strings).unwrap_or_default();
        for (n, optional) in needs.iter().zip(optional) {
            let call = if *optional { "needs_optional" } else { "needs" };
            let _ = write!(j, "\n.{call}({})", lit(n));
        }
    } else if let Some(needs) = v.get("needs") {
        let _ = write!(
            j,
            "\n.needs_all([{}])",
            needs.strings().iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
        );
    }
    for (k, val) in v.entries() {
        let key = k.str().unwrap_or_default();
        if !JOB_KEYS.contains(&key) {
            cx.hatch(
                format!("job key `{key}` has no typed form"),
                Target::Job(id.into(), key.into()),
                val,
            );
        }
    }
    runner(cx, id, v, &mut j);
    if let Some(env) = v.get("environment") {
        let name = env.str().or_else(|| env.get("name").and_then(Node::str));
        match name {
            Some(n) if !n.contains("${{") => {
                let mut e = format!("Environment::new({})", lit(n));
                if let Some(url) = env.get("url").and_then(Node::str) {
                    match expr::value(url) {
                        Ok(u) => {
                            let _ = write!(e, ".url({u})");
                        }
                        Err(why) => cx.hatch(
                            format!("environment url: {why}"),
                            Target::Job(id.into(), "environment".into()),
                            env,
                        ),
                    }
                }
                let _ = write!(j, "\n.environment({e})");
            }
            _ => cx.hatch(
                "an environment chosen by an expression",
                Target::Job(id.into(), "environment".into()),
                env,
            ),
        }
    }
    if let Some(c) = v.get("concurrency") {
        let env = v
            .get("environment")
            .and_then(|e| e.str().or_else(|| e.get("name").and_then(Node::str)));
        let generated = env.is_some_and(|e| {
            c.get("group").and_then(Node::str) == Some(&format!("{}-deploy-{e}", cx.pipeline_id))
                && c.get("cancel-in-progress").and_then(Node::str) == Some("false")
        });
        if !generated {
            match concurrency(c) {
                Some(code) => {
                    let _ = write!(j, "\n.concurrency({code})");
                }
                None => cx.hatch(
                    "this concurrency setting has no typed form",
                    Target::Job(id.into(), "concurrency".into()),
                    c,
                ),
            }
        }
    }
    // The generated test of the needs' results is the needs themselves; the job's own condition
    // follows it.
    let own = match &explicit {
        Some((_, own)) => own.as_deref(),
        None => v.get("if").map(|c| c.str().unwrap_or_default()),
    };
    if let (Some(cond), Some(text)) = (v.get("if"), own) {
        match expr::condition(text) {
            Ok(Some(c)) => {
                let _ = write!(j, "\n.when({c})");
            }
            Ok(None) => {}
            Err(why) => cx.hatch(format!("condition: {why}"), Target::Job(id.into(), "if".into()), cond),
        }
    }
    if let Some(s) = v.get("strategy") {
        strategy(cx, id, v, s, &mut j);
    }
    match v
        .get("timeout-minutes")
        .and_then(Node::str)
        .and_then(|s| s.parse::<u32>().ok())
    {
        Some(t) => {
            let _ = write!(j, "\n.timeout_minutes({t})");
        }
        None if v.get("timeout-minutes").is_some() => cx.hatch(
            "a timeout given by an expression",
            Target::Job(id.into(), "timeout-minutes".into()),
            v.get("timeout-minutes").unwrap_or(v),
        ),
        None => j.push_str("\n// GitHub's own default (the library's default is 30 minutes).\n.timeout_minutes(360)"),
    }
    match v.get("continue-on-error").and_then(Node::str) {
        Some("true") => j.push_str("\n.allow_failure()"),
        Some("false") | None => {}
        Some(_) => cx.hatch(
            "continue-on-error given by an expression",
            Target::Job(id.into(), "continue-on-error".into()),
            v.get("continue-on-error").unwrap_or(v),
        ),
    }
    if let Some(env) = v.get("env") {
        env_calls(cx, env, &mut j, Target::Job(id.into(), "env".into()));
    }
    if let Some(services) = v.get("services") {
        for (k, s) in services.entries() {
            match service(k.str().unwrap_or_default(), s) {
                Some(code) => {
                    let _ = write!(j, "\n.service({code})");
                }
                None => cx.hatch(
                    "a service with options, credentials or an expression",
                    Target::Job(id.into(), "services".into()),
                    services,
                ),
            }
        }
    }
    if let Some(p) = v.get("permissions").or(top_permissions) {
        match permissions(p) {
            Some(code) if !code.is_empty() => {
                let _ = write!(j, "\n.extend(GithubJob::default(){code})");
            }
            Some(_) => {}
            None => cx.hatch(
                "permissions other than per-scope read/write",
                Target::Job(id.into(), "permissions".into()),
                p,
            ),
        }
    }
    if let Some(outputs) = v
        .get("outputs")
        .filter(|o| !crate::github_steps::outputs_from_set_output(o, v.get("steps")))
    {
        cx.hatch(
            "job outputs read from step outputs (the model sets outputs with Step::set_output)",
            Target::Job(id.into(), "outputs".into()),
            outputs,
        );
    }
    let mut markers = Vec::new();
    let steps = v.get("steps").map(Node::items).unwrap_or_default();
    let mut skip = false;
    for (i, s) in steps.iter().enumerate() {
        if std::mem::take(&mut skip) {
            continue;
        }
        // The library's upload of the job's test reports, its last step.
        if i + 1 == steps.len() {
            let matrix = v.get("strategy").and_then(|s| s.get("matrix")).is_some();
            if let Some(code) = crate::github_steps::generated_test_report(s, id, matrix) {
                let _ = write!(j, "\n.test_report({code})");
                continue;
            }
        }
        // The library's own upload: a staging step and upload-artifact of the staging directory.
        if let Some(code) = crate::github_steps::generated_upload(s, steps.get(i + 1)) {
            cx.code.steps += 2;
            cx.code.steps_typed += 2;
            skip = true;
            let _ = write!(j, "\n.step({code})");
            continue;
        }
        cx.code.steps += 1;
        let code = crate::github_steps::step(cx_view(cx, v), id, i, s, &mut markers);
        match code {
            Ok(code) => {
                cx.code.steps_typed += 1;
                let _ = write!(j, "\n.step({code})");
            }
            Err((why, placeholder)) => {
                let s = &repin(s);
                cx.hatch(why, Target::Step(id.into(), placeholder.clone()), s);
                let _ = write!(
                    j,
                    "\n// A placeholder the patch below replaces with the original step.\n.step(Step::script(\"echo 'imported GitHub step without a typed form' >&2; exit 1\").name({}))",
                    lit(&placeholder)
                );
            }
        }
    }
    j
}

fn cx_view<'a>(cx: &'a Ctx<'_>, job: &Node) -> crate::github_steps::View<'a> {
    let labels = job.get("runs-on").map(Node::strings).unwrap_or_default();
    crate::github_steps::View {
        source: cx.source,
        untyped_outputs: &cx.untyped_outputs,
        windows: hosted_runner(&labels).is_some_and(|r| r.contains("windows") || r.contains("Windows")),
    }
}

/// The runner the generator writes as exactly these hosted macOS or Windows labels.
fn hosted_runner(labels: &[String]) -> Option<&'static str> {
    Some(match labels {
        [l] if l == "macos-15" => "Runner::macos()",
        [l] if l == "macos-15-intel" => "Runner::new(Os::Macos, Arch::X64)",
        [l] if l == "windows-2025" => "Runner::windows()",
        [l] if l == "windows-11-arm" => "Runner::new(Os::Windows, Arch::Arm64)",
        _ => return None,
    })
}

fn runner(cx: &mut Ctx<'_>, id: &str, v: &Node, j: &mut String) {
    let labels = v.get("runs-on").map(Node::strings).unwrap_or_default();
    let runs_on = v.get("runs-on");
    let mut r = if runner_axis(v).is_some() || crate::matrix::github_runner_axis(v).is_some() {
        // The matrix's runner axis (see `strategy`).
        "Runner::linux()".to_string()
    } else if runs_on.is_some_and(|n| matches!(n, Node::Map(..)) || n.strings().iter().any(|l| l.contains("${{"))) {
        cx.hatch(
            "runs-on chosen by an expression or a runner group",
            Target::Job(id.into(), "runs-on".into()),
            runs_on.unwrap_or(v),
        );
        "Runner::linux()".to_string()
    } else if labels == ["ubuntu-24.04"] || labels == ["ubuntu-latest"] {
        "Runner::linux()".to_string()
    } else if labels == ["ubuntu-24.04-arm"] {
        "Runner::linux_arm64()".to_string()
    } else if let Some(hosted) = hosted_runner(&labels) {
        // The hosted labels the generator writes for macOS and Windows (keeps the runner's OS,
        // which the steps' shells are checked against).
        hosted.to_string()
    } else if labels.first().map(String::as_str) == Some("self-hosted") {
        format!(
            "Runner::pool([{}])",
            labels[1..].iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
        )
    } else {
        format!(
            "Runner::labels([{}])",
            labels.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ")
        )
    };
    if let Some(c) = v.get("container") {
        let image = c.str().or_else(|| {
            if c.entries().len() == 1 {
                c.get("image").and_then(Node::str)
            } else {
                None
            }
        });
        match image {
            Some(i) if !i.contains("${{") => {
                let _ = write!(r, ".image({})", lit(i));
            }
            _ => cx.hatch(
                "a container with options, credentials or an expression",
                Target::Job(id.into(), "container".into()),
                c,
            ),
        }
    }
    if r != "Runner::linux()" {
        let _ = write!(j, "\n.runner({r})");
    }
}

/// Whether `node` (or a node under it, but `skip`) mentions `needle`.
fn mentions(node: &Node, needle: &str, skip: Option<&Node>) -> bool {
    if skip.is_some_and(|s| std::ptr::eq(s, node)) {
        return false;
    }
    match node {
        Node::Scalar(t, ..) => t.contains(needle),
        Node::Seq(items, ..) => items.iter().any(|i| mentions(i, needle, skip)),
        Node::Map(entries, _) => entries
            .iter()
            .any(|(k, v)| mentions(k, needle, skip) || mentions(v, needle, skip)),
    }
}

/// `runs-on: ${{ matrix.X }}` over hosted labels, `X` read nowhere else in the job: the
/// matrix's runner axis (its name and runners).
fn runner_axis(job: &Node) -> Option<(String, Vec<String>)> {
    let runs_on = job.get("runs-on")?;
    let axis = runs_on
        .str()?
        .trim()
        .strip_prefix("${{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("matrix.")?
        .to_string();
    let matrix = job.get("strategy")?.get("matrix")?;
    let mut runners: Vec<String> = Vec::new();
    for label in matrix.get(&axis)?.items() {
        let r = match label.str()? {
            "ubuntu-latest" | "ubuntu-24.04" => "Runner::linux()",
            "ubuntu-24.04-arm" => "Runner::linux_arm64()",
            "macos-latest" => "Runner::macos()",
            "windows-latest" => "Runner::windows()",
            _ => return None,
        };
        if runners.iter().any(|x| x == r) {
            return None;
        }
        runners.push(r.to_string());
    }
    let elsewhere = mentions(job, &format!("matrix.{axis}"), Some(runs_on))
        || ["include", "exclude"]
            .iter()
            .any(|k| matrix.get(k).is_some_and(|n| mentions(n, &axis, None)));
    (!elsewhere && !runners.is_empty()).then_some((axis, runners))
}

fn strategy(cx: &mut Ctx<'_>, id: &str, job: &Node, s: &Node, j: &mut String) {
    let axis = runner_axis(job);
    let mut m = "Matrix::new()".to_string();
    let mut ok = s
        .entries()
        .iter()
        .all(|(k, _)| matches!(k.str(), Some("matrix" | "fail-fast" | "max-parallel")));
    if let Some(cells) = crate::matrix::github_runner_axis(job) {
        // The library's runner axis, cell by cell.
        m = cells;
    } else if let Some(matrix) = s.get("matrix") {
        for (k, v) in matrix.entries() {
            match v {
                _ if axis.as_ref().is_some_and(|(a, _)| k.str() == Some(a)) => {
                    let runners = axis.as_ref().map(|(_, r)| r.join(", ")).unwrap_or_default();
                    let _ = write!(m, ".runners([{runners}])");
                }
                Node::Seq(items, ..) if items.iter().all(|i| matches!(i, Node::Scalar(..))) => {
                    let vals = v.strings().iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ");
                    let _ = write!(m, ".axis({}, [{vals}])", lit(k.str().unwrap_or_default()));
                }
                // Cells added or removed: each entry a mapping of scalar values.
                Node::Seq(items, ..)
                    if matches!(k.str(), Some("include" | "exclude"))
                        && items.iter().all(|i| {
                            matches!(i, Node::Map(..))
                                && i.entries().iter().all(|(k, v)| {
                                    // A matrix value name: letters, digits and `_`.
                                    k.str().is_some_and(|k| {
                                        !k.starts_with(|c: char| c.is_ascii_digit())
                                            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                                    }) && v.str().is_some_and(|t| !t.contains("${{"))
                                })
                        }) =>
                {
                    for item in items {
                        let pairs: Vec<String> = item
                            .entries()
                            .iter()
                            .map(|(ik, iv)| {
                                format!(
                                    "({}, {})",
                                    lit(ik.str().unwrap_or_default()),
                                    lit(iv.str().unwrap_or_default())
                                )
                            })
                            .collect();
                        let _ = write!(m, ".{}([{}])", k.str().unwrap_or_default(), pairs.join(", "));
                    }
                }
                _ if matches!(k.str(), Some("include" | "exclude")) => ok = false,
                _ => {
                    return cx.hatch(
                        "a matrix with non-scalar values or an expression",
                        Target::Job(id.into(), "strategy".into()),
                        s,
                    );
                }
            }
        }
    } else {
        ok = false;
    }
    match s.get("fail-fast").and_then(Node::str) {
        Some(b @ ("true" | "false")) => {
            let _ = write!(m, ".fail_fast({b})");
        }
        None => {}
        Some(_) => ok = false,
    }
    if let Some(n) = s.get("max-parallel") {
        match n.str().and_then(|s| s.parse::<u32>().ok()) {
            Some(n) => {
                let _ = write!(m, ".max_parallel({n})");
            }
            None => ok = false,
        }
    }
    if m != "Matrix::new()" {
        let _ = write!(j, "\n.matrix({m})");
    }
    if !ok {
        cx.hatch(
            "a matrix with include/exclude, non-scalar values or an expression",
            Target::Job(id.into(), "strategy".into()),
            s,
        );
    }
}

fn service(name: &str, s: &Node) -> Option<String> {
    let image = s.str().or_else(|| s.get("image").and_then(Node::str))?;
    if image.contains("${{")
        || s.entries()
            .iter()
            .any(|(k, _)| !matches!(k.str(), Some("image" | "env" | "ports")))
    {
        return None;
    }
    let mut code = format!("Service::new({}, {})", lit(name), lit(image));
    for (k, v) in s.get("env").map(Node::entries).unwrap_or_default() {
        let _ = write!(code, ".env({}, {})", lit(k.str()?), expr::value(v.str()?).ok()?);
    }
    for p in s.get("ports").map(Node::strings).unwrap_or_default() {
        let (host, container) = p.split_once(':').unwrap_or((&p, &p));
        if host != container {
            return None;
        }
        let _ = write!(code, ".port({})", container.parse::<u16>().ok()?);
    }
    Some(code)
}

/// `.permission(..)` calls for a permissions mapping; `None` when it has no typed form.
fn permissions(p: &Node) -> Option<String> {
    let mut code = String::new();
    if let Node::Map(entries, _) = p {
        for (k, v) in entries {
            let scope = match k.str()? {
                "actions" => "Actions",
                "attestations" => "Attestations",
                "checks" => "Checks",
                "contents" => "Contents",
                "deployments" => "Deployments",
                "id-token" => "IdToken",
                "issues" => "Issues",
                "packages" => "Packages",
                "pull-requests" => "PullRequests",
                "security-events" => "SecurityEvents",
                "statuses" => "Statuses",
                _ => return None,
            };
            let access = match v.str()? {
                "read" => "Read",
                "write" => "Write",
                "none" => continue,
                _ => return None,
            };
            let _ = write!(code, ".permission(Permission::{scope}, Access::{access})");
        }
        return Some(code);
    }
    None
}

/// A step whose `uses:` names an action by tag, pinned to the library's pin of that action (a
/// commit SHA, the release as a comment), as every generated workflow pins its actions.
fn repin(step: &Node) -> Node {
    let Node::Map(entries, pos) = step else {
        return step.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| match (k.str(), v) {
            (Some("uses"), Node::Scalar(text, plain, _, p)) => {
                let pinned = text.split_once('@').and_then(|(name, reference)| {
                    let sha = reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
                    if sha { None } else { pins::find(name) }
                });
                match pinned {
                    Some((name, sha, version)) => (
                        k.clone(),
                        Node::Scalar(format!("{name}@{sha}"), *plain, Some(format!("!pinned:{version}")), *p),
                    ),
                    None => (k.clone(), v.clone()),
                }
            }
            _ => (k.clone(), v.clone()),
        })
        .collect();
    Node::Map(entries, *pos)
}
