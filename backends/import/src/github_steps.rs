//! GitHub steps -> typed steps. A step without a typed form returns why, and the name of the
//! placeholder step a patch replaces with the original.

use std::fmt::Write as _;

use crate::expr::{self, Piece};
use crate::out::lit;
use crate::yaml::Node;

/// What a step mapping reads from its workflow.
pub(crate) struct View<'a> {
    /// The workflow's text (for `# vX` comments after pinned actions).
    pub(crate) source: &'a str,
    /// Jobs whose outputs have no typed form (so references to them have none either).
    pub(crate) untyped_outputs: &'a [String],
    /// Whether the job runs on a runner the model knows as Windows (`cmd` steps need one).
    pub(crate) windows: bool,
}

/// Why `code` has no typed form: it reads an output of a job whose outputs are escape hatches.
pub(crate) fn untyped_output(code: &str, jobs: &[String]) -> Option<String> {
    jobs.iter()
        .find(|j| code.contains(&format!("OutputRef::new({}", lit(j))))
        .map(|j| format!("reads an output of job {j:?}, whose outputs have no typed form"))
}

impl View<'_> {
    fn comment_after(&self, node: &Node) -> Option<String> {
        let line = self.source.lines().nth(node.pos().line.checked_sub(1)?)?;
        let (_, comment) = line.split_once(" # ")?;
        Some(comment.trim().to_string())
    }
}

const STEP_KEYS: [&str; 9] = [
    "name",
    "id",
    "if",
    "env",
    "run",
    "uses",
    "with",
    "working-directory",
    "continue-on-error",
];

/// Rust code for step `i` of job `job`, or why it has none and its placeholder's name.
pub(crate) fn step(
    view: View<'_>,
    job: &str,
    i: usize,
    s: &Node,
    markers: &mut Vec<String>,
) -> Result<String, (String, String)> {
    let placeholder = format!("imported-{job}-{}", i + 1);
    markers.push(placeholder.clone());
    typed(&view, s).map_err(|why| (why, placeholder))
}

fn typed(view: &View<'_>, s: &Node) -> Result<String, String> {
    for (k, _) in s.entries() {
        let key = k.str().unwrap_or_default();
        if key == "shell" {
            continue;
        }
        if !STEP_KEYS.contains(&key) {
            return Err(format!("step key `{key}` has no typed form"));
        }
    }
    // GitHub runs `sh`, `pwsh` and `cmd` as the model's shells do (SEMANTICS.md §26); any other
    // shell (`python`, `powershell`, a custom command line) has no typed form.
    let shell = match s.get("shell").map(|n| n.str()) {
        None | Some(Some("bash")) => None,
        Some(Some("sh")) => Some("Shell::Sh"),
        Some(Some("pwsh")) => Some("Shell::Pwsh"),
        Some(Some("cmd")) if view.windows => Some("Shell::Cmd"),
        Some(Some("cmd")) => {
            return Err("a `cmd` step on a runner not known as Windows (`windows-2025`) has no typed form".into());
        }
        Some(Some(other)) => return Err(format!("step shell `{other}` has no typed form")),
        Some(None) => return Err("a step shell that is not a string".into()),
    };
    if shell.is_some() && s.get("run").is_none() {
        return Err("a `shell` on a step without `run`".into());
    }
    let mut env: Vec<(String, String)> = Vec::new();
    for (k, v) in s.get("env").map(Node::entries).unwrap_or_default() {
        let value = v.str().ok_or("a step env value that is not a scalar")?;
        env.push((
            k.str().unwrap_or_default().to_string(),
            expr::value(value).map_err(|w| format!("step env: {w}"))?,
        ));
    }
    if let Some(why) = env.iter().find_map(|(_, v)| untyped_output(v, view.untyped_outputs)) {
        return Err(why);
    }
    let run = s.get("run").and_then(Node::str);
    if shell.is_some_and(|sh| sh != "Shell::Sh") && run.is_some_and(|r| r.contains("${{")) {
        // The values would reach the script as `${NAME}`, which PowerShell and cmd do not read.
        return Err("an expression inside a `pwsh` or `cmd` script has no typed form".into());
    }
    let mut code = if let Some((name, command)) = run.filter(|_| shell.is_none()).and_then(set_output) {
        let code = format!("Step::set_output({}, {})", lit(&name), lit(&command));
        if s.get("id").and_then(Node::str) == Some(&format!("output-{name}")) {
            return Ok(code);
        }
        code
    } else if let Some(run) = s.get("run").and_then(Node::str) {
        format!("Step::script({})", lit(&script(run, &mut env)?))
    } else if let Some(uses) = s.get("uses") {
        action_step(view, uses, s.get("with"))?
    } else {
        return Err("a step with neither `run` nor `uses`".into());
    };
    if let Some(shell) = shell {
        let _ = write!(code, ".shell({shell})");
    }
    if let Some(id) = s.get("id").and_then(Node::str) {
        let _ = write!(code, ".id({})", lit(id));
    }
    if let Some(name) = s.get("name").and_then(Node::str) {
        if name.contains("${{") {
            return Err("a step name with an expression".into());
        }
        let _ = write!(code, ".name({})", lit(name));
    }
    for (k, v) in &env {
        let _ = write!(code, ".env({}, {v})", lit(k));
    }
    if let Some(c) = s.get("if").and_then(Node::str) {
        if let Some(cond) = expr::condition(c).map_err(|w| format!("step condition: {w}"))? {
            let _ = write!(code, ".when({cond})");
        }
    }
    match s.get("continue-on-error").and_then(Node::str) {
        Some("true") => code.push_str(".continue_on_error()"),
        Some("false") | None => {}
        Some(_) => return Err("continue-on-error given by an expression".into()),
    }
    if let Some(dir) = s.get("working-directory").and_then(Node::str) {
        if dir.contains("${{") {
            return Err("a working directory with an expression".into());
        }
        let _ = write!(code, ".working_directory({})", lit(dir));
    }
    Ok(code)
}

