//! Job-level path filters: a job that runs only when files matching its patterns changed.
//!
//! The patterns are GitHub's path-filter globs restricted to what every platform (and a regular
//! expression) reads alike: `*` any characters but `/`, `**` any characters, `**/` any number of
//! directories, `?` one character but `/`, everything else literal. What changed is what the run
//! brings compared with a base: the previous commit of the branch on a push, the target branch
//! on a pull request. Where there is no base (a new branch, a tag, a schedule, a manual run) the
//! job runs, as GitLab's `rules:changes` does. See docs/SEMANTICS.md, section 19.
//!
//! ```
//! use pipeline_core::changes;
//! assert!(changes::matches(&["src/**".to_owned()], "src/lib/mod.rs"));
//! assert!(!changes::matches(&["*.md".to_owned()], "docs/guide.md"));
//! assert_eq!(changes::regex("docs/*.md"), "^docs/[^/]*\\.md$");
//! ```

/// The id of the job GitHub's lowering adds to compute which path-filtered jobs run.
pub const CHANGES_JOB: &str = "pipeline-changes";

/// What a pattern may hold besides letters and digits.
const PUNCTUATION: &str = "/._-*?+@=,~";

/// Why `pattern` is not a portable path filter, if it is not.
///
/// ```
/// use pipeline_core::changes::check;
/// assert!(check("src/**/*.rs").is_ok());
/// assert!(check("src/{a,b}").is_err());
/// ```
pub fn check(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("the pattern is empty".into());
    }
    if pattern.starts_with('/') {
        return Err("it starts with '/' (patterns are relative to the repository root)".into());
    }
    if let Some(c) = pattern
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !PUNCTUATION.contains(*c))
    {
        return Err(format!(
            "{c:?} is not portable in a job's path filter (letters, digits and `{PUNCTUATION}` only)"
        ));
    }
    Ok(())
}

/// `pattern` as an anchored POSIX extended regular expression (what GitHub's changes job and
/// the local runner match with).
pub fn regex(pattern: &str) -> String {
    let mut out = String::from("^");
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("**/") {
            out.push_str("(.*/)?");
            rest = r;
        } else if let Some(r) = rest.strip_prefix("**") {
            out.push_str(".*");
            rest = r;
        } else {
            match c {
                '*' => out.push_str("[^/]*"),
                '?' => out.push_str("[^/]"),
                '.' | '+' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push('$');
    out
}

/// Whether `file` (a path relative to the repository root) matches any of `patterns`.
pub fn matches(patterns: &[String], file: &str) -> bool {
    patterns.iter().any(|p| glob(p.as_bytes(), file.as_bytes()))
}

fn glob(p: &[u8], f: &[u8]) -> bool {
    match p {
        [] => f.is_empty(),
        [b'*', b'*', b'/', rest @ ..] => glob(rest, f) || (0..f.len()).any(|i| f[i] == b'/' && glob(rest, &f[i + 1..])),
        [b'*', b'*', rest @ ..] => (0..=f.len()).any(|i| glob(rest, &f[i..])),
        [b'*', rest @ ..] => (0..=f.len())
            .take_while(|&i| i == 0 || f[i - 1] != b'/')
            .any(|i| glob(rest, &f[i..])),
        [b'?', rest @ ..] => f.first().is_some_and(|&c| c != b'/') && glob(rest, &f[1..]),
        [c, rest @ ..] => f.first() == Some(c) && glob(rest, &f[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_regexes_agree() {
        let cases = [
            ("src/**", "src/a/b.rs", true),
            ("src/**", "src", false),
            ("**/*.rs", "main.rs", true),
            ("**/*.rs", "a/b/main.rs", true),
            ("*.md", "a/b.md", false),
            ("docs/?.md", "docs/a.md", true),
            ("docs/?.md", "docs/ab.md", false),
            ("Cargo.toml", "Cargo.toml", true),
            ("Cargo.toml", "Cargo_toml", false),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
        ];
        for (p, f, expected) in cases {
            assert_eq!(matches(&[p.to_owned()], f), expected, "{p} {f}");
        }
    }
}
