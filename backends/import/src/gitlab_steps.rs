//! The library's own GitLab step lowering, read back into typed steps: each step is a `script:`
//! entry that writes the step's text to `$PIPELINE_STEPS/step-N.sh` and runs it with its own
//! bash (N: the step's place in the job, from 1), possibly in a subshell with its working
//! directory and environment; outputs are encoded into a dotenv report; AWS roles run in the job's
//! shell; uploads check their paths; GitLab itself clones (unless `GIT_STRATEGY: none`),
//! downloads the needed jobs' artifacts and restores caches, so those steps have no entry and
//! fill the numbers the entries skip.

use std::fmt::Write as _;

use crate::gitlab_values::{rule_if, value};
use crate::out::lit;
use crate::yaml::Node;
use pipeline_core::Shell;

const STEPS_DIR: &str = "PIPELINE_STEPS=\"$(mktemp -d)\"";
const RUN_PREFIX: &str = "bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-";
const RUN_SUFFIX: &str = ".sh\" < /dev/null";
const OUTPUTS_FILE: &str = ".pipeline-outputs.env";

/// A job output a generated job writes: its dotenv variable, the job and the output's name.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    pub(crate) dotenv: String,
    pub(crate) job: String,
    pub(crate) name: String,
}

/// The outputs job `id` writes (its set-output entries).
pub(crate) fn outputs(id: &str, job: &Node) -> Vec<Output> {
    let mut out = Vec::new();
    for entry in job.get("script").map(Node::strings).unwrap_or_default() {
        let Some(step) = parse_entry(&entry) else { continue };
        if let (Some(dotenv), Some((name, _))) = (&step.dotenv, set_output(&step.body)) {
            out.push(Output {
                dotenv: dotenv.clone(),
                job: id.to_string(),
                name,
            });
        }
    }
    out
}

/// The typed steps and job environment of a generated job.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// Each step's code (`Step::...`).
    pub(crate) steps: Vec<String>,
    /// Job environment entries that carry job outputs (decoded by the script's first entry).
    pub(crate) env: Vec<(String, String)>,
    /// The job's test reports (`TestReport::...`).
    pub(crate) reports: Option<String>,
}

/// One step entry of `script:`.
#[derive(Debug, Default)]
struct Entry {
    /// N of `step-N.sh`.
    index: usize,
    /// The step's text.
    body: String,
    /// `cd` of the subshell.
    dir: Option<String>,
    /// `export` of the subshell: name and value code.
    env: Vec<(String, String)>,
    /// The dotenv variable an output step writes.
    dotenv: Option<String>,
    /// Continue on error.
    continue_on_error: bool,
    /// The step's display name (the backend names a step in its messages).
    name: Option<String>,
    /// The shell test guarding the step (its condition).
    test: Option<String>,
}

/// `step "name"` (a step's description in the backend's messages) as the name; `step N`: none.
fn described(what: &str) -> Option<Option<String>> {
    let rest = what.strip_prefix("step ")?;
    if rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some(None);
    }
    let inner = rest.strip_prefix('"')?.strip_suffix('"')?;
    Some(Some(inner.replace("\\\"", "\"").replace("\\\\", "\\")))
}

