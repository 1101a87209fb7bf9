//! The scalar-style decision: how a string is written so that YAML 1.1 readers (PyYAML, Ruby
//! Psych) and YAML 1.2 readers all read back exactly the same string.
//!
//! The rules are deliberately conservative: whenever a reader *might* resolve a plain scalar to
//! something other than a string, or scan it differently, the string is quoted.

/// How a string scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Unquoted.
    Plain,
    /// `'...'` with `'` doubled.
    Single,
    /// `"..."` with backslash escapes; always on one line.
    Double,
    /// A `|` block scalar with the given chomping.
    Literal(Chomp),
}

/// Block scalar chomping indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chomp {
    /// `|`: exactly one trailing line feed.
    Clip,
    /// `|-`: no trailing line feed.
    Strip,
    /// `|+`: several trailing line feeds.
    Keep,
}

/// Where a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A mapping key: block scalars are not allowed.
    Key,
    /// A value. `keep_ok` says whether a `|+` block may be used, which is only the case when the
    /// next output line is a non-blank line (a blank line or the end of the document right after
    /// a keep block would be read as part of the string).
    Value { keep_ok: bool },
}

/// Characters that are written only as escapes in a double-quoted scalar: C0 controls (tab and
/// line feed included), DEL, C1 controls (NEL included), the Unicode line and paragraph separators
/// (PyYAML treats them and NEL as line breaks, YAML 1.2 does not), the byte order mark and the
/// non-characters U+FFFE/U+FFFF (not printable in YAML).
pub(crate) fn needs_escape(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// Picks the style for `s` at `place`.
pub(crate) fn choose(s: &str, place: Place) -> Style {
    let classes = byte_classes(s.as_bytes());
    // Words like `runs-on` or `ubuntu-24.04` (most keys and many values): only a special word
    // could be read as something else, and it needs no escape nor double quotes.
    if classes & NOT_WORD == 0 && s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return if is_special_word(s) {
            Style::Single
        } else {
            Style::Plain
        };
    }
    // Characters outside ASCII are looked at only in strings that have some.
    let non_ascii_escape = || classes & NON_ASCII != 0 && s.chars().any(|c| !c.is_ascii() && needs_escape(c));
    let escape = classes & (CONTROL | LINE_FEED_OR_TAB) != 0 || non_ascii_escape();
    if !escape && plain_safe(s) {
        return Style::Plain;
    }
    if !escape {
        // Readability: `"echo 'hi: x'"` rather than `'echo ''hi: x'''` when double quotes need no
        // escape either.
        if s.contains('\'') && !s.contains(['"', '\\']) {
            return Style::Double;
        }
        return Style::Single;
    }
    if let Place::Value { keep_ok } = place {
        // Only line feeds and tabs may be escape-worthy in a block; everything else must be
        // printable.
        if classes & CONTROL == 0 && !non_ascii_escape() {
            if let Some(chomp) = literal_chomp(s) {
                if chomp != Chomp::Keep || keep_ok {
                    return Style::Literal(chomp);
                }
            }
        }
    }
    Style::Double
}

/// A byte other than ASCII letters, digits, `-`, `_`, `.` and `/`.
const NOT_WORD: u8 = 1;
/// A C0 control character other than line feed and tab, or DEL.
const CONTROL: u8 = 2;
/// A line feed or a tab.
const LINE_FEED_OR_TAB: u8 = 4;
/// A byte of a non-ASCII character.
const NON_ASCII: u8 = 8;

/// The class bits of each byte value.
static BYTE_CLASSES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let word = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/');
        table[b] = if word { 0 } else { NOT_WORD }
            | match c {
                b'\n' | b'\t' => LINE_FEED_OR_TAB,
                0..0x20 | 0x7f => CONTROL,
                0x80.. => NON_ASCII,
                _ => 0,
            };
        b += 1;
    }
    table
};

/// The classes ([`NOT_WORD`], [`CONTROL`], [`LINE_FEED_OR_TAB`], [`NON_ASCII`]) of the bytes of
/// `s`, or-ed together (one look-up per byte: most strings of a document are short).
fn byte_classes(s: &[u8]) -> u8 {
    s.iter().fold(0, |classes, &b| classes | BYTE_CLASSES[usize::from(b)])
}

/// Whether `s` holds `: ` or ` #` (one pass without branches; `str::contains` sets up a
/// searcher, which costs more for the short strings of a document).
fn has_comment_or_mapping_indicator(s: &[u8]) -> bool {
    let Some(last) = s.len().checked_sub(1) else {
        return false;
    };
    s[..last].iter().zip(&s[1..]).fold(false, |found, (&a, &b)| {
        found | ((a == b':') & (b == b' ')) | ((a == b' ') & (b == b'#'))
    })
}

