//! What a docs page shows, computed from the portable model: the values the template lays out.
//! Strings here are plain text; the template escapes each for where it lands.

use std::collections::BTreeSet;

use pipeline_core::diagnostic::{Diagnostics, Segment, Severity};
use pipeline_core::runner::{Arch, Size};
use pipeline_core::{Condition, Expr, InputKind, Job, JobRole, Pipeline, RenderContext, StepKind};
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct Page {
    header: Vec<String>,
    id: String,
    name: String,
    triggers: Vec<String>,
    /// The triggers in the diagram's start node: plain text, without the backticks that mark
    /// code in the list.
    start: String,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Mermaid class name to the nodes drawn with it.
    classes: Vec<(&'static str, Vec<String>)>,
    jobs: Vec<JobRow>,
    matrices: Vec<MatrixRow>,
    caches: Vec<CacheRow>,
    artifacts: Vec<ArtifactRow>,
    environments: Vec<EnvRow>,
    inputs: Vec<InputRow>,
    secrets: Vec<String>,
    variables: Vec<String>,
    notices: Vec<Note>,
}

/// A node of the Mermaid graph: a job or an approval gate.
#[derive(Serialize)]
struct Node {
    id: String,
    open: &'static str,
    close: &'static str,
    /// Label lines (joined with `<br/>`).
    lines: Vec<String>,
}

/// An edge of the Mermaid graph.
#[derive(Serialize)]
struct Edge {
    from: String,
    to: String,
    dotted: bool,
    label: Option<String>,
}

#[derive(Serialize)]
struct JobRow {
    id: String,
    name: Option<String>,
    needs: Vec<String>,
    runner: RunnerView,
    /// The matrix's axes and its number of runs.
    matrix: Option<(Vec<String>, String)>,
    caches: Vec<String>,
    uploads: Vec<String>,
    downloads: Vec<String>,
    environment: Option<String>,
    approval: bool,
    rollback: bool,
    condition: String,
    timeout: u32,
}

/// Where a job runs, named the same way on every page: `hosted Linux x64, 2 vCPU` or the
/// self-hosted pool and the GitHub runner labels, then the container image.
#[derive(Serialize)]
struct RunnerView {
    machine: String,
    pool: Vec<String>,
    labels: Vec<String>,
    image: Option<String>,
}

#[derive(Serialize)]
struct MatrixRow {
    job: String,
    axes: Vec<(String, Vec<String>)>,
    runs: usize,
    details: Vec<String>,
}

#[derive(Serialize)]
struct CacheRow {
    job: String,
    key: String,
    key_files: Vec<String>,
    paths: Vec<String>,
}

#[derive(Serialize)]
struct ArtifactRow {
    name: String,
    job: String,
    paths: Vec<String>,
    retention: Option<u32>,
    /// `(job, path)` of each download.
    used_by: Vec<(String, String)>,
}

#[derive(Serialize)]
struct EnvRow {
    name: String,
    tier: &'static str,
    url: Option<String>,
    jobs: Vec<String>,
    approval: bool,
    instructions: Option<String>,
    review_url: Option<String>,
    rollbacks: Vec<String>,
}

#[derive(Serialize)]
struct InputRow {
    name: String,
    description: String,
    kind: &'static str,
    default: String,
}

#[derive(Serialize)]
struct Note {
    platform: &'static str,
    message: String,
    hint: Option<String>,
}

/// A value as the docs show it: literals as they are, references by what they are.
fn describe(e: &Expr) -> String {
    e.render(|part| match part {
        Expr::Literal(s) => s.clone(),
        Expr::Builtin(b) => format!("<{}>", b.name()),
        Expr::Secret(s) => format!("<secret {s}>"),
        Expr::Input(i) => format!("<input {i}>"),
        Expr::Output(o) => format!("<output {} of {}>", o.name, o.job),
        Expr::StepOutput(o) => format!("<output {} of step {}>", o.name, o.step),
        Expr::Matrix(a) => format!("<matrix {a}>"),
        Expr::Var(v) => format!("<variable {v}>"),
        Expr::Token(t) if t.scopes.is_empty() => "<platform token>".to_owned(),
        Expr::Token(t) => {
            let scopes: Vec<String> = t
                .scopes
                .iter()
                .map(|(p, a)| format!("{}: {}", p.key(), a.as_str()))
                .collect();
            format!("<platform token {}>", scopes.join(", "))
        }
        Expr::Concat(parts) => parts.iter().map(describe).collect(),
    })
}

/// The machine part of a runner's name.
fn machine(job: &Job) -> String {
    let arch = match job.runner.arch {
        Arch::X64 => "x64",
        Arch::Arm64 => "ARM64",
    };
    let size = match job.runner.size {
        Size::Small => "2 vCPU",
        Size::Medium => "4-8 vCPU",
        Size::Large => "8+ vCPU",
    };
    format!("hosted Linux {arch}, {size}")
}

/// How the job's condition relates it to the jobs it needs: after a failure, always, or (the
/// default) after their success.
fn status(condition: Option<&Condition>) -> Option<&'static str> {
    let c = condition?;
    let mut failure = false;
    let mut always = false;
    match c.to_nnf() {
        Condition::And(cs) => {
            failure = cs.contains(&Condition::Failure);
            always = cs.contains(&Condition::Always);
        }
        Condition::Failure => failure = true,
        Condition::Always => always = true,
        _ => {}
    }
    if failure {
        Some("on failure")
    } else if always {
        Some("always")
    } else {
        None
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Page {
    pub(super) fn new(p: &Pipeline, ctx: &RenderContext, notes: &Diagnostics) -> Self {
        let node = |i: usize| format!("j{}", i + 1);
        let index = |id: &str| p.jobs.iter().position(|j| j.id == id);
        // Artifact name -> (index of the job that uploads it).
        let producer = |name: &str| {
            p.jobs.iter().position(|j| {
                j.steps
                    .iter()
                    .any(|s| matches!(&s.kind, StepKind::Upload(u) if u.artifact == name))
            })
        };

        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut deploy_nodes = Vec::new();
        let mut approval_nodes = Vec::new();
        let mut rollback_nodes = Vec::new();
        let mut jobs = Vec::new();
        let mut matrices = Vec::new();
        let mut caches = Vec::new();
        let mut artifacts: Vec<ArtifactRow> = Vec::new();
        for (i, j) in p.jobs.iter().enumerate() {
            let approval = j.environment.as_ref().is_some_and(|e| e.requires_approval());
            let rollback = is_rollback(p, j);
            let mut lines = vec![j.name.clone().unwrap_or_else(|| j.id.to_string())];
            let (open, close) = if j.environment.is_some() {
                ("[[", "]]")
            } else {
                ("[", "]")
            };
            if let Some(e) = &j.environment {
                lines.push(format!("env: {}", e.name));
                // A rollback runs under its deploy's environment but is drawn as a rollback.
                if !rollback {
                    deploy_nodes.push(node(i));
                }
            }
            if rollback {
                lines.push("rollback".into());
                rollback_nodes.push(node(i));
            }
            let matrix = j.matrix.as_ref().filter(|m| !m.axes.is_empty()).map(|m| {
                let runs = m.cells().len();
                let axes: Vec<&str> = m.axes.keys().map(String::as_str).collect();
                let mut details = Vec::new();
                if let Some(n) = m.max_parallel {
                    details.push(format!("at most {n} at once"));
                }
                match m.fail_fast {
                    Some(true) => details.push("one failure cancels the others".into()),
                    Some(false) => details.push("the others go on when one fails".into()),
                    None => {}
                }
                matrices.push(MatrixRow {
                    job: j.id.to_string(),
                    axes: m.axes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    runs,
                    details,
                });
                lines.push(format!(
                    "matrix: {} ({})",
                    axes.join(" × "),
                    plural(runs, "run", "runs")
                ));
                (
                    axes.iter().map(|a| (*a).to_owned()).collect(),
                    plural(runs, "run", "runs"),
                )
            });
            let mut job_caches = Vec::new();
            let mut uploads = Vec::new();
            let mut downloads = Vec::new();
            for s in &j.steps {
                match &s.kind {
                    StepKind::Cache(c) => {
                        job_caches.push(c.key_prefix.clone());
                        caches.push(CacheRow {
                            job: j.id.to_string(),
                            key: c.key_prefix.clone(),
                            key_files: c.key_files.clone(),
                            paths: c.paths.clone(),
                        });
                    }
                    StepKind::Upload(u) => {
                        uploads.push(u.artifact.to_string());
                        artifacts.push(ArtifactRow {
                            name: u.artifact.to_string(),
                            job: j.id.to_string(),
                            paths: u.paths.clone(),
                            retention: u.retention_days,
                            used_by: Vec::new(),
                        });
                    }
                    StepKind::Download(d) => downloads.push((d.artifact.to_string(), d.path.clone())),
                    _ => {}
                }
            }
            if !job_caches.is_empty() {
                lines.push(format!("cache: {}", job_caches.join(", ")));
            }
            if !uploads.is_empty() {
                lines.push(format!("artifacts: {}", uploads.join(", ")));
            }
            // An approval is a gate between the jobs it needs and the job.
            let target = if approval {
                let gate = format!("a{}", i + 1);
                let env = j.environment.as_ref().map(|e| e.name.to_string()).unwrap_or_default();
                nodes.push(Node {
                    id: gate.clone(),
                    open: "{{",
                    close: "}}",
                    lines: vec!["manual approval".into(), env],
                });
                approval_nodes.push(gate.clone());
                gate
            } else {
                node(i)
            };
            nodes.push(Node {
                id: node(i),
                open,
                close,
                lines,
            });
            let how = status(j.condition.as_ref());
            if j.needs.is_empty() {
                edges.push(Edge {
                    from: "start".into(),
                    to: target.clone(),
                    dotted: false,
                    label: None,
                });
            }
            // Artifacts from a direct need label that edge; from further up, their own edge.
            let mut carried: Vec<(usize, Vec<String>)> = Vec::new();
            for (name, _) in &downloads {
                if let Some(k) = producer(name) {
                    match carried.iter_mut().find(|(c, _)| *c == k) {
                        Some((_, names)) => names.push(name.clone()),
                        None => carried.push((k, vec![name.clone()])),
                    }
                }
            }
            for need in &j.needs {
                let Some(k) = index(need.as_str()) else { continue };
                let mut label: Vec<String> = how.map(str::to_owned).into_iter().collect();
                let optional = j.is_optional_need(need.as_str());
                if optional {
                    label.push("if it runs".to_owned());
                }
                if let Some(pos) = carried.iter().position(|(c, _)| *c == k) {
                    label.push(carried.remove(pos).1.join(", "));
                }
                edges.push(Edge {
                    from: node(k),
                    to: target.clone(),
                    dotted: how.is_some() || optional,
                    label: (!label.is_empty()).then(|| label.join(": ")),
                });
            }
            for (k, names) in carried {
                edges.push(Edge {
                    from: node(k),
                    to: target.clone(),
                    dotted: true,
                    label: Some(names.join(", ")),
                });
            }
            if target != node(i) {
                edges.push(Edge {
                    from: target.clone(),
                    to: node(i),
                    dotted: false,
                    label: None,
                });
            }
            let downloads = downloads
                .into_iter()
                .map(|(name, path)| {
                    if let Some(row) = artifacts.iter_mut().find(|a| a.name == name) {
                        row.used_by.push((j.id.to_string(), path));
                    }
                    name
                })
                .collect();
            jobs.push(JobRow {
                id: j.id.to_string(),
                name: j.name.clone(),
                needs: j
                    .needs
                    .iter()
                    .map(|n| match j.is_optional_need(n.as_str()) {
                        true => format!("{n} (optional)"),
                        false => n.to_string(),
                    })
                    .collect(),
                runner: RunnerView {
                    machine: machine(j),
                    pool: j.runner.pool.clone(),
                    labels: j.runner.labels.clone(),
                    image: j.runner.image.clone(),
                },
                matrix,
                caches: job_caches,
                uploads,
                downloads,
                environment: j.environment.as_ref().map(|e| e.name.to_string()),
                approval,
                rollback,
                condition: j
                    .condition
                    .as_ref()
                    .map(|c| c.to_string().replace("an earlier job failed", "a job it needs failed"))
                    .unwrap_or_else(|| "the jobs it needs succeeded".into()),
                timeout: p.timeout_of(j),
            });
        }
        let (secrets, variables) = secrets_and_variables(p);
        let classes = [
            ("deploy", deploy_nodes),
            ("approval", approval_nodes),
            ("rollback", rollback_nodes),
        ]
        .into_iter()
        .filter(|(_, nodes)| !nodes.is_empty())
        .collect();
        Page {
            header: ctx.header.lines().to_vec(),
            id: p.id.to_string(),
            name: p.name.clone(),
            triggers: p.triggers.iter().map(ToString::to_string).collect(),
            start: p
                .triggers
                .iter()
                .map(|t| t.to_string().replace('`', ""))
                .collect::<Vec<_>>()
                .join(" · "),
            nodes,
            edges,
            classes,
            jobs,
            matrices,
            caches,
            artifacts,
            environments: environments(p),
            inputs: inputs(p),
            secrets,
            variables,
            notices: notices(p, notes),
        }
    }
}

/// Whether `j` undoes a failed deployment: marked as a rollback, or run on the failure of a job
/// that deploys.
fn is_rollback(p: &Pipeline, j: &Job) -> bool {
    j.has_role(&JobRole::ROLLBACK)
        || (status(j.condition.as_ref()) == Some("on failure")
            && j.needs
                .iter()
                .any(|n| p.find_job(n.as_str()).is_some_and(|d| d.environment.is_some())))
}

/// Each environment once, with the jobs that deploy to it and roll it back.
fn environments(p: &Pipeline) -> Vec<EnvRow> {
    let mut environments: Vec<EnvRow> = Vec::new();
    for j in &p.jobs {
        let Some(e) = &j.environment else { continue };
        // A rollback runs under the environment it restores; it is listed as rolling it back,
        // not as deploying it.
        if is_rollback(p, j) {
            continue;
        }
        let rollbacks = p
            .jobs
            .iter()
            .filter(|r| is_rollback(p, r) && r.needs.contains(&j.id))
            .map(|r| r.id.to_string());
        match environments.iter_mut().find(|r| r.name == e.name.as_str()) {
            Some(row) => {
                row.jobs.push(j.id.to_string());
                row.rollbacks.extend(rollbacks);
            }
            None => environments.push(EnvRow {
                name: e.name.to_string(),
                tier: e.tier.as_str(),
                url: e.url.as_ref().map(describe),
                jobs: vec![j.id.to_string()],
                approval: e.requires_approval(),
                instructions: e.approval.as_ref().and_then(|a| a.instructions.clone()),
                review_url: e.approval.as_ref().and_then(|a| a.review_url.clone()),
                rollbacks: rollbacks.collect(),
            }),
        }
    }
    environments
}

fn inputs(p: &Pipeline) -> Vec<InputRow> {
    p.inputs()
        .map(|i| InputRow {
            name: i.name.to_string(),
            description: i.description.clone(),
            kind: match &i.kind {
                InputKind::String { .. } => "text",
                InputKind::Choice { .. } => "choice",
                InputKind::Boolean { .. } => "yes/no",
            },
            default: i.default_string().unwrap_or_default(),
        })
        .collect()
}

/// The secrets and configuration variables the jobs read, sorted.
fn secrets_and_variables(p: &Pipeline) -> (Vec<String>, Vec<String>) {
    let mut secrets = BTreeSet::new();
    let mut variables = BTreeSet::new();
    for j in &p.jobs {
        for e in j.exprs() {
            secrets.extend(e.secrets().map(ToString::to_string));
            variables.extend(e.vars().map(ToString::to_string));
        }
        for s in &j.steps {
            if let StepKind::Action(a) = &s.kind {
                for v in a.with.values() {
                    secrets.extend(v.secrets().map(ToString::to_string));
                }
            }
        }
    }
    (secrets.into_iter().collect(), variables.into_iter().collect())
}

/// The notes (not errors) the platforms reported about this pipeline.
fn notices(p: &Pipeline, notes: &Diagnostics) -> Vec<Note> {
    notes
        .iter()
        .filter(|d| d.severity != Severity::Error)
        .filter(|d| matches!(d.path.segments().first(), Some(Segment::Pipeline(id)) if id == p.id.as_str()))
        .map(|d| {
            // A difference the pipeline accepts is documented as accepted, not as a to-do.
            let accepted = pipeline_core::semantics::Divergence::of_code(d.code)
                .filter(|div| d.severity == Severity::Warning && p.acknowledged.contains(div));
            match accepted {
                Some(div) => Note {
                    platform: d.platform.unwrap_or("all platforms"),
                    message: format!("{} (accepted: `{div}`)", d.message),
                    hint: None,
                },
                None => Note {
                    platform: d.platform.unwrap_or("all platforms"),
                    message: d.message.clone(),
                    hint: d.hint.clone(),
                },
            }
        })
        .collect()
}
