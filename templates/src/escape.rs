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

/// Escapes `s` for Markdown text and table cells: no markup, no HTML, no cell breaks.
///
/// ```
/// use pipeline_templates::markdown;
/// assert_eq!(markdown("a|b *c* <d>"), "a\\|b \\*c\\* &lt;d&gt;");
/// ```
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes `s` for a quoted Mermaid label (`"..."`).
///
/// ```
/// use pipeline_templates::mermaid;
/// assert_eq!(mermaid("say \"hi\" <now>"), "say #quot;hi#quot; #lt;now#gt;");
/// ```
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
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