/// The script with every `${{ x }}` replaced by an environment variable carrying the typed value
/// (values reach scripts only through `env`); `${{ env.X }}` becomes `${X}`.
fn script(run: &str, env: &mut Vec<(String, String)>) -> Result<String, String> {
    let mut out = String::new();
    for piece in expr::pieces(run)? {
        match piece {
            Piece::Lit(s) => out.push_str(&s),
            Piece::Expr(e) => {
                if let Some(var) = e
                    .strip_prefix("env.")
                    .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                {
                    let _ = write!(out, "${{{var}}}");
                    continue;
                }
                let value = expr::reference(&e).map_err(|w| format!("script: {w}"))?;
                let base: String = e
                    .rsplit('.')
                    .next()
                    .unwrap_or("VALUE")
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_uppercase()
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let mut name = base.clone();
                let mut n = 1;
                loop {
                    match env.iter().find(|(k, _)| *k == name) {
                        Some((_, v)) if *v == value => break,
                        Some(_) => {
                            n += 1;
                            name = format!("{base}_{n}");
                        }
                        None => {
                            env.push((name.clone(), value));
                            break;
                        }
                    }
                }
                let _ = write!(out, "${{{name}}}");
            }
        }
    }
    Ok(out)
}

fn with_str<'a>(with: Option<&'a Node>, key: &str) -> Option<&'a str> {
    with.and_then(|w| w.get(key)).and_then(Node::str)
}

fn only(with: Option<&Node>, keys: &[&str]) -> bool {
    with.map(Node::entries)
        .unwrap_or_default()
        .iter()
        .all(|(k, _)| keys.contains(&k.str().unwrap_or_default()))
}