/// A shell word the backend wrote (`'text'`, `"${NAME}"`, concatenated) as a GitLab value
/// (`text`, `${NAME}`, `$` doubled), given the decoded output variables.
fn shell_word(word: &str, decoded: &[(String, String)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = word;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r.find('\'')?;
            out.push_str(&r[..end].replace('$', "$$"));
            rest = &r[end + 1..];
            // `'\''`: a quote inside single quotes.
            if let Some(r) = rest.strip_prefix("\\'") {
                out.push('\'');
                rest = r.strip_prefix('\'').unwrap_or(r);
                if !r.starts_with('\'') {
                    return None;
                }
            }
        } else if let Some(r) = rest.strip_prefix("\"${") {
            let end = r.find("}\"")?;
            let name = &r[..end];
            match decoded.iter().find(|(v, _)| v == name) {
                Some((_, dotenv)) => out.push_str(&format!("${{{dotenv}}}")),
                None => out.push_str(&format!("${{{name}}}")),
            }
            rest = &r[end + 2..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// `export NAME=word` as the name and word.
fn export(line: &str) -> Option<(&str, &str)> {
    let (name, word) = line.strip_prefix("export ")?.split_once('=')?;
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        .then_some((name, word))
}

/// Parses a step entry (see the module docs); `None` for anything else.
fn parse_entry(entry: &str) -> Option<Entry> {
    if let Some(rest) = entry.strip_prefix("if ") {
        let (test, inner) = rest.split_once('\n')?;
        let test = test.strip_suffix("; then")?;
        let inner = inner.strip_suffix('\n').unwrap_or(inner).strip_suffix("fi")?;
        let mut e = parse_entry(inner)?;
        e.test = Some(test.to_string());
        return Some(e);
    }
    let rest = entry.strip_prefix("cat > \"$PIPELINE_STEPS/step-")?;
    let (n, rest) = rest.split_once(".sh\" <<'PIPELINE_SCRIPT'\n")?;
    let index: usize = n.parse().ok()?;
    let (body, run) = rest.split_once("\nPIPELINE_SCRIPT\n")?;
    let mut run = run.strip_suffix('\n').unwrap_or(run);
    let bash = format!("{RUN_PREFIX}{index}{RUN_SUFFIX}");
    let mut e = Entry {
        index,
        body: body.to_string(),
        ..Entry::default()
    };
    if let Some((r, what)) = run.rsplit_once(" ||\n  echo '") {
        let what = what.strip_suffix(" failed; continuing (continue on error)' >&2")?;
        e.name = described(&what.replace("'\\''", "'"))?;
        e.continue_on_error = true;
        run = r;
    }
    if run == bash {
        return Some(e);
    }
    if let Some(inner) = run
        .strip_prefix("(pipeline_encoded=\"$(")
        .and_then(|r| r.strip_suffix(&format!("\" >> \"$CI_PROJECT_DIR/{OUTPUTS_FILE}\")")))
    {
        let (chain, printf) = inner.split_once(")\" &&\n  printf '%s=%s\\n' ")?;
        let dotenv = printf.strip_suffix(" \"$pipeline_encoded")?;
        e.dotenv = Some(dotenv.to_string());
        return chain_parts(chain, &bash, &mut e).then_some(e);
    }
    let chain = run.strip_prefix('(')?.strip_suffix(')')?;
    chain_parts(chain, &bash, &mut e).then_some(e)
}

/// The `cd`/`export`/`bash` chain of a subshell.
fn chain_parts(chain: &str, bash: &str, e: &mut Entry) -> bool {
    let parts: Vec<&str> = chain.split(" &&\n  ").collect();
    let Some((last, init)) = parts.split_last() else {
        return false;
    };
    if *last != bash {
        return false;
    }
    for p in init {
        if let Some(dir) = p.strip_prefix("cd '").and_then(|d| d.strip_suffix('\'')) {
            e.dir = Some(dir.replace("'\\''", "'"));
        } else if let Some((name, word)) = export(p) {
            let Some(v) = shell_word(word, &[]) else { return false };
            e.env.push((name.to_string(), value(&v)));
        } else {
            return false;
        }
    }
    true
}

/// A set-output step's body: the output's name and command.
fn set_output(body: &str) -> Option<(String, String)> {
    let rest = body.strip_prefix("cat > \"${0%.sh}.command.sh\" <<'PIPELINE_COMMAND'\n")?;
    let (command, rest) = rest.split_once("\nPIPELINE_COMMAND\n")?;
    let name = rest.split_once("echo \"output ")?.1.split_once(" is larger than")?.0;
    Some((name.to_string(), command.to_string()))
}

/// A step with state (`exports_env`, `adds_path`): its own text and the state's builder calls.
/// Outputs of step state need the step's id, which the entry does not carry: not read.
fn state_step(body: &str) -> Option<(String, String)> {
    let rest =
        body.strip_prefix("pipeline_state=\"$(mktemp -d)\"\ncat > \"$pipeline_state/step.sh\" <<'PIPELINE_STEP'\n")?;
    let (text, rest) = rest.split_once("\nPIPELINE_STEP\n")?;
    let (env_loop, rest) = rest.split_once("done < \"$pipeline_state/env\"\n")?;
    let (output_loop, rest) = rest.split_once("done < \"$pipeline_state/output\"\n")?;
    let mut state = String::new();
    for line in env_loop.lines() {
        if let Some((name, _)) = line.trim_start().split_once("=*) printf 'export ") {
            let _ = write!(state, ".exports_env({})", lit(name));
        }
    }
    if output_loop
        .lines()
        .any(|l| l.contains("=*) printf '") && !l.trim_start().starts_with("*=*)"))
    {
        return None;
    }
    if !rest.contains("does not declare adds_path") {
        state.push_str(".adds_path()");
    }
    Some((text.to_string(), state))
}

/// A step guard the backend wrote (`[ "${CI_COMMIT_BRANCH:-}" = 'main' ] && ...`, `||` between
/// `{ ...; }` groups) as the condition; `None` for a test it does not write (job status tests).
fn guard(test: &str, axes: &[String]) -> Option<String> {
    let mut ors = Vec::new();
    for term in test.split(" || ") {
        let term = term
            .strip_prefix("{ ")
            .and_then(|t| t.strip_suffix("; }"))
            .unwrap_or(term);
        let mut ands = Vec::new();
        for lit_test in term.split(" && ") {
            ands.push(literal(lit_test, axes)?);
        }
        ors.push(if ands.len() == 1 {
            ands.remove(0)
        } else {
            format!("Condition::And(vec![{}])", ands.join(", "))
        });
    }
    Some(if ors.len() == 1 {
        ors.remove(0)
    } else {
        format!("Condition::Or(vec![{}])", ors.join(", "))
    })
}

/// One test of a guard.
fn literal(t: &str, axes: &[String]) -> Option<String> {
    let unquote = |v: &str| -> Option<String> { Some(v.strip_prefix('\'')?.strip_suffix('\'')?.replace("'\\''", "'")) };
    if let Some(rest) = t.strip_prefix("case \"${") {
        let (var, rest) = rest.split_once(":-}\" in ")?;
        let (pattern, rest) = rest.split_once(") ")?;
        let positive = match rest {
            "true ;; *) false ;; esac" => true,
            "false ;; *) true ;; esac" => false,
            _ => return None,
        };
        let (pattern, op) = match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
            (Some(p), _) if p.ends_with('*') && !p.is_empty() => (&p[..p.len() - 1], "contains"),
            (Some(p), _) => (p, "ends_with"),
            (None, Some(p)) => (p, "starts_with"),
            (None, None) => (pattern, "equals"),
        };
        let mut value = String::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('[') {
                let lower = r.chars().next()?;
                value.push(lower);
                rest = r.get(2..)?.strip_prefix(']')?;
            } else if rest.starts_with('\'') {
                let end = rest[1..].find('\'')? + 2;
                let mut end = end;
                while rest[end..].starts_with("\\''") {
                    end += 3 + rest[end + 3..].find('\'')? + 1;
                }
                value.push_str(&unquote(&rest[..end])?);
                rest = &rest[end..];
            } else {
                return None;
            }
        }
        let c = format!("{}.{op}({})", subject(var, axes), lit(&value));
        return Some(if positive { c } else { format!("!({c})") });
    }
    let inner = t.strip_prefix("[ ")?.strip_suffix(" ]")?;
    match inner {
        "-n \"${CI_COMMIT_TAG:-}\"" => return Some("Condition::tag()".into()),
        "-z \"${CI_COMMIT_TAG:-}\"" => return Some("!(Condition::tag())".into()),
        "\"${CI_MERGE_REQUEST_SOURCE_PROJECT_ID:-}\" != \"${CI_MERGE_REQUEST_PROJECT_ID:-}\"" => {
            return Some("Condition::fork()".into());
        }
        "\"${CI_MERGE_REQUEST_SOURCE_PROJECT_ID:-}\" = \"${CI_MERGE_REQUEST_PROJECT_ID:-}\"" => {
            return Some("!(Condition::fork())".into());
        }
        _ => {}
    }
    let rest = inner.strip_prefix("\"${")?;
    let (var, rest) = rest.split_once(":-}\" ")?;
    let (positive, value) = match rest.split_once(' ')? {
        ("=", v) => (true, unquote(v)?),
        ("!=", v) => (false, unquote(v)?),
        _ => return None,
    };
    let c = match var {
        "CI_COMMIT_BRANCH" => format!("Condition::branch({})", lit(&value)),
        "CI_PIPELINE_SOURCE" => format!(
            "Condition::event(Event::{})",
            match value.as_str() {
                "push" => "Push",
                "merge_request_event" => "PullRequest",
                "schedule" => "Schedule",
                "web" => "Manual",
                _ => return None,
            }
        ),
        "PIPELINE_FAILED" => return None,
        v => format!("Condition::input_equals({}, {})", lit(v), lit(&value)),
    };
    Some(if positive { c } else { format!("!({c})") })
}

/// An upload check's body: the artifact's name and paths (from each path's message).
fn upload_check(body: &str) -> Option<(String, Vec<String>)> {
    let rest = body.strip_prefix("shopt -s globstar nullglob dotglob\n")?;
    let mut name = None;
    let mut paths = Vec::new();
    for line in rest.lines() {
        let Some((_, msg)) = line.split_once("echo 'artifact ") else {
            continue;
        };
        let msg = msg.split_once(" matches no file' >&2")?.0.replace("'\\''", "'");
        let (n, path) = msg.split_once(": ")?;
        if name.get_or_insert_with(|| n.to_string()) != n {
            return None;
        }
        paths.push(path.to_string());
    }
    Some((name?, paths))
}

/// An AWS role entry (in the job's shell): the role's code.
fn aws_role(entry: &str) -> Option<String> {
    let rest = entry.strip_prefix("export AWS_REGION='")?;
    let (region, rest) = rest.split_once("' AWS_DEFAULT_REGION='")?;
    let rest = rest.strip_prefix(region)?.strip_prefix("'\n")?;
    let rest = rest.strip_prefix("aws_credentials=\"$(aws sts assume-role-with-web-identity \\\n  --role-arn ")?;
    let (arn, rest) = rest.split_once(" \\\n  --role-session-name ")?;
    let (session, rest) = rest.split_once(" \\\n  --web-identity-token \"$AWS_ID_TOKEN\" \\\n")?;
    let mut rest = rest;
    let mut duration = None;
    if let Some(r) = rest.strip_prefix("  --duration-seconds ") {
        let (d, r) = r.split_once(" \\\n")?;
        duration = Some(d.parse::<u32>().ok()?);
        rest = r;
    }
    let tail = "  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \\\n  --output text)\"\nexport AWS_ACCESS_KEY_ID=\"$(printf '%s' \"$aws_credentials\" | cut -f1)\"\nexport AWS_SECRET_ACCESS_KEY=\"$(printf '%s' \"$aws_credentials\" | cut -f2)\"\nexport AWS_SESSION_TOKEN=\"$(printf '%s' \"$aws_credentials\" | cut -f3)\"\nunset aws_credentials\n";
    if rest != tail {
        return None;
    }
    let arn = value(&shell_word(arn, &[])?);
    let mut role = format!("AwsRole::new({arn}, {})", lit(region));
    if session != "\"gitlab-${CI_PROJECT_ID}-${CI_PIPELINE_ID}\"" {
        let s = session.strip_prefix('\'')?.strip_suffix('\'')?;
        role.push_str(&format!(".session_name({})", lit(&s.replace("'\\''", "'"))));
    }
    if let Some(d) = duration {
        role.push_str(&format!(".duration_seconds({d})"));
    }
    Some(format!("Step::assume_aws_role({role})"))
}

/// The first entry: the steps directory, then the job environment that carries job outputs.
fn prologue(entry: &str, outputs: &[Output]) -> Option<Vec<(String, String)>> {
    let mut lines = entry.lines();
    if lines.next()? != STEPS_DIR {
        return None;
    }
    let mut decoded: Vec<(String, String)> = Vec::new();
    let mut env = Vec::new();
    for line in lines {
        if let Some(rest) = line.strip_prefix("printf -v ") {
            let (var, rest) = rest.split_once(" '%b' \"${")?;
            let dotenv = rest.strip_suffix("//%/\\\\x}\"")?;
            decoded.push((var.to_string(), dotenv.to_string()));
        } else if let Some((name, word)) = export(line) {
            let v = shell_word(word, &decoded)?;
            let mut code = value(&v);
            for o in outputs {
                let var = format!("Expr::var({})", lit(&o.dotenv));
                code = code.replace(
                    &var,
                    &format!("Expr::Output(OutputRef::new({}, {}))", lit(&o.job), lit(&o.name)),
                );
            }
            if code.contains("Expr::var(") && decoded.iter().any(|(_, d)| code.contains(&lit(d))) {
                return None;
            }
            env.push((name.to_string(), code));
        } else {
            return None;
        }
    }
    Some(env)
}

/// Reads a generated job's `script:` back into steps. `caches`: the job's caches as step code,
/// `downloads`: the artifacts it downloads, `upload`: its artifacts (an upload step when no
/// entry checks the uploaded paths, and the retention of the uploads), `checkout`: whether GitLab
/// clones. `None` when the script is not the library's.
pub(crate) fn decode(
    job: &Node,
    outputs: &[Output],
    checkout: Option<String>,
    downloads: &[String],
    caches: &[String],
    upload: Option<(Option<String>, String)>,
) -> Option<Decoded> {
    let script = job.get("script")?.strings();
    // Matrix axes (a step condition on one is a text test of its variable).
    let axes: Vec<String> = job
        .get("parallel")
        .and_then(|p| p.get("matrix"))
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .flat_map(|cell| cell.entries().iter().filter_map(|(k, _)| k.str().map(str::to_string)))
        .collect();
    let (first, rest) = script.split_first()?;
    let env = prologue(first, outputs)?;
    let mut placed: Vec<(usize, String)> = Vec::new();
    let mut upload_placed = false;
    let mut jobshell = Vec::new();
    for entry in rest {
        if let Some(mut e) = parse_entry(entry) {
            let mut code = if let Some((body, state)) = state_step(&e.body) {
                format!("Step::script({}){state}", lit(&body))
            } else if let Some((name, command)) = set_output(&e.body) {
                e.dotenv.as_ref()?;
                format!("Step::set_output({}, {})", lit(&name), lit(&command))
            } else if let Some((artifact, paths)) = upload_check(&e.body) {
                let (_, retention) = upload.as_ref()?;
                upload_placed = true;
                let paths: Vec<String> = paths.iter().map(|p| lit(p)).collect();
                format!(
                    "Step::from(Upload::new({}, [{}]){retention})",
                    lit(&artifact),
                    paths.join(", ")
                )
            } else if let Some((checkout, own)) = checkout_step(&e.body, &e.env) {
                e.env = own;
                checkout
            } else if let Some((shell, body)) = shell_step(&e.body) {
                format!("Step::script({}).shell(Shell::{shell:?})", lit(&body))
            } else {
                format!("Step::script({})", lit(&e.body))
            };
            if let Some(t) = &e.test {
                let _ = write!(code, ".when({})", guard(t, &axes)?);
            }
            if let Some(n) = &e.name {
                code.push_str(&format!(".name({})", lit(n)));
            }
            if e.continue_on_error {
                code.push_str(".continue_on_error()");
            }
            if let Some(d) = &e.dir {
                code.push_str(&format!(".working_directory({})", lit(d)));
            }
            for (k, v) in &e.env {
                code.push_str(&format!(".env({}, {v})", lit(k)));
            }
            // A job shell entry (an AWS role) before this one takes the first free number.
            for j in jobshell.drain(..).rev() {
                let free = (1..e.index).rev().find(|i| !placed.iter().any(|(p, _)| p == i))?;
                placed.push((free, j));
            }
            placed.push((e.index, code));
        } else if let Some(role) = aws_role(entry) {
            jobshell.push(role);
        } else if entry.starts_with("if [ -f \"$PIPELINE_STEPS/step-") && entry.contains(".state.sh\" ]; then . ") {
            // The job's shell reads the state the step before exported.
        } else {
            return None;
        }
    }
    let mut steps: Vec<(usize, String)> = placed;
    let highest = steps.iter().map(|(i, _)| *i).max().unwrap_or(0) + jobshell.len();
    let total = highest.max(steps.len() + jobshell.len());
    // The numbers no entry has: the clone, then downloads (of the needed jobs' uploads, as many
    // as fit), then caches.
    let gaps = total - steps.len() - jobshell.len();
    let mut fill: Vec<String> = checkout.into_iter().collect();
    let room = gaps.saturating_sub(fill.len() + caches.len());
    fill.extend(
        downloads
            .iter()
            .take(room)
            .map(|d| format!("Step::download({})", lit(d))),
    );
    fill.extend(caches.iter().cloned());
    let mut fill = fill.into_iter();
    let mut out = Vec::new();
    for i in 1..=total {
        if let Some(pos) = steps.iter().position(|(n, _)| *n == i) {
            out.push(steps.remove(pos).1);
        } else if let Some(j) = (!jobshell.is_empty()).then(|| jobshell.remove(0)) {
            out.push(j);
        } else {
            out.push(fill.next()?);
        }
    }
    out.extend(fill);
    if let (false, Some((Some(code), _))) = (upload_placed, upload) {
        out.push(code);
    }
    Some(Decoded {
        steps: out,
        env,
        reports: None,
    })
}

/// The library's `cache:` list as cache steps.
pub(crate) fn caches(c: &Node) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for item in c.items() {
        if item
            .entries()
            .iter()
            .any(|(k, _)| !matches!(k.str(), Some("key" | "paths" | "when")))
        {
            return None;
        }
        let paths: Vec<String> = item.get("paths")?.strings().iter().map(|p| lit(p)).collect();
        let mut code = match item.get("key")? {
            Node::Scalar(k, ..) => format!("Cache::new({}, [{}])", lit(k), paths.join(", ")),
            k => {
                let files: Vec<String> = k.get("files")?.strings().iter().map(|f| lit(f)).collect();
                let prefix = k.get("prefix")?.str()?;
                format!(
                    "Cache::new({}, [{}]).hash_files([{}])",
                    lit(prefix),
                    paths.join(", "),
                    files.join(", ")
                )
            }
        };
        code = format!("Step::cache({code})");
        code.push_str(when(item.get("when"))?);
        out.push(code);
    }
    Some(out)
}

