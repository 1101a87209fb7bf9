//! No value becomes code (issue 11): hazard strings put into every string field of the model
//! either are refused with a diagnostic (with a path and a hint) or reach the platform as a
//! literal, as each platform's own evaluator reads it:
//!
//! - GitHub: every `${{ … }}` template expression of every string of the workflow is scanned as
//!   GitHub's template reader scans it (string literals with `''` escapes); no live expression
//!   may mention the hazard's marker outside a string literal. actionlint checks the lot.
//! - GitLab: where GitLab or its runner expands variables (everything but scripts, job names,
//!   stages, descriptions and `rules: if`), no unescaped `$MARKER` / `${MARKER}` may occur; `$$`
//!   is an escape only in `variables:` values (GitLab keeps `$$` as is elsewhere).
//! - CodePipeline: no `#{MARKER` in an action configuration (where CodePipeline resolves
//!   variables), and no `${MARKER` in a `Fn::Sub` string.

use std::path::PathBuf;

use pipeline_core::prelude::*;
use pipeline_core::{Diagnostics, GeneratedFile, Severity};
use pipeline_tests::tools::{self, output};
use pipeline_tests::TempDir;
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};

/// The marker every hazard carries; a live reference to it is a finding.
const MARKER: &str = "PWNED";

/// Hazard strings: live syntax of each platform around the marker.
const HAZARDS: &[&str] = &[
    "${{ secrets.PWNED }}",
    "x${{ github.event.PWNED }}y",
    "$PWNED",
    "a${PWNED}b",
    "$$PWNED",
    "#{PWNED.x}",
    "#{variables.PWNED}",
    "${PWNED}#{PWNED}${{PWNED}}",
];

const SHA: &str = "8e8c483db84b4bee98b60c0593521ed34d9990e8";

/// A pipeline that uses every field once; `h` goes into the field named `field`.
fn pipeline(field: &str, h: &str) -> Pipeline {
    let pick = |name: &str, plain: &str| -> String { if field == name { h.to_owned() } else { plain.to_owned() } };
    let lit = |name: &str, plain: &str| -> Expr { Expr::lit(pick(name, plain)) };
    let mut input = Input::string("reason", pick("input.description", "why")).default_value(pick("input.default", "none"));
    if field == "input.name" {
        input = Input::string(h, "why");
    }
    let choice = Input::choice("target", pick("choice.description", "where"), ["eu", &pick("choice.option", "us")]);
    let mut push = Trigger::push()
        .branches(["main", &pick("push.branch", "feature/*")])
        .paths([pick("push.path", "src/**")]);
    // Tag pushes publish releases, where GitHub refuses caches: the tag field goes without one.
    let cache = Step::cache(Cache::new(pick("cache.key", "cargo"), [pick("cache.path", "target")]));
    let mut build_steps = vec![Step::checkout()];
    if field == "push.tag" {
        push = push.tags([h]);
    } else {
        build_steps.push(cache);
    }
    let build = Job::new(pick("job.id", "build"))
        .name(pick("job.name", "Build it"))
        .runner(Runner::labels(["ubuntu-24.04", &pick("runner.label", "linux")]).image(pick("runner.image", "rust:1.85")))
        .service(Service::new(pick("service.name", "db"), pick("service.image", "postgres:17")).env("POSTGRES_DB", lit("service.env", "app")))
        .env("JOB_VALUE", lit("job.env", "plain"))
        .env("PIECES", pieces(field == "job.env.pieces", h))
        .concurrency(Concurrency::new(lit("job.concurrency", "build-group")))
        .when(Condition::branch(pick("condition.branch", "main")) | Condition::input_equals("target", pick("condition.input", "eu")))
        .steps(build_steps)
        .step(
            Step::script("make")
                .name(pick("step.name", "Compile"))
                .working_directory(pick("step.working_directory", "src"))
                .env("STEP_VALUE", lit("step.env", "plain")),
        )
        .step(Step::set_output("version", "cat VERSION"))
        .step(Step::upload(pick("artifact.name", "app"), [pick("upload.path", "dist")]));
    let test = Job::new("test")
        .matrix(Matrix::new().axis("os", ["a", &pick("matrix.value", "b")]))
        .env("OS", Expr::matrix("os"))
        .step(Step::script("make test"));
    let deploy = Job::new("deploy")
        .needs(build.id.clone())
        .environment(
            Environment::new(pick("environment.name", "production"))
                .url(lit("environment.url", "https://example.com"))
                .approval(Approval::new().instructions(pick("approval.instructions", "check it"))),
        )
        .env("VERSION", build.output("version"))
        .step(Step::download_to(pick("artifact.name", "app"), pick("download.path", "dist")))
        .step(Step::assume_aws_role(
            AwsRole::new(lit("role.arn", "arn:aws:iam::123456789012:role/deploy"), pick("role.region", "eu-west-1"))
                .session_name(pick("role.session", "deploy")),
        ))
        .step(Step::action(
            ActionStep::new(Action::new("acme/notify", SHA, "v1.0.0")).with("message", lit("action.with", "deployed"))
                .fallback("echo deployed"),
        ));
    Pipeline::new(pick("pipeline.id", "p"))
        .name(pick("pipeline.name", "Delivery"))
        .on(push)
        .on(Trigger::pull_request().branches([pick("pr.branch", "main")]))
        .on(Trigger::manual().input(input).input(choice))
        .concurrency(Concurrency::new(lit("pipeline.concurrency", "delivery")))
        .env("PIPELINE_VALUE", lit("pipeline.env", "plain"))
        .job(build)
        .job(test)
        .job(deploy)
}