fn paths(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(lit)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checkout (`actions/checkout` without persisted credentials): of the repository being
/// built or another one (`repository`), at a branch, tag or SHA (`ref`), into a directory
/// (`path`), fetched with a secret or the job token (`token`).
fn checkout(with: Option<&Node>) -> Result<String, String> {
    let depth = with_str(with, "fetch-depth")
        .map(str::parse::<u32>)
        .transpose()
        .map_err(|_| "fetch-depth is not a number")?;
    // `true` is one level on GitHub; the typed checkout's submodules are recursive.
    let submodules = matches!(with_str(with, "submodules"), Some("true" | "recursive"));
    let lfs = with_str(with, "lfs") == Some("true");
    let literal = |key: &str| -> Result<Option<&str>, String> {
        match with_str(with, key) {
            Some(v) if v.contains("${{") => Err(format!("a checkout `{key}` with an expression has no typed form")),
            Some("") => Err(format!("an empty checkout `{key}`")),
            v => Ok(v),
        }
    };
    let (repository, git_ref, path) = (literal("repository")?, literal("ref")?, literal("path")?);
    let token = match with_str(with, "token") {
        None => None,
        Some(t) => {
            let why = || "a checkout token other than a secret or the job token has no typed form".to_string();
            let pieces = expr::pieces(t)?;
            let [Piece::Expr(e)] = pieces.as_slice() else {
                return Err(why());
            };
            let value = expr::reference(e).map_err(|_| why())?;
            if !(value.starts_with("Expr::secret(") || value.contains("PlatformToken::new()")) {
                return Err(why());
            }
            Some(value)
        }
    };
    if depth.is_none()
        && !submodules
        && !lfs
        && repository.is_none()
        && git_ref.is_none()
        && path.is_none()
        && token.is_none()
    {
        return Ok("Step::checkout()".into());
    }
    let mut c = match repository {
        Some(r) => format!("Checkout::repository({})", lit(r)),
        None => "Checkout::default()".to_string(),
    };
    if let Some(r) = git_ref {
        let _ = write!(c, ".git_ref({})", lit(r));
    }
    if let Some(p) = path {
        let _ = write!(c, ".path({})", lit(p));
    }
    if let Some(d) = depth {
        let _ = write!(c, ".fetch_depth({d})");
    }
    if submodules {
        c.push_str(".submodules()");
    }
    if lfs {
        c.push_str(".lfs()");
    }
    if let Some(t) = token {
        let _ = write!(c, ".token({t})");
    }
    Ok(format!("Step::checkout_with({c})"))
}

fn action_step(view: &View<'_>, uses: &Node, with: Option<&Node>) -> Result<String, String> {
    let text = uses.str().ok_or("`uses` is not a string")?;
    let (name, reference) = text
        .split_once('@')
        .ok_or_else(|| format!("`{text}`: a local or Docker action has no typed form"))?;
    match name {
        "actions/checkout"
            if only(
                with,
                &[
                    "persist-credentials",
                    "fetch-depth",
                    "submodules",
                    "lfs",
                    "repository",
                    "ref",
                    "path",
                    "token",
                ],
            ) && with_str(with, "persist-credentials") != Some("true") =>
        {
            return checkout(with);
        }
        "actions/upload-artifact" if only(with, &["name", "path", "retention-days"]) => {
            if let (Some(n), Some(p)) = (with_str(with, "name"), with_str(with, "path")) {
                if !n.contains("${{") && !p.contains("${{") {
                    let mut u = format!("Upload::new({}, [{}])", lit(n), paths(p));
                    if let Some(d) = with_str(with, "retention-days").and_then(|d| d.parse::<u32>().ok()) {
                        let _ = write!(u, ".retention_days({d})");
                    }
                    return Ok(format!("Step::from({u})"));
                }
            }
        }
        "actions/download-artifact" if only(with, &["name", "path"]) => {
            if let Some(n) = with_str(with, "name").filter(|n| !n.contains("${{")) {
                return Ok(match with_str(with, "path") {
                    Some(p) if !p.contains("${{") => format!("Step::download_to({}, {})", lit(n), lit(p)),
                    Some(_) => return Err("a download path with an expression".into()),
                    None => format!("Step::download({})", lit(n)),
                });
            }
        }
        "actions/cache" if only(with, &["path", "key", "restore-keys"]) => {
            if let Some(code) = cache(with) {
                return Ok(code);
            }
        }
        "aws-actions/configure-aws-credentials"
            if only(
                with,
                &[
                    "role-to-assume",
                    "aws-region",
                    "role-session-name",
                    "role-duration-seconds",
                ],
            ) =>
        {
            if let (Some(role), Some(region)) = (with_str(with, "role-to-assume"), with_str(with, "aws-region")) {
                if !region.contains("${{") {
                    let mut r = format!("AwsRole::new({}, {})", expr::value(role)?, lit(region));
                    if let Some(n) = with_str(with, "role-session-name") {
                        let _ = write!(r, ".session_name({})", lit(n));
                    }
                    if let Some(d) = with_str(with, "role-duration-seconds").and_then(|d| d.parse::<u32>().ok()) {
                        let _ = write!(r, ".duration_seconds({d})");
                    }
                    return Ok(format!("Step::assume_aws_role({r})"));
                }
            }
        }
        _ => {}
    }
    let (action, repinned) = crate::pins::action(name, reference, view.comment_after(uses))
        .ok_or_else(|| format!("`{text}` is not pinned to a commit SHA and the library has no pin for it"))?;
    let mut code = format!("ActionStep::new({action})");
    for (k, v) in with.map(Node::entries).unwrap_or_default() {
        let value = v.str().ok_or("an action input that is not a scalar")?;
        let _ = write!(
            code,
            ".with({}, {})",
            lit(k.str().unwrap_or_default()),
            expr::value(value).map_err(|w| format!("action input: {w}"))?
        );
    }
    let note = if repinned {
        format!("/* was @{reference}: the library's pin */ ")
    } else {
        String::new()
    };
    Ok(format!("Step::action({note}{code})"))
}

/// `actions/cache` with the key the library writes: `PREFIX-${{ runner.os }}-${{ hashFiles(..) }}`
/// (or `-${{ github.sha }}`) and restore key `PREFIX-${{ runner.os }}-`.
fn cache(with: Option<&Node>) -> Option<String> {
    let key = with_str(with, "key")?;
    let raw = with_str(with, "path")?;
    if raw
        .lines()
        .any(|p| p.trim().starts_with(['~', '/', '$']) || p.contains(".."))
    {
        return None;
    }
    let (prefix, rest) = key.split_once("-${{ runner.os }}-")?;
    if prefix.contains("${{") {
        return None;
    }
    if with_str(with, "restore-keys").is_some_and(|r| r != format!("{prefix}-${{{{ runner.os }}}}-")) {
        return None;
    }
    let paths = paths(with_str(with, "path")?);
    let files = if rest == "${{ github.sha }}" {
        Vec::new()
    } else {
        let inner = rest.strip_prefix("${{ hashFiles(")?.strip_suffix(") }}")?;
        inner
            .split(',')
            .map(|f| f.trim().strip_prefix('\'').and_then(|f| f.strip_suffix('\'')).map(lit))
            .collect::<Option<Vec<_>>>()?
    };
    let mut code = format!("Cache::new({}, [{paths}])", lit(prefix));
    if !files.is_empty() {
        let _ = write!(code, ".hash_files([{}])", files.join(", "));
    }
    Some(format!("Step::cache({code})"))
}

/// The library's set-output script (`backends/src/shell.rs`): the output's name and command.
fn set_output(run: &str) -> Option<(String, String)> {
    let rest = run.strip_prefix("cat > \"$RUNNER_TEMP/pipeline-output-")?;
    let (name, rest) = rest.split_once(".sh\" <<'")?;
    let (delim, rest) = rest.split_once("'\n")?;
    let (command, after) = rest.split_once(&format!("\n{delim}\n"))?;
    after
        .contains(">> \"$GITHUB_OUTPUT\"")
        .then(|| (name.to_string(), format!("{command}\n")))
}

/// Whether every job output is `${{ steps.ID.outputs.NAME }}` of a set-output step of the
/// library (which declares the job output itself).
pub(crate) fn outputs_from_set_output(outputs: &Node, steps: Option<&Node>) -> bool {
    let steps = steps.map(Node::items).unwrap_or_default();
    outputs.entries().iter().all(|(k, v)| {
        let name = k.str().unwrap_or_default();
        steps.iter().any(|s| {
            let id = s.get("id").and_then(Node::str).unwrap_or_default();
            s.get("run")
                .and_then(Node::str)
                .and_then(set_output)
                .is_some_and(|(n, _)| n == name)
                && v.str() == Some(&format!("${{{{ steps.{id}.outputs.{name} }}}}"))
        })
    })
}

/// The library's upload (a "Stage artifact NAME" step, then upload-artifact of the staging
/// directory) as `Step::upload`, with the paths read back from the staging script's checks.
/// The upload step the generator writes last in a job with test reports
/// (`Job::test_report`: artifact `test-reports-<job>`, with the cell's index in a matrix job, of
/// the reports' paths, whatever the steps' results but cancellation): the reports' code.
/// JUnit is the model's one report format, so the upload names the reports exactly.
pub(crate) fn generated_test_report(step: &Node, job: &str, matrix: bool) -> Option<String> {
    let keys: Vec<&str> = step.entries().iter().filter_map(|(k, _)| k.str()).collect();
    let with = step.get("with");
    let mut name = format!("test-reports-{job}");
    if matrix {
        name.push_str("-${{ strategy.job-index }}");
    }
    let with_keys: Vec<&str> = with
        .map(Node::entries)
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, _)| k.str())
        .collect();
    if keys != ["name", "if", "uses", "with"]
        || step.get("name")?.str()? != "Upload test reports"
        || step.get("if")?.str()? != "${{ !cancelled() }}"
        || !step.get("uses")?.str()?.starts_with("actions/upload-artifact@")
        || with_keys != ["name", "path", "if-no-files-found"]
        || with_str(with, "name")? != name
        || with_str(with, "if-no-files-found")? != "warn"
    {
        return None;
    }
    let paths: Vec<&str> = with_str(with, "path")?.lines().collect();
    let unique = paths.iter().enumerate().all(|(i, p)| !paths[..i].contains(p));
    if paths.is_empty() || !unique || paths.iter().any(|p| p.is_empty() || p.trim() != *p || p.contains('$')) {
        return None;
    }
    let mut code = format!("TestReport::junit({})", lit(paths[0]));
    for p in &paths[1..] {
        let _ = write!(code, ".path({})", lit(p));
    }
    Some(code)
}