/// A `when:` of a cache or artifacts as the step's condition.
fn when(w: Option<&Node>) -> Option<&'static str> {
    match w.and_then(Node::str) {
        None | Some("on_success") => Some(""),
        Some("always") => Some(".when(Condition::always())"),
        Some("on_failure") => Some(".when(Condition::failure())"),
        Some(_) => None,
    }
}

/// The library's `artifacts:` (uploads; a dotenv report carries outputs): the upload step when
/// no entry checks the paths (an upload on failure or always), and the retention of the uploads.
/// `Some(None)` for outputs only.
pub(crate) fn upload(a: &Node) -> Option<Option<(Option<String>, String)>> {
    if a.entries()
        .iter()
        .any(|(k, _)| !matches!(k.str(), Some("name" | "paths" | "expire_in" | "when" | "reports")))
    {
        return None;
    }
    if let Some(r) = a.get("reports") {
        if r.entries().len() != 1 || r.get("dotenv").and_then(Node::str) != Some(OUTPUTS_FILE) {
            return None;
        }
    }
    let Some(paths) = a.get("paths") else {
        return (a.entries().len() == 1).then_some(None);
    };
    let mut retention = String::new();
    if let Some(e) = a.get("expire_in").and_then(Node::str) {
        let days = e.strip_suffix(" days").or_else(|| e.strip_suffix(" day"))?;
        retention = format!(".retention_days({})", days.parse::<u32>().ok()?);
    }
    let step = a.get("name").and_then(Node::str).map(|name| {
        let paths: Vec<String> = paths.strings().iter().map(|p| lit(p)).collect();
        format!(
            "Step::from(Upload::new({}, [{}]){retention}){}",
            lit(name),
            paths.join(", "),
            when(a.get("when")).unwrap_or_default()
        )
    });
    Some(Some((step, retention)))
}

