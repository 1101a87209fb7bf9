//! Checks that each platform's evaluator sees hazard strings as literals: the structural
//! evaluators of `tests/hardening_values.rs` and `tests/hardening_values_prop.rs`.
//!
//! - GitHub: every `${{ … }}` template expression of every string of the workflow is scanned as
//!   GitHub's template reader scans it (string literals with `''` escapes); no live expression
//!   may mention the marker outside a string literal.
//! - GitLab: where GitLab or its runner expands variables (everything but scripts, job names,
//!   stages, descriptions and `rules: if`), no unescaped `$MARKER` / `${MARKER}` may occur, nor
//!   `%MARKER%` outside `variables:`; `$$` is an escape only in `variables:` values (GitLab's own
//!   expansion has none).
//! - CodePipeline: no `#{MARKER` in an action configuration (where CodePipeline resolves
//!   variables), and no `${MARKER` in a `Fn::Sub` string.

use pipeline_core::GeneratedFile;
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};

/// The marker every hazard carries; a live reference to it is a finding.
pub const MARKER: &str = "PWNED";

/// Every string scalar (and key) of a YAML document with the keys leading to it.
pub fn strings(node: &YamlOwned, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
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

/// Every string of a generated YAML (or JSON) file with its keys.
///
/// # Panics
/// When the file does not parse.
pub fn load(file: &GeneratedFile) -> Vec<(Vec<String>, String)> {
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
pub fn github_expressions(s: &str) -> (Vec<String>, Option<String>) {
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

/// Whether `s` holds `%MARKER%`, GitLab's other variable syntax.
fn gitlab_percent_marker(s: &str) -> bool {
    s.contains(&["%", MARKER, "%"].concat())
}

fn gitlab_findings(file: &GeneratedFile) -> Vec<String> {
    let mut findings = Vec::new();
    for (path, s) in load(file) {
        if gitlab_unexpanded(&path) {
            continue;
        }
        // `variables:` values (and a manual variable's `value`/`options`) take `$$` as an escape.
        let in_variables = path.iter().any(|k| k == "variables");
        if gitlab_references_marker(&s, in_variables) || (!in_variables && gitlab_percent_marker(&s)) {
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

/// Every place in `files` of backend `backend_name` where the platform would evaluate the marker.
pub fn findings(backend_name: &str, files: &[GeneratedFile]) -> Vec<String> {
    files
        .iter()
        .filter(|f| {
            f.path.as_str().ends_with(".yml")
                || f.path.as_str().ends_with(".yaml")
                || f.path.as_str().ends_with(".json")
        })
        .flat_map(|f| match backend_name {
            "github" => github_findings(f),
            "gitlab" => gitlab_findings(f),
            "codepipeline" => codepipeline_findings(f),
            _ => Vec::new(),
        })
        .collect()
}