pub(crate) fn generated_upload(stage: &Node, upload: Option<&Node>) -> Option<String> {
    let name = stage.get("name")?.str()?.strip_prefix("Stage artifact ")?;
    let run = stage.get("run")?.str()?;
    let upload = upload?;
    let with = upload.get("with");
    if !upload.get("uses")?.str()?.starts_with("actions/upload-artifact@")
        || with_str(with, "name") != Some(name)
        || with_str(with, "path") != Some(&format!("${{{{ runner.temp }}}}/pipeline-artifacts/{name}"))
        || stage.entries().len() != 2
    {
        return None;
    }
    let marker = format!("'artifact {}: ", name.replace('\'', r"'\''"));
    let mut found = Vec::new();
    for line in run.lines() {
        if let Some((_, rest)) = line.split_once(&marker) {
            let (path, _) = rest.split_once(" matches no file'")?;
            found.push(lit(&path.replace(r"'\''", "'")));
        }
    }
    if found.is_empty() {
        return None;
    }
    let mut code = format!("Upload::new({}, [{}])", lit(name), found.join(", "));
    if let Some(d) = with_str(with, "retention-days").and_then(|d| d.parse::<u32>().ok()) {
        let _ = write!(code, ".retention_days({d})");
    }
    let mut step = format!("Step::from({code})");
    if let Some(id) = upload.get("id").and_then(Node::str) {
        let _ = write!(step, ".id({})", lit(id));
    }
    if let Some(n) = upload.get("name").and_then(Node::str) {
        let _ = write!(step, ".name({})", lit(n));
    }
    if upload
        .entries()
        .iter()
        .any(|(k, _)| !matches!(k.str(), Some("id" | "name" | "uses" | "with")))
    {
        return None;
    }
    Some(step)
}