/// The artifacts a generated job uploads: the names its upload checks give, else its
/// `artifacts:name`.
pub(crate) fn uploaded(job: &Node) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for entry in job.get("script").map(Node::strings).unwrap_or_default() {
        if let Some((name, _)) = parse_entry(&entry).and_then(|e| upload_check(&e.body)) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        names.extend(
            job.get("artifacts")
                .and_then(|a| a.get("name"))
                .and_then(Node::str)
                .map(str::to_string),
        );
    }
    names
}

/// The steps of a job whose script the library generated.
pub(crate) fn job_steps(job: &Node, jobs: &[(String, Node)], outputs: &[Output]) -> Option<Decoded> {
    let variables = job.get("variables");
    let checkout = match variables.and_then(|v| v.get("GIT_STRATEGY")).and_then(Node::str) {
        Some("none") => None,
        Some(_) => return None,
        None => {
            let depth = variables.and_then(|v| v.get("GIT_DEPTH")).and_then(Node::str);
            let submodules = variables.and_then(|v| v.get("GIT_SUBMODULE_STRATEGY")).is_some();
            Some(match (depth, submodules) {
                (None, false) => "Step::checkout()".to_string(),
                (d, sub) => format!(
                    "Step::checkout_with(Checkout {{ fetch_depth: {}, submodules: {sub}, lfs: false, ..Checkout::default() }})",
                    d.map_or("None".to_string(), |d| format!("Some({d})"))
                ),
            })
        }
    };
    let downloads: Vec<String> = job
        .get("needs")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|n| n.get("artifacts").and_then(Node::str) == Some("true"))
        .filter_map(|n| {
            let name = n.get("job").and_then(Node::str)?;
            jobs.iter().find(|(k, _)| k == name).map(|(_, p)| uploaded(p))
        })
        .flatten()
        .collect();
    let caches = match job.get("cache") {
        Some(c) => caches(c)?,
        None => Vec::new(),
    };
    let (upload, reports) = match job.get("artifacts") {
        Some(a) if a.get("reports").and_then(|r| r.get("junit")).is_some() => (None, Some(test_reports(a)?)),
        Some(a) => (upload(a)?, None),
        None => (None, None),
    };
    let mut decoded = decode(job, outputs, checkout, &downloads, &caches, upload)?;
    decoded.reports = reports;
    Some(decoded)
}

