//! Branch and tag filter patterns in CodePipeline's glob syntax.
//!
//! The model's ref patterns are GitHub's filter patterns: `*` (within one `/` segment), `**`
//! (across segments), `[..]` (one character of a set), `?` (zero or one of the preceding
//! character), `+` (one or more of the preceding character), everything else literal. A
//! CodePipeline trigger filter is a glob (AWS CodePipeline user guide, "Working with glob patterns
//! in syntax"): `*`, `**` and `[..]` mean the same, but `?` is exactly one character, `{a,b}` is a
//! group of alternatives, `\` escapes, and `+` is literal. [`ref_glob`] translates a pattern so
//! that it matches the same refs, or says why it cannot.

/// `pattern` (one include or exclude, without its leading `!`) in CodePipeline's glob syntax, or
/// why it cannot be written there.
///
/// ```ignore
/// assert_eq!(ref_glob("v[0-9]*").unwrap(), "v[0-9]*");
/// assert_eq!(ref_glob("v1.2?").unwrap(), "v1.{2,}");
/// assert!(ref_glob("v[0-9]+.[0-9]+").is_err());
/// ```
pub(crate) fn ref_glob(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    // The translated atoms; `?` and `+` act on the last one.
    let mut atoms: Vec<Atom> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                atoms.push(Atom::Star("**".into()));
                i += 2;
                continue;
            }
            '*' => atoms.push(Atom::Star("*".into())),
            '[' => match chars[i + 1..].iter().position(|c| *c == ']') {
                // GitHub negates a set with `^` (regular-expression style), the glob with `!`.
                Some(len) if len > 0 => {
                    let set: String = chars[i + 1..i + 1 + len].iter().collect();
                    let set = match set.strip_prefix('^') {
                        Some(rest) => format!("!{rest}"),
                        None => set,
                    };
                    atoms.push(Atom::One(format!("[{set}]")));
                    i += len + 2;
                    continue;
                }
                _ => atoms.push(Atom::One("\\[".into())),
            },
            '?' => match atoms.pop() {
                // `*?`, `**?` and `X??` (lazy) match what `*`, `**` and `X?` match.
                Some(kept @ (Atom::Star(_) | Atom::Optional(_))) => atoms.push(kept),
                Some(Atom::One(one)) => atoms.push(Atom::Optional(one)),
                None => {
                    return Err("'?' (zero or one of the preceding character) follows nothing it can repeat".into());
                }
            },
            '+' => match (atoms.last(), chars.get(i + 1)) {
                (Some(Atom::Star(_)), _) => {}
                // One or more of X, then anything: X, then anything.
                (Some(Atom::One(_)), Some('*')) => {}
                (Some(_), _) => {
                    return Err(
                        "'+' (one or more of the preceding character) has no equivalent in CodePipeline's globs, which cannot repeat a character"
                            .into(),
                    );
                }
                (None, _) => return Err("'+' follows nothing it can repeat".into()),
            },
            c @ ('{' | '}' | '\\') => atoms.push(Atom::One(format!("\\{c}"))),
            c => atoms.push(Atom::One(c.to_string())),
        }
        i += 1;
    }
    Ok(atoms
        .into_iter()
        .map(|a| match a {
            Atom::Star(s) | Atom::One(s) => s,
            Atom::Optional(s) => format!("{{{s},}}"),
        })
        .collect())
}

/// One matched unit of a pattern, written as a glob.
enum Atom {
    /// `*` or `**`.
    Star(String),
    /// One character: a literal (escaped where the glob needs it) or a set.
    One(String),
    /// Zero or one of a character (a GitHub `?`).
    Optional(String),
}

#[cfg(test)]
mod tests {
    use super::ref_glob;

    #[test]
    fn patterns_that_mean_the_same_are_kept() {
        for p in [
            "main",
            "release/**",
            "v*",
            "v[0-9]*",
            "feature/*/x",
            "v1.0",
            "hotfix-[a-z]",
        ] {
            assert_eq!(ref_glob(p).as_deref(), Ok(p), "{p}");
        }
    }

    #[test]
    fn github_operators_are_translated() {
        for (github, glob) in [
            // `?` is "zero or one of the preceding character".
            ("v1.2?", "v1.{2,}"),
            ("v[0-9].[0-9]?", "v[0-9].{[0-9],}"),
            ("v*?", "v*"),
            // `+` followed by `*`: one character, then anything.
            ("v[0-9]+*", "v[0-9]*"),
            ("v[0-9]+**", "v[0-9]**"),
            ("v*+", "v*"),
            // Set negation, and characters special only to globs.
            ("v[^a-z]*", "v[!a-z]*"),
            ("a{b},c", "a\\{b\\},c"),
            ("v1??", "v{1,}"),
            ("v[1", "v\\[1"),
        ] {
            assert_eq!(ref_glob(github).as_deref(), Ok(glob), "{github}");
        }
    }

    #[test]
    fn repetitions_a_glob_cannot_express_are_refused() {
        for p in ["v[0-9]+.[0-9]+.[0-9]+", "v1+", "+x", "?x", "v1?+"] {
            assert!(ref_glob(p).is_err(), "{p}");
        }
    }
}