/// A value built from one-character literal pieces after a reference, so that no single piece
/// holds the hazard: escaping must look at the joined text.
fn pieces(hazard: bool, h: &str) -> Expr {
    if !hazard {
        return Expr::lit("plain");
    }
    let mut parts = vec![Expr::Builtin(Builtin::CommitSha)];
    parts.extend(h.chars().map(|c| Expr::Concat(vec![Expr::lit(c.to_string())])));
    Expr::Concat(parts)
}

/// Every field the sweep fills.
const FIELDS: &[&str] = &[
    "pipeline.id",
    "pipeline.name",
    "pipeline.env",
    "pipeline.concurrency",
    "push.branch",
    "push.tag",
    "push.path",
    "pr.branch",
    "input.name",
    "input.description",
    "input.default",
    "choice.description",
    "choice.option",
    "job.id",
    "job.name",
    "job.env",
    "job.env.pieces",
    "job.concurrency",
    "runner.label",
    "runner.image",
    "service.name",
    "service.image",
    "service.env",
    "matrix.value",
    "condition.branch",
    "condition.input",
    "step.name",
    "step.working_directory",
    "step.env",
    "cache.key",
    "cache.path",
    "artifact.name",
    "upload.path",
    "download.path",
    "environment.name",
    "environment.url",
    "approval.instructions",
    "role.arn",
    "role.region",
    "role.session",
    "action.with",
];

fn render(backend_name: &str, pipelines: Vec<Pipeline>) -> Result<Vec<GeneratedFile>, Diagnostics> {
    pipeline_tests::render(
        &pipeline_tests::PipelineSet {
            name: "hazards",
            pipelines,
        },
        backend_name,
    )
}