/// The test reports of a generated job: `reports: junit:` kept `when: always`, with no uploads
/// (the backend merges uploads into the same `artifacts:` and keeps them always too, so an
/// upload's own `when` cannot be told from the reports': such a job is not read back), and the
/// outputs' dotenv report at most.
fn test_reports(a: &Node) -> Option<String> {
    let keys_ok = a
        .entries()
        .iter()
        .all(|(k, _)| matches!(k.str(), Some("when" | "reports")));
    let reports = a.get("reports")?;
    let reports_ok = reports.entries().iter().all(|(k, v)| match k.str() {
        Some("junit") => true,
        Some("dotenv") => v.str() == Some(OUTPUTS_FILE),
        _ => false,
    });
    if !keys_ok || !reports_ok || a.get("when").and_then(Node::str) != Some("always") {
        return None;
    }
    let junit = reports.get("junit")?;
    let Node::Seq(items, ..) = junit else { return None };
    let paths: Vec<&str> = items.iter().map(Node::str).collect::<Option<_>>()?;
    let (first, rest) = paths.split_first()?;
    let mut code = format!("TestReport::junit({})", lit(first));
    for p in rest {
        let _ = write!(code, ".path({})", lit(p));
    }
    Some(code)
}

/// A generated job's environment (name, URL, deployment tier; `confirmation`: the text of its
/// approval's manual gate).
pub(crate) fn environment(env: &Node, confirmation: Option<&Node>) -> Option<String> {
    if env
        .entries()
        .iter()
        .any(|(k, _)| !matches!(k.str(), Some("name" | "url" | "deployment_tier")))
    {
        return None;
    }
    let name = env.get("name")?.str()?;
    let mut e = format!("Environment::new({})", lit(name));
    if let Some(u) = env.get("url").and_then(Node::str) {
        let _ = write!(e, ".url({})", value(u));
    }
    if let Some(t) = env.get("deployment_tier").and_then(Node::str) {
        let tier = match t {
            "production" => "Production",
            "staging" => "Staging",
            "testing" => "Testing",
            "development" => "Development",
            _ => return None,
        };
        let _ = write!(e, ".tier(Tier::{tier})");
    }
    if let Some(text) = confirmation.and_then(Node::str) {
        if text == format!("Approve the deployment to {name}?") {
            e.push_str(".approval(Approval::new())");
        } else {
            let _ = write!(e, ".approval(Approval::new().instructions({}))", lit(text));
        }
    }
    Some(e)
}