/// Words that a YAML 1.1 or 1.2 reader (or a popular lax one) may resolve to a bool, a null, a
/// float or a special key, by length; compared ASCII-case-insensitively (Psych matches
/// `yes`/`on`/... in any case).
const SPECIAL_WORDS_BY_LENGTH: [&[&str]; 9] = [
    &[],
    &["y", "n", "~", "="],
    &["no", "on", "<<"],
    &["yes", "off", "inf", "nan"],
    &["true", "null"],
    &["false"],
    &[],
    &[],
    &["infinity"],
];

fn is_special_word(s: &str) -> bool {
    SPECIAL_WORDS_BY_LENGTH
        .get(s.len())
        .is_some_and(|words| words.iter().any(|w| s.eq_ignore_ascii_case(w)))
}

/// `true` when `s`, which needs no escape, can be written unquoted and reads back as the same
/// string everywhere.
fn plain_safe(s: &str) -> bool {
    let (Some(first), Some(last)) = (s.chars().next(), s.chars().next_back()) else {
        return false;
    };
    if first.is_whitespace() || last.is_whitespace() {
        return false;
    }
    // Indicators that start a non-plain token (or a document marker, directive, alias, tag,
    // anchor, flow collection, comment, block scalar, quoted scalar, reserved character).
    match first {
        '?' | ':' | ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
            return false;
        }
        // `-` is only allowed as in command-line flags: `-v`, `--release`.
        '-' if !is_flag_like(s) => return false,
        _ => {}
    }
    if s.starts_with("---") || s.starts_with("...") || last == ':' {
        return false;
    }
    if has_comment_or_mapping_indicator(s.as_bytes()) {
        return false;
    }
    !is_special_word(s) && !looks_numeric(s)
}

/// `-x` or `--x` with `x` an ASCII letter.
fn is_flag_like(s: &str) -> bool {
    let rest = s.strip_prefix("--").or_else(|| s.strip_prefix('-'));
    rest.and_then(|r| r.chars().next())
        .is_some_and(|c| c.is_ascii_alphabetic())
}

/// Anything a YAML 1.1/1.2 resolver could take for a number or a timestamp: a leading digit
/// (after any run of signs), a sign followed by `.`, `.` followed by a numeric-looking tail, or a
/// signed `inf`/`nan` word.
fn looks_numeric(s: &str) -> bool {
    // Every leading sign counts: some 1.1 resolvers (Psych's sexagesimal and lax integer
    // forms) read `+-0` as the integer 0.
    let t = s.trim_start_matches(['+', '-']);
    let signed = t.len() < s.len();
    match t.chars().next() {
        None => false,
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => signed || numeric_tail(&t[1..]) || is_special_word(&t[1..]),
        Some(_) => signed && is_special_word(t),
    }
}

/// `[0-9_]*([eE][-+]?[0-9_]*)?` matching the whole of `r` (what may follow the `.` of a float,
/// including Psych's lax `.e+1`).
fn numeric_tail(r: &str) -> bool {
    let r = r.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
    match r.strip_prefix(['e', 'E']) {
        None => r.is_empty(),
        Some(exp) => exp
            .strip_prefix(['+', '-'])
            .unwrap_or(exp)
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_'),
    }
}

/// The chomping a `|` block scalar needs for `s` (whose only escape-worthy characters are line
/// feeds and tabs), or `None` when a block scalar cannot represent `s` exactly and readably under
/// every reader.
fn literal_chomp(s: &str) -> Option<Chomp> {
    if !s.contains('\n') || s.starts_with('\n') {
        return None;
    }
    let body = s.trim_end_matches('\n');
    let chomp = match s.len() - body.len() {
        0 => Chomp::Strip,
        1 => Chomp::Clip,
        _ => Chomp::Keep,
    };
    if body.starts_with(char::is_whitespace) {
        // The indentation of the first line would be taken as the block's indentation.
        return None;
    }
    for line in body.split('\n') {
        if line.starts_with('\t') || line.ends_with(char::is_whitespace) {
            return None;
        }
    }
    Some(chomp)
}

/// Writes `s` in single quotes.
pub(crate) fn write_single(out: &mut String, s: &str) {
    out.push('\'');
    let mut parts = s.split('\'');
    if let Some(part) = parts.next() {
        out.push_str(part);
    }
    for part in parts {
        out.push_str("''");
        out.push_str(part);
    }
    out.push('\'');
}