/// Every string scalar of a YAML document with the keys leading to it.
fn strings(node: &YamlOwned, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match node {
        YamlOwned::Value(ScalarOwned::String(s)) => out.push((path.clone(), s.clone())),
        YamlOwned::Sequence(items) => {
            for item in items {
                path.push("[]".into());
                strings(item, path, out);
                path.pop();
            }
        }
        YamlOwned::Mapping(entries) => {
            for (k, v) in entries {
                let key = match k {
                    YamlOwned::Value(ScalarOwned::String(s)) => s.clone(),
                    other => format!("{other:?}"),
                };
                // Keys are strings the platform reads too.
                out.push((path.clone(), key.clone()));
                path.push(key);
                strings(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn load(file: &GeneratedFile) -> Vec<(Vec<String>, String)> {
    let docs = YamlOwned::load_from_str(&file.contents)
        .unwrap_or_else(|e| panic!("{} does not parse: {e}\n{}", file.path.as_str(), file.contents));
    let mut out = Vec::new();
    for doc in &docs {
        strings(doc, &mut Vec::new(), &mut out);
    }
    out
}

/// The live template expressions of a GitHub string, as GitHub's template reader finds them:
/// `${{` opens one, the first `}}` outside a `'…'` string literal closes it. Returns each
/// expression's text with its string literals removed, and the string as evaluated when every
/// expression is a single string literal (`None` otherwise).
fn github_expressions(s: &str) -> (Vec<String>, Option<String>) {
    let mut live = Vec::new();
    let mut evaluated = Some(String::new());
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        if let Some(e) = evaluated.as_mut() {
            e.push_str(&rest[..start]);
        }
        let body = &rest[start + 3..];
        let mut code = String::new();
        let mut literals: Vec<String> = Vec::new();
        let mut chars = body.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    let mut lit = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '\'')) if matches!(chars.peek(), Some((_, '\''))) => {
                                chars.next();
                                lit.push('\'');
                            }
                            Some((_, '\'')) | None => break,
                            Some((_, c)) => lit.push(c),
                        }
                    }
                    code.push_str("''");
                    literals.push(lit);
                }
                '}' if matches!(chars.peek(), Some((_, '}'))) => {
                    end = Some(i + 2);
                    break;
                }
                c => code.push(c),
            }
        }
        let Some(end) = end else {
            // An unterminated expression is a parse error on GitHub: report it as live.
            live.push(body.to_owned());
            return (live, None);
        };
        let single_literal = code.trim() == "''" && literals.len() == 1;
        match (evaluated.as_mut(), single_literal) {
            (Some(e), true) => e.push_str(&literals[0]),
            _ => evaluated = None,
        }
        live.push(code);
        rest = &body[end..];
    }
    if let Some(e) = evaluated.as_mut() {
        e.push_str(rest);
    }
    (live, evaluated)
}

/// Findings on a GitHub workflow: a live expression naming the marker. An `if:` is itself one
/// expression when it does not use `${{`; then its code outside string literals must not name it.
fn github_findings(file: &GeneratedFile) -> Vec<String> {
    let mut findings = Vec::new();
    for (path, s) in load(file) {
        let (live, _) = github_expressions(&s);
        for code in live {
            if code.contains(MARKER) {
                findings.push(format!("{}: live expression {code:?} in {s:?}", path.join(".")));
            }
        }
        if path.last().is_some_and(|k| k == "if") && !s.contains("${{") {
            let (code, _) = github_expressions(&["${{ ", s.as_str(), " }}"].concat());
            if code.iter().any(|c| c.contains(MARKER)) {
                findings.push(format!("{}: condition code names the marker: {s:?}", path.join(".")));
            }
        }
    }
    findings
}

/// Keys whose strings GitLab never expands (or which the shell reads: scripts quote literals).
fn gitlab_unexpanded(path: &[String]) -> bool {
    let last = path.last().map(String::as_str).unwrap_or_default();
    path.len() <= 1 // job names and top-level keys
        || matches!(last, "script" | "before_script" | "after_script" | "stage" | "stages" | "description" | "if" | "manual_confirmation")
        || path.iter().any(|k| matches!(k.as_str(), "script" | "before_script" | "after_script" | "stages" | "rules"))
}

/// Whether `s` references the marker as a variable: `$MARKER` or `${MARKER` after an odd run of
/// `$` (an even run is escaped `$$` followed by text) when `dollar_escapes`, after any run when not.
fn gitlab_references_marker(s: &str, dollar_escapes: bool) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i;
            while i < bytes.len() && bytes[i] == b'$' {
                i += 1;
            }
            let run = i - start;
            let rest = &s[i..];
            let names_marker = rest.starts_with(MARKER) || rest.starts_with(&["{", MARKER].concat());
            if names_marker && (!dollar_escapes || run % 2 == 1) {
                return true;
            }
        } else {
            i += 1;
        }
    }
    false
}