/// A generated job's `rules:` as its condition (`Some(None)`: no condition): each rule's `if`
/// under its `when` (`on_failure`: after a failure; `always`; `manual`: the approval's gate).
pub(crate) fn rules(rules: &Node) -> Option<Option<String>> {
    let mut terms = Vec::new();
    for r in rules.items() {
        if r.entries().iter().any(|(k, _)| !matches!(k.str(), Some("if" | "when"))) {
            return None;
        }
        let cond = match r.get("if").and_then(Node::str) {
            Some(i) => {
                let atoms: Option<Vec<String>> = i.split(" && ").map(rule_atom).collect();
                let mut atoms = atoms?;
                Some(if atoms.len() == 1 {
                    atoms.remove(0)
                } else {
                    format!("Condition::And(vec![{}])", atoms.join(", "))
                })
            }
            None => None,
        };
        let status = match r.get("when").and_then(Node::str) {
            None | Some("manual" | "on_success") => None,
            Some("on_failure") => Some("Condition::failure()"),
            Some("always") => Some("Condition::always()"),
            Some(_) => return None,
        };
        terms.push(match (cond, status) {
            (Some(c), Some(s)) => format!("Condition::And(vec![{c}, {s}])"),
            (Some(c), None) => c,
            (None, Some(s)) => s.to_string(),
            (None, None) => return Some(None),
        });
    }
    Some(match terms.len() {
        0 => None,
        1 => Some(terms.remove(0)),
        _ => Some(format!("Condition::Or(vec![{}])", terms.join(", "))),
    })
}

/// The subject of a text test on variable `var`.
fn subject(var: &str, axes: &[String]) -> String {
    match var {
        "CI_COMMIT_BRANCH" => "Subject::Branch".to_string(),
        "CI_COMMIT_TAG" => "Subject::Tag".to_string(),
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" => "Subject::PullRequestBase".to_string(),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" => "Subject::PullRequestHead".to_string(),
        "CI_PROJECT_PATH" => "Subject::Repository".to_string(),
        "GITLAB_USER_LOGIN" => "Subject::Actor".to_string(),
        v if axes.iter().any(|a| a == v) => format!("Subject::matrix({})", lit(v)),
        v => format!("Subject::var({})", lit(v)),
    }
}

