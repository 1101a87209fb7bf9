//! Branch and tag names, and the glob patterns of trigger filters.
//!
//! A branch filter that is not a valid ref name never matches (GitHub, GitLab and CodePipeline
//! compare it with real refs), and a malformed glob is rejected by the platform only when the
//! pipeline runs (GitHub: "invalid glob pattern"; CodePipeline: at stack update). Both are
//! checked at generation with `git check-ref-format`'s rules.

/// Why `name` is not a valid branch or tag name by `git check-ref-format`'s rules, if it is not;
/// with `glob`, the glob characters `*`, `?`, `[`, `]` and a leading `!` (negation) are allowed.
///
/// ```
/// use pipeline_core::validate::check_ref_name;
/// assert!(check_ref_name("release/1.x", false).is_ok());
/// assert!(check_ref_name("release/**", true).is_ok());
/// assert!(check_ref_name("!release/old-*", true).is_ok());
/// assert!(check_ref_name("feature..x", false).is_err());
/// assert!(check_ref_name("a b", false).is_err());
/// assert!(check_ref_name("main*", false).is_err());
/// assert!(check_ref_name("x.lock", false).is_err());
/// assert!(check_ref_name("${{ github.ref }}", false).is_err());
/// ```
pub fn check_ref_name(name: &str, glob: bool) -> Result<(), String> {
    let body = if glob {
        name.strip_prefix('!').unwrap_or(name)
    } else {
        name
    };
    if body.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(c) = body
        .chars()
        .find(|c| c.is_control() || matches!(c, ' ' | '~' | '^' | ':' | '\\'))
    {
        return Err(format!("it contains {c:?}"));
    }
    if !glob {
        if let Some(c) = body.chars().find(|c| matches!(c, '*' | '?' | '[')) {
            return Err(format!("it contains the glob character {c:?}"));
        }
    }
    if body.contains("..") {
        return Err("it contains \"..\"".into());
    }
    if body.contains("@{") {
        return Err("it contains \"@{\"".into());
    }
    if body == "@" {
        return Err("it is \"@\"".into());
    }
    if body.starts_with('/') || body.ends_with('/') || body.contains("//") {
        return Err("it starts or ends with '/' or has an empty component".into());
    }
    if body.ends_with('.') {
        return Err("it ends with '.'".into());
    }
    if let Some(component) = body.split('/').find(|c| c.starts_with('.') || c.ends_with(".lock")) {
        return Err(format!(
            "its component {component:?} starts with '.' or ends with \".lock\""
        ));
    }
    if glob {
        check_glob(body)?;
    }
    Ok(())
}

/// Why `pattern` is not a well-formed glob, if it is not: no white space around it (GitHub
/// refuses it), every `[` closes with a `]` around a non-empty class, every `{` closes with a
/// `}`, and it does not end in an escaping `\`.
///
/// ```
/// use pipeline_core::validate::check_glob;
/// assert!(check_glob("src/**/*.rs").is_ok());
/// assert!(check_glob("docs/[a-z]*.md").is_ok());
/// assert!(check_glob("{src,tests}/**").is_ok());
/// assert!(check_glob("src/[a-z").is_err());
/// assert!(check_glob("src/[]").is_err());
/// assert!(check_glob("{src,tests/**").is_err());
/// ```
pub fn check_glob(pattern: &str) -> Result<(), String> {
    if pattern.trim() != pattern {
        return Err("it starts or ends with white space".into());
    }
    let mut chars = pattern.chars().peekable();
    let mut braces = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return Err("it ends with an escaping '\\'".into()),
            '[' => {
                let mut class = 0usize;
                let mut closed = false;
                if matches!(chars.peek(), Some('!' | '^')) {
                    chars.next();
                }
                // A `]` right after `[` (or `[!`) is a member of the class.
                if chars.peek() == Some(&']') {
                    chars.next();
                    class += 1;
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        closed = true;
                        break;
                    }
                    class += 1;
                }
                if !closed {
                    return Err("a '[' is never closed by ']'".into());
                }
                if class == 0 {
                    return Err("it has an empty character class \"[]\"".into());
                }
            }
            '{' => braces += 1,
            '}' => {
                if braces == 0 {
                    return Err("a '}' closes no '{'".into());
                }
                braces -= 1;
            }
            _ => {}
        }
    }
    if braces > 0 {
        return Err("a '{' is never closed by '}'".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_follow_check_ref_format() {
        for ok in ["main", "release/v1.2", "feature/x_y-z", "v1.0.0", "a.b", "@x", "{x}"] {
            assert!(check_ref_name(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "a~b",
            "a^b",
            "a:b",
            "a\\b",
            "a..b",
            "a@{b",
            "@",
            "/a",
            "a/",
            "a//b",
            "a.",
            ".a",
            "a/.b",
            "a.lock",
            "a/b.lock/c",
            "a\tb",
            "a?b",
        ] {
            assert!(check_ref_name(bad, false).is_err(), "{bad}");
        }
        assert!(check_ref_name("v*", true).is_ok());
        assert!(check_ref_name("!v0.*", true).is_ok());
        assert!(check_ref_name("release/[0-9]*", true).is_ok());
        assert!(check_ref_name("release/[0-9", true).is_err());
        assert!(check_ref_name("!", true).is_err());
    }

    #[test]
    fn globs_are_balanced() {
        assert!(check_glob("[]]").is_ok());
        assert!(check_glob("[!a]").is_ok());
        assert!(check_glob("a\\").is_err());
        assert!(check_glob("a}").is_err());
        assert!(check_glob(" src/**").is_err());
    }
}
