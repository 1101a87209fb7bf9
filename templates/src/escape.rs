//! Escaping for the places templates write into: shell words, Markdown text, Mermaid labels.

/// Quotes `s` as one shell word: unchanged when it only holds characters no POSIX shell
/// interprets, otherwise single-quoted (a `'` becomes `'\''`).
///
/// ```
/// use pipeline_templates::shell_quote;
/// assert_eq!(shell_quote("eu-west-1"), "eu-west-1");
/// assert_eq!(shell_quote("a b"), "'a b'");
/// assert_eq!(shell_quote("it's $HOME"), "'it'\\''s $HOME'");
/// assert_eq!(shell_quote(""), "''");
/// ```
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '%' | '+' | ',' | '=')
        })
        && !s.starts_with('-');
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Escapes `s` as Markdown text (a paragraph, a list item, a heading or a table cell): every
/// character reads as itself, nothing becomes markup, HTML, a link or a cell break. Only what
/// Markdown would misread is escaped, so the page stays readable as plain text: `a > b` and
/// `snake_case` stay as they are.
///
/// ```
/// use pipeline_templates::markdown;
/// assert_eq!(markdown("a|b *c* <d> [e](f)"), "a\\|b \\*c\\* \\<d> \\[e\\](f)");
/// assert_eq!(markdown("Settings > CI/CD, CODEBUILD_CLONE_REF"), "Settings > CI/CD, CODEBUILD_CLONE_REF");
/// assert_eq!(markdown("_x_ `y` &amp; 1. z"), "\\_x\\_ \\`y\\` \\&amp; 1. z");
/// assert_eq!(markdown("1. first"), "1\\. first");
/// ```
pub fn markdown(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    // What would start a block at the beginning of a line (a list item, a quote, a heading, a
    // thematic break): a text may be printed at the start of one.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let ordered = digits > 0 && matches!(chars.get(digits), Some('.' | ')'));
    for (i, &c) in chars.iter().enumerate() {
        let word = |k: Option<usize>| k.and_then(|k| chars.get(k)).is_some_and(|c| c.is_alphanumeric());
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '|' | '<' | '~' | '#' => true,
            // `snake_case` is no emphasis; `_x_` would be.
            '_' => !(word(i.checked_sub(1)) && word(Some(i + 1))),
            // `&amp;` and `&#35;` are character references; `a & b` is text.
            '&' => chars.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            '-' | '+' | '>' | '=' => i == 0,
            '.' | ')' => ordered && i == digits,
            _ => false,
        };
        match c {
            '\n' | '\r' => out.push(' '),
            c if escape => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes `s` as a Markdown code span: its text is shown exactly (no backslash escapes apply
/// inside code), between a run of backticks longer than any run in `s`, padded with a space
/// where `s` starts or ends with a backtick or a space. `in_table` escapes `|`, which GitHub's
/// tables split cells on even inside code (the table, not the code span, removes the `\`).
///
/// ```
/// use pipeline_templates::code;
/// assert_eq!(code("~/.cargo/registry", false), "`~/.cargo/registry`");
/// assert_eq!(code("echo `date`", false), "`` echo `date` ``");
/// assert_eq!(code("a|b", true), "`a\\|b`");
/// assert_eq!(code("a|b", false), "`a|b`");
/// ```
pub fn code(s: &str, in_table: bool) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad =
        s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty());
    let pad = if pad { " " } else { "" };
    let body = if in_table { s.replace('|', "\\|") } else { s };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// Escapes a message that marks code with backticks (the convention of diagnostics: "set
/// `when: manual`"): the code spans are kept as code, exactly, and the text around them is
/// escaped with [`markdown`]. A backtick that opens no span is text.
///
/// ```
/// use pipeline_templates::markdown_with_code;
/// assert_eq!(
///     markdown_with_code("a manual gate (`when: manual`, `allow_failure: false`) *now*", false),
///     "a manual gate (`when: manual`, `allow_failure: false`) \\*now\\*",
/// );
/// assert_eq!(markdown_with_code("one ` alone", false), "one \\` alone");
/// ```
pub fn markdown_with_code(s: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut text = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].chars().take_while(|&c| c == '`').count();
        let after = &rest[open + run..];
        // The closing run has exactly the opening run's length (CommonMark).
        let close = find_run(after, run);
        match close {
            Some(close) => {
                text.push_str(&rest[..open]);
                out.push_str(&text_in(&text, out.is_empty()));
                text.clear();
                let inner = &after[..close];
                let inner = match inner.strip_prefix(' ').and_then(|i| i.strip_suffix(' ')) {
                    Some(stripped) if !inner.trim().is_empty() => stripped,
                    _ => inner,
                };
                out.push_str(&code(inner, in_table));
                rest = &after[close + run..];
            }
            None => {
                text.push_str(&rest[..open + run]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    out.push_str(&text_in(&text, out.is_empty()));
    out
}

/// Text around code spans: [`markdown`], where only the message's first text may start a
/// block.
fn text_in(text: &str, first: bool) -> String {
    if text.is_empty() {
        return String::new();
    }
    if first {
        return markdown(text);
    }
    // Escaped as if preceded by a space, so a "1." or "-" after code stays as it is.
    let escaped = markdown(&format!(" {text}"));
    escaped[1..].to_owned()
}

/// The byte offset of the first run of exactly `n` backticks in `s`.
fn find_run(s: &str, n: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let len = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if len == n {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// Escapes `s` for a quoted Mermaid label (`"..."`): quotes, markup and entities become Mermaid's
/// `#...;` codes.
///
/// ```
/// use pipeline_templates::mermaid;
/// assert_eq!(mermaid("say \"hi\" <now> & #1"), "say #quot;hi#quot; #lt;now#gt; #amp; #35;1");
/// assert_eq!(mermaid("`md`"), "#96;md#96;");
/// ```
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            // A label between backticks would be read as Mermaid's Markdown string.
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Makes `s` safe inside an HTML comment (`<!-- ... -->`), which ends at the first `-->`.
pub(crate) fn html_comment(s: &str) -> String {
    s.replace("-->", "-- >").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_the_shell() {
        for s in [
            "plain",
            "two words",
            "it's",
            "$(rm -rf /)",
            "`x`",
            "a\nb",
            "-rf",
            "",
            "'",
            "\\",
        ] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(s)))
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), s, "{s:?} -> {}", shell_quote(s));
        }
    }
}