/// One `&&` term of a job rule the backend wrote: a text test (`$VAR =~ /^x\x2dy$/i`), the
/// absence of a tag, an input's value, or what [`rule_if`] reads.
fn rule_atom(a: &str) -> Option<String> {
    let a = a.trim();
    if a == "$CI_COMMIT_TAG == null" {
        return Some("!(Condition::tag())".into());
    }
    for (op, positive) in [(" =~ /", true), (" !~ /", false)] {
        let Some((var, re)) = a.split_once(op) else { continue };
        let var = var.strip_prefix('$')?;
        let re = re.strip_suffix("/i")?;
        let (body, method) = match (re.strip_prefix('^'), re.strip_suffix('$')) {
            (Some(b), _) if b.ends_with('$') => (&b[..b.len() - 1], "equals"),
            (Some(b), _) => (b, "starts_with"),
            (None, Some(b)) => (b, "ends_with"),
            (None, None) => (re, "contains"),
        };
        let mut value = String::new();
        let mut rest = body;
        while let Some(c) = rest.chars().next() {
            if let Some(hex) = rest.strip_prefix("\\x") {
                let code = u32::from_str_radix(hex.get(..2)?, 16).ok()?;
                value.push(char::from_u32(code)?);
                rest = &hex[2..];
            } else if c.is_ascii_alphanumeric() {
                value.push(c);
                rest = &rest[1..];
            } else {
                return None;
            }
        }
        let c = format!("{}.{method}({})", subject(var, &[]), lit(&value));
        return Some(if positive { c } else { format!("!({c})") });
    }
    if let Some(t) = rule_if(a) {
        return Some(t);
    }
    let (var, value) = a.split_once(" == ")?;
    let var = var.strip_prefix('$')?;
    let value = value.strip_prefix('"')?.strip_suffix('"')?;
    Some(format!("Condition::input_equals({}, {})", lit(var), lit(value)))
}

/// A checkout of another repository, ref or directory: the backend's fetch script
/// ([`pipeline_backends::gitlab::CHECKOUT_FETCH_SCRIPT`]) with its `PIPELINE_CHECKOUT_*`
/// variables, exactly as the backend writes them for one typed checkout. Returns the step's code
/// and the step's own environment (the other variables); `None` when anything differs.
fn checkout_step(body: &str, env: &[(String, String)]) -> Option<(String, Vec<(String, String)>)> {
    let script = pipeline_backends::gitlab::CHECKOUT_FETCH_SCRIPT;
    if body.trim_end_matches('\n') != script.trim_end_matches('\n') {
        return None;
    }
    let lit_of = |code: &str| -> Option<String> {
        let inner = code.strip_prefix("Expr::lit(")?.strip_suffix(')')?;
        let s = inner.strip_prefix('"')?.strip_suffix('"')?;
        (!s.contains(['\\', '"'])).then(|| s.to_string())
    };
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let mut own: Vec<(String, String)> = Vec::new();
    for (k, v) in env {
        match k.strip_prefix("PIPELINE_CHECKOUT_") {
            Some(field) => fields.push((field, v.as_str())),
            None => own.push((k.clone(), v.clone())),
        }
    }
    // The backend writes the step's own variables first, then these, in this order.
    let order = [
        "REPOSITORY",
        "REF",
        "PATH",
        "USER",
        "TOKEN",
        "DEPTH",
        "SUBMODULES",
        "LFS",
    ];
    let mut last = None;
    for (field, _) in &fields {
        let at = order.iter().position(|o| o == field)?;
        if last.is_some_and(|l| l >= at) {
            return None;
        }
        last = Some(at);
    }
    let get = |name: &str| fields.iter().find(|(f, _)| *f == name).map(|(_, v)| *v);
    let mut c = match get("REPOSITORY") {
        Some(r) => format!("Checkout::repository({})", lit(&lit_of(r)?)),
        None => "Checkout::default()".to_string(),
    };
    if let Some(r) = get("REF") {
        let _ = write!(c, ".git_ref({})", lit(&lit_of(r)?));
    }
    if let Some(p) = get("PATH") {
        let _ = write!(c, ".path({})", lit(&lit_of(p)?));
    }
    match lit_of(get("DEPTH")?)?.parse::<u32>().ok()? {
        1 => {}
        d => {
            let _ = write!(c, ".fetch_depth({d})");
        }
    }
    for (field, call) in [("SUBMODULES", ".submodules()"), ("LFS", ".lfs()")] {
        match lit_of(get(field)?)?.as_str() {
            "true" => c.push_str(call),
            "false" => {}
            _ => return None,
        }
    }
    // The user says what the token is: `oauth2` for a secret, `gitlab-ci-token` for the job token.
    let var = |code: &str| -> Option<String> {
        let inner = code.strip_prefix("Expr::var(\"")?.strip_suffix("\")")?;
        inner
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            .then(|| inner.to_string())
    };
    match (lit_of(get("USER")?)?.as_str(), get("TOKEN")) {
        ("gitlab-ci-token", None) => {}
        ("gitlab-ci-token", Some(t)) if var(t)? == "CI_JOB_TOKEN" => c.push_str(".token(PlatformToken::new())"),
        ("oauth2", Some(t)) => {
            let name = var(t).filter(|n| n != "CI_JOB_TOKEN")?;
            let _ = write!(c, ".token(Expr::secret({}))", lit(&name));
        }
        _ => return None,
    }
    if ["REPOSITORY", "REF", "PATH", "TOKEN"].iter().all(|f| get(f).is_none()) {
        // The backend writes no script for the checkout GitLab does itself (`GIT_DEPTH` and
        // `GIT_SUBMODULE_STRATEGY` say how).
        return None;
    }
    Some((format!("Step::checkout_with({c})"), own))
}