fn gitlab_findings(file: &GeneratedFile) -> Vec<String> {
    let mut findings = Vec::new();
    for (path, s) in load(file) {
        if gitlab_unexpanded(&path) {
            continue;
        }
        // `variables:` values (and a manual variable's `value`/`options`) take `$$` as an escape.
        let in_variables = path.iter().any(|k| k == "variables");
        if gitlab_references_marker(&s, in_variables) {
            findings.push(format!("{}: {s:?} expands a variable", path.join(".")));
        }
    }
    findings
}

fn codepipeline_findings(file: &GeneratedFile) -> Vec<String> {
    let mut findings = Vec::new();
    for (path, s) in load(file) {
        // CodePipeline resolves `#{…}` in action configurations only (a buildspec, a description
        // or a trigger filter is not resolved).
        let configuration = path.iter().any(|k| k.eq_ignore_ascii_case("configuration"));
        if configuration && s.contains(&["#{", MARKER].concat()) {
            findings.push(format!("{}: {s:?} holds a live CodePipeline variable", path.join(".")));
        }
        let in_sub = path.iter().any(|k| k == "Fn::Sub");
        if in_sub && s.contains(&["${", MARKER].concat()) {
            findings.push(format!("{}: {s:?} is substituted by Fn::Sub", path.join(".")));
        }
    }
    findings
}

fn findings(backend_name: &str, files: &[GeneratedFile]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.path.as_str().ends_with(".yml") || f.path.as_str().ends_with(".yaml") || f.path.as_str().ends_with(".json"))
        .flat_map(|f| match backend_name {
            "github" => github_findings(f),
            "gitlab" => gitlab_findings(f),
            "codepipeline" => codepipeline_findings(f),
            _ => Vec::new(),
        })
        .collect()
}

const BACKENDS: [&str; 3] = ["github", "gitlab", "codepipeline"];

/// The base pipeline renders on every backend: the sweep tests the hazards, not the fixture.
#[test]
fn the_base_pipeline_renders_everywhere() {
    for b in BACKENDS {
        let files = render(b, vec![pipeline("none", "")]).unwrap_or_else(|d| panic!("{b}:\n{d}"));
        assert!(findings(b, &files).is_empty());
    }
}

/// Each hazard in each field on each backend: refused with an error that has a path and a hint,
/// or emitted so that the platform sees a literal.
#[test]
fn every_hazard_in_every_field_is_refused_or_literal() {
    let mut problems = Vec::new();
    let mut accepted = 0;
    let dir = TempDir::new("hazards");
    let mut workflows: Vec<PathBuf> = Vec::new();
    for b in BACKENDS {
        for field in FIELDS {
            for hazard in HAZARDS {
                match render(b, vec![pipeline(field, hazard)]) {
                    Ok(files) => {
                        accepted += 1;
                        for f in findings(b, &files) {
                            problems.push(format!("{b} {field} {hazard:?}: {f}"));
                        }
                        if b == "github" {
                            for file in files.iter().filter(|f| f.path.as_str().ends_with(".yml")) {
                                let path = dir.path().join(format!("{}-{}.yml", workflows.len(), field.replace('.', "-")));
                                std::fs::write(&path, &file.contents).expect("write");
                                workflows.push(path);
                            }
                        }
                    }
                    Err(d) => {
                        let errors: Vec<_> = d.iter().filter(|d| d.severity == Severity::Error).collect();
                        if errors.is_empty() {
                            problems.push(format!("{b} {field} {hazard:?}: refused without an error"));
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} finding(s):\n{}", problems.len(), problems.join("\n"));
    assert!(accepted > 50, "only {accepted} renders were accepted: the sweep would test nothing");
    // actionlint's expression checker reads every accepted workflow.
    if let (Some(shellcheck), Some(mut cmd)) = (tools::require("shellcheck"), tools::command("actionlint")) {
        // Hazards in runner labels are unknown labels to actionlint, which is right but beside the point.
        cmd.arg("-no-color").arg("-shellcheck").arg(shellcheck).args(["-ignore", "is unknown. available labels are"]).args(&workflows);
        let out = output(cmd);
        assert_eq!(out.code, 0, "{}", out.text());
    }
}
