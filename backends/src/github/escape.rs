//! The one escaping layer of the GitHub backend: every literal string of the model reaches the
//! workflow through here, so GitHub never evaluates text the user meant literally.
//!
//! GitHub evaluates `${{ … }}` in most string values of a workflow (job names, `runs-on`,
//! container images, matrix values, step names, `with:`, `env:`, `working-directory`, …). There
//! a literal `${{` is written as the expression `${{ '${{' }}`, which evaluates to `${{`. Inside
//! an expression (an `if:`), a string literal holding `${{` would turn the whole condition into a
//! template whose result is a non-empty string, so always true; such a literal (and one holding
//! `}}`) is written as `format('{0}{1}', '…$', '{{…')`, whose pieces hold neither `${{` nor `}}`.
//!
//! A few keys are not evaluated (the workflow `name`, trigger filters, `workflow_dispatch`
//! input descriptions, defaults and options): GitHub shows `${{` there verbatim or rejects the
//! workflow, and has no escape; [`unevaluated`] refuses the value with a diagnostic instead.

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

/// What opens a template expression.
const OPEN: &str = "${{";
/// What closes one.
const CLOSE: &str = "}}";

/// `s` as a value GitHub evaluates to `s`: each `${{` becomes `${{ '${{' }}`.
///
/// ```ignore
/// assert_eq!(literal("a ${{ b }}"), "a ${{ '${{' }} b }}");
/// ```
pub(crate) fn literal(s: &str) -> String {
    if s.contains(OPEN) {
        s.replace(OPEN, "${{ '${{' }}")
    } else {
        s.to_owned()
    }
}

/// [`literal`] of an optional value.
pub(crate) fn literal_opt(s: Option<&String>) -> Option<String> {
    s.map(|s| literal(s))
}

/// Appends `parts`, concatenated, as one expression string literal: `'…'` with `'` doubled, or
/// a `format(…)` call when the text holds `${{` or `}}` (see the module documentation; `}}` is
/// split too, so the literal never relies on how a reader finds the end of `${{ … }}`).
pub(crate) fn push_string_literal(out: &mut String, parts: &[&str]) {
    let text: String = parts.concat();
    if !text.contains(OPEN) && !text.contains(CLOSE) {
        push_quoted(out, &text);
        return;
    }
    // Split between `$` and `{{` of each `${{`, and between the braces of each `}}`.
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, _) in text.char_indices() {
        if text[i..].starts_with(OPEN) || text[i..].starts_with(CLOSE) {
            pieces.push(&text[start..=i]);
            start = i + 1;
        }
    }
    pieces.push(&text[start..]);
    out.push_str("format('");
    for n in 0..pieces.len() {
        out.push('{');
        out.push_str(&n.to_string());
        out.push('}');
    }
    out.push('\'');
    for piece in pieces {
        out.push_str(", ");
        push_quoted(out, piece);
    }
    out.push(')');
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

/// Checks a value of a key GitHub does not evaluate; `${{` there has no escape.
pub(crate) fn unevaluated(diagnostics: &mut Diagnostics, path: impl FnOnce() -> Path, what: &str, s: &str) {
    if s.contains(OPEN) {
        diagnostics.push(
            Diagnostic::error(
                "github-expression-syntax",
                path(),
                format!("the {what} {s:?} holds `${{{{`, which GitHub does not evaluate here and cannot escape"),
            )
            .with_hint(
                "remove `${{` from this text; values computed at run time belong in env or action inputs, as an `Expr`",
            )
            .on_platform("github"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_evaluate_to_themselves() {
        assert_eq!(literal("plain $HOME {{x}}"), "plain $HOME {{x}}");
        assert_eq!(literal("a ${{ b }}"), "a ${{ '${{' }} b }}");
        assert_eq!(literal("${{${{"), "${{ '${{' }}${{ '${{' }}");
    }

    #[test]
    fn string_literals_in_expressions_never_hold_the_opener() {
        let mut out = String::new();
        push_string_literal(&mut out, &["refs/heads/", "it's"]);
        assert_eq!(out, "'refs/heads/it''s'");
        let mut out = String::new();
        push_string_literal(&mut out, &["refs/heads/", "${{ true }}'"]);
        assert_eq!(out, "format('{0}{1}{2}', 'refs/heads/$', '{{ true }', '}''')");
        assert!(!out.contains(OPEN) && !out.contains(CLOSE));
        let mut out = String::new();
        push_string_literal(&mut out, &["$${{${{"]);
        assert_eq!(out, "format('{0}{1}{2}', '$$', '{{$', '{{')");
        let mut out = String::new();
        push_string_literal(&mut out, &["a}}}b"]);
        assert_eq!(out, "format('{0}{1}{2}', 'a}', '}', '}b')");
    }
}