/// A step of another shell than bash: the launcher the backend writes for it
/// ([`Shell::launcher`]), which only the same shell and body write again. `cmd` has none to read
/// back (its launcher fails the same way whatever the body).
fn shell_step(text: &str) -> Option<(Shell, String)> {
    [Shell::Sh, Shell::Pwsh].into_iter().find_map(|shell| {
        let ext = if shell == Shell::Sh { "sh" } else { "ps1" };
        let opening = format!("cat > \"$pipeline_shell_dir/step.{ext}\" <<'");
        let (_, after) = text.split_once(&opening)?;
        let (delim, after) = after.split_once("'\n")?;
        let (content, _) = after.split_once(&format!("\n{delim}\n"))?;
        let body = match shell {
            Shell::Pwsh => content
                .strip_prefix(Shell::PWSH_PRELUDE)?
                .strip_prefix('\n')?
                .strip_suffix(Shell::PWSH_POSTLUDE)?
                .strip_suffix('\n')?,
            _ => content,
        };
        (shell.launcher(body).trim_end_matches('\n') == text.trim_end_matches('\n')).then(|| (shell, body.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn job(script: &[&str]) -> Node {
        let items: String = script
            .iter()
            .map(|e| format!("  - |\n{}", e.lines().map(|l| format!("    {l}\n")).collect::<String>()))
            .collect();
        parse(&format!("script:\n  - PIPELINE_STEPS=\"$(mktemp -d)\"\n{items}")).expect("yaml")
    }

    #[test]
    fn step_entries_read_back_with_their_numbers_and_the_gaps_filled() {
        let j = job(&[
            "cat > \"$PIPELINE_STEPS/step-3.sh\" <<'PIPELINE_SCRIPT'\nmake\nPIPELINE_SCRIPT\n(cd 'sub' &&\n  export A='x'\"${B}\" &&\n  bash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-3.sh\" < /dev/null) ||\n  echo 'step \"Build it\" failed; continuing (continue on error)' >&2\n",
            "export AWS_REGION='eu-west-1' AWS_DEFAULT_REGION='eu-west-1'\naws_credentials=\"$(aws sts assume-role-with-web-identity \\\n  --role-arn \"${ROLE_ARN}\" \\\n  --role-session-name 'deploy' \\\n  --web-identity-token \"$AWS_ID_TOKEN\" \\\n  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \\\n  --output text)\"\nexport AWS_ACCESS_KEY_ID=\"$(printf '%s' \"$aws_credentials\" | cut -f1)\"\nexport AWS_SECRET_ACCESS_KEY=\"$(printf '%s' \"$aws_credentials\" | cut -f2)\"\nexport AWS_SESSION_TOKEN=\"$(printf '%s' \"$aws_credentials\" | cut -f3)\"\nunset aws_credentials\n",
            "cat > \"$PIPELINE_STEPS/step-5.sh\" <<'PIPELINE_SCRIPT'\nshopt -s globstar nullglob dotglob\n[ -e out/a ] || { echo 'artifact out: out/a matches no file' >&2; exit 1; }\nPIPELINE_SCRIPT\nbash --noprofile --norc -eo pipefail \"$PIPELINE_STEPS/step-5.sh\" < /dev/null\n",
        ]);
        let caches = vec!["Step::cache(Cache::new(\"c\", [\"target\"]))".to_string()];
        let upload = Some((None, ".retention_days(3)".to_string()));
        let d = decode(&j, &[], Some("Step::checkout()".into()), &[], &caches, upload).expect("generated");
        assert_eq!(
            d.steps,
            [
                "Step::checkout()",
                "Step::cache(Cache::new(\"c\", [\"target\"]))",
                "Step::script(\"make\").name(\"Build it\").continue_on_error().working_directory(\"sub\").env(\"A\", Expr::concat([Expr::lit(\"x\"), Expr::var(\"B\")]))",
                "Step::assume_aws_role(AwsRole::new(Expr::var(\"ROLE_ARN\"), \"eu-west-1\").session_name(\"deploy\"))",
                "Step::from(Upload::new(\"out\", [\"out/a\"]).retention_days(3))",
            ]
        );
    }

    #[test]
    fn a_script_the_library_did_not_write_is_not_read() {
        let j = parse("script:\n  - make\n").expect("yaml");
        assert!(decode(&j, &[], None, &[], &[], None).is_none());
        let j =
            job(&["cat > \"$PIPELINE_STEPS/step-1.sh\" <<'PIPELINE_SCRIPT'\nmake\nPIPELINE_SCRIPT\nbash other.sh\n"]);
        assert!(decode(&j, &[], None, &[], &[], None).is_none());
    }

    #[test]
    fn shell_launchers_read_back_only_as_written() {
        use pipeline_core::Shell;
        for (shell, body) in [
            (Shell::Sh, "echo posix\nls"),
            (Shell::Pwsh, "Write-Output hi"),
            (Shell::Pwsh, ""),
        ] {
            let text = shell.launcher(body);
            assert_eq!(super::shell_step(&text), Some((shell, body.to_string())), "{text}");
            // A launcher changed by hand is a bash script again.
            let edited = text.replace("< /dev/null", "");
            assert_eq!(super::shell_step(&edited), None, "{edited}");
        }
        // cmd's launcher is the same for every body: nothing to read back.
        assert_eq!(super::shell_step(&Shell::Cmd.launcher("dir")), None);
        assert_eq!(super::shell_step("echo bash"), None);
    }
}