/// Bytes that start a character a quoted string may have to escape: C0 controls, `"`, `\\`, DEL,
/// and the first bytes of the UTF-8 encodings of C1 controls (`C2`), U+2028/U+2029 (`E2`) and
/// U+FEFF/U+FFFE/U+FFFF (`EF`).
static MAY_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = b < 0x20 || matches!(b as u8, b'"' | b'\\' | 0x7f | 0xc2 | 0xe2 | 0xef);
        b += 1;
    }
    table
};

/// The characters of `s` (with their byte offsets) that a quoted string may have to escape:
/// a superset of [`needs_escape`] plus `"` and `\\`, found with one table look-up per byte.
pub(crate) fn escape_candidates(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    s.bytes()
        .enumerate()
        .filter(|&(_, b)| MAY_ESCAPE[usize::from(b)])
        // The bytes looked for are never continuation bytes: each starts a character.
        .map(|(i, _)| (i, s[i..].chars().next().unwrap_or_default()))
}

/// Writes `s` in double quotes, escaping `\`, `"` and every character of [`needs_escape`].
pub(crate) fn write_double(out: &mut String, s: &str) {
    out.push('"');
    // Runs of characters that need no escape are copied at once.
    let mut plain = 0;
    for (i, c) in escape_candidates(s) {
        let escape = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\0' => "\\0",
            '\t' => "\\t",
            '\n' => "\\n",
            '\r' => "\\r",
            c if needs_escape(c) => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + c.len_utf8();
        if escape.is_empty() {
            let code = u32::from(c);
            let (prefix, digits) = if code <= 0xff { ("\\x", 2) } else { ("\\u", 4) };
            out.push_str(prefix);
            for d in (0..digits).rev() {
                out.push(char::from(b"0123456789ABCDEF"[((code >> (4 * d)) & 0xf) as usize]));
            }
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Writes `s` in a single-line style (plain, single- or double-quoted) as chosen for a key.
pub(crate) fn write_inline(out: &mut String, s: &str, style: Style) {
    match style {
        Style::Plain => out.push_str(s),
        Style::Single => write_single(out, s),
        Style::Double | Style::Literal(_) => write_double(out, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: Place = Place::Value { keep_ok: true };

    fn style(s: &str) -> Style {
        choose(s, VALUE)
    }

    #[test]
    fn readable_strings_stay_plain() {
        for s in [
            "main",
            "ubuntu-24.04",
            "actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b",
            "cargo test --workspace",
            "${{ github.sha }}",
            "${{ matrix.os == 'x' && 'a' || 'b' }}",
            "$CI_COMMIT_BRANCH == \"main\"",
            "./scripts/x.sh",
            "../x",
            ".env",
            ".github/workflows",
            "refs/heads/main",
            "v*",
            "v1.2.3",
            "~/.cargo/registry",
            "--release",
            "-v",
            "a,b",
            "x:y",
            "https://example.com/a#frag",
            "C#",
            "é",
            "日本語",
            "🚀",
            "+x",
            "nano",
            "inform",
            "node@22",
            "a  b",
            "runs-on",
            "id-token",
            "GITHUB_TOKEN",
        ] {
            assert_eq!(style(s), Style::Plain, "{s:?}");
        }
    }

    #[test]
    fn hazards_are_single_quoted() {
        for s in [
            "",
            " ",
            " x",
            "x ",
            "on",
            "On",
            "ON",
            "oN",
            "off",
            "yes",
            "yEs",
            "no",
            "y",
            "N",
            "true",
            "False",
            "null",
            "NULL",
            "~",
            "=",
            "<<",
            "inf",
            "-inf",
            "+Infinity",
            "NaN",
            "0777",
            "0o17",
            "0x1F",
            "0b101",
            "1_000",
            "1:20",
            "1:20.5",
            "-1",
            "+1",
            "+-0",
            "-+1",
            "++.5",
            ".5",
            "-.5",
            "+.5",
            "1e3",
            "1.0.0",
            ".inf",
            "-.Inf",
            ".nan",
            ".",
            ".e+1",
            "._",
            "+.",
            "-",
            "--",
            "---",
            "...",
            "--- x",
            "-1x",
            "- x",
            "-.x",
            "2024-01-01",
            "2001-12-14t21:59:43.10-05:00",
            "a: b",
            "a #b",
            "a:",
            "#x",
            "*x",
            "&x",
            "!x",
            "|x",
            ">x",
            "%x",
            "@x",
            "`x",
            "\"x",
            "? x",
            "?x",
            ": x",
            ":x",
            "[x",
            "]x",
            "{x",
            "}x",
            ",x",
            "echo \"Title: x\" # c",
            "\u{a0}x",
            "x\u{3000}",
        ] {
            assert_eq!(style(s), Style::Single, "{s:?}");
        }
    }

    #[test]
    fn apostrophes_prefer_double_quotes_when_nothing_needs_escaping() {
        assert_eq!(style("echo 'tests failed: x'"), Style::Double);
        assert_eq!(style("it's: \"quoted\""), Style::Single);
        assert_eq!(style("a\\b: 'c'"), Style::Single);
    }

    #[test]
    fn escapes_force_double_quotes() {
        for s in [
            "a\tb",
            "\u{2028}",
            "\u{2029}",
            "\u{85}",
            "\u{feff}x",
            "\u{fffe}",
            "\u{7f}",
            "\u{9f}",
            "\r",
            "a\r\nb",
            "\0",
            "\n",
            "\n\n",
            "\nx",
            " a\nb",
            "a \nb",
            "a\n \nb",
            "a\n\tb",
            "a\t\nb",
            "a\u{85}b\n",
        ] {
            assert_eq!(style(s), Style::Double, "{s:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(style("a\nb"), Style::Literal(Chomp::Strip));
        assert_eq!(style("a\nb\n"), Style::Literal(Chomp::Clip));
        assert_eq!(style("a\n"), Style::Literal(Chomp::Clip));
        assert_eq!(style("a\nb\n\n"), Style::Literal(Chomp::Keep));
        assert_eq!(style("a\n\n  b\n"), Style::Literal(Chomp::Clip));
        assert_eq!(style("a\tb\nc"), Style::Literal(Chomp::Strip));
        assert_eq!(
            style("cargo build --release\necho \"Title: x\" # comment\n"),
            Style::Literal(Chomp::Clip)
        );
        assert_eq!(choose("a\n\n", Place::Value { keep_ok: false }), Style::Double);
        assert_eq!(choose("a\nb", Place::Key), Style::Double);
    }

    #[test]
    fn special_words_by_length_are_the_special_words() {
        let mut by_length: Vec<&str> = SPECIAL_WORDS_BY_LENGTH.iter().flat_map(|w| w.iter().copied()).collect();
        let mut words = vec![
            "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "=", "<<", "inf", "infinity", "nan",
        ];
        by_length.sort_unstable();
        words.sort_unstable();
        assert_eq!(by_length, words);
        for (len, words) in SPECIAL_WORDS_BY_LENGTH.iter().enumerate() {
            assert!(words.iter().all(|w| w.len() == len));
        }
        for w in &words {
            assert!(is_special_word(w) && is_special_word(&w.to_ascii_uppercase()), "{w}");
        }
        assert!(!is_special_word("yess") && !is_special_word("") && !is_special_word("infinite"));
    }

    #[test]
    fn byte_classes_match_their_definition() {
        for b in 0..=255u8 {
            let word = b.is_ascii_alphanumeric() || b"-_./".contains(&b);
            let expected = if word { 0 } else { NOT_WORD }
                | if b == b'\n' || b == b'\t' {
                    LINE_FEED_OR_TAB
                } else if b < 0x20 || b == 0x7f {
                    CONTROL
                } else if b >= 0x80 {
                    NON_ASCII
                } else {
                    0
                };
            assert_eq!(byte_classes(&[b]), expected, "{b}");
        }
        assert_eq!(byte_classes(b""), 0);
        assert_eq!(byte_classes(b"runs-on"), 0);
        assert_eq!(byte_classes(b"a b"), NOT_WORD);
        assert_eq!(byte_classes(b"a\nb\r"), NOT_WORD | LINE_FEED_OR_TAB | CONTROL);
        assert_eq!(byte_classes("é".as_bytes()), NOT_WORD | NON_ASCII);
        assert!(has_comment_or_mapping_indicator(b"a: b") && has_comment_or_mapping_indicator(b"a #b"));
        assert!(!has_comment_or_mapping_indicator(b"a:b#c") && !has_comment_or_mapping_indicator(b""));
    }

    #[test]
    fn escape_candidates_include_every_escape() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = format!("é{c}x");
            let found: Vec<(usize, char)> = escape_candidates(&s).collect();
            if needs_escape(c) || c == '"' || c == '\\' {
                assert_eq!(found, [(2, c)], "{c:?}");
            } else {
                assert!(found.iter().all(|&(i, f)| i == 2 && f == c), "{c:?}");
            }
        }
    }

    #[test]
    fn double_quoted_escapes() {
        let mut out = String::new();
        write_double(
            &mut out,
            "\\\"\0\t\n\r\u{1}\u{7f}\u{85}\u{9f}\u{2028}\u{2029}\u{feff}\u{ffff}é",
        );
        assert_eq!(out, r#""\\\"\0\t\n\r\x01\x7F\x85\x9F\u2028\u2029\uFEFF\uFFFFé""#);
        let mut out = String::new();
        write_single(&mut out, "it's");
        assert_eq!(out, "'it''s'");
    }
}
