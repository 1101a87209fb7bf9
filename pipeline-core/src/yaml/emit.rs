//! Block-style YAML emission.

use super::error::Error;
use super::scalar::{self, Chomp, Place, Style};
use super::value::{Map, Value};

/// Longest rendered mapping key, in characters. YAML 1.2 and PyYAML limit implicit keys to 1024
/// characters; keys longer than this are rejected rather than emitted in the rarely supported
/// explicit `? key` form.
const MAX_KEY_CHARS: usize = 1000;

/// What comes right after a node in the output; decides whether a `|+` block may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// A non-blank line (at a lower indentation).
    Content,
    /// A blank line (the separator of a spaced map).
    Blank,
    /// The end of the document.
    End,
}

/// Emits `value` as a YAML document ending with exactly one line feed.
pub(crate) fn to_yaml(value: &Value) -> Result<String, Error> {
    let mut e = Emitter { out: String::new() };
    match value {
        Value::Map(m) if !m.is_empty() => e.map_entries(m, 0, Follow::End)?,
        Value::Seq(s) if !s.is_empty() => e.seq_items(s, 0, Follow::End)?,
        other => e.inline(other, 0, Follow::End)?,
    }
    e.out.push('\n');
    Ok(e.out)
}

struct Emitter {
    out: String,
}

impl Emitter {
    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        self.pad(indent);
    }

    fn pad(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Writes the entries of a non-empty map; the cursor is where the first key goes and every
    /// further key goes at `indent`.
    fn map_entries(&mut self, map: &Map, indent: usize, follow: Follow) -> Result<(), Error> {
        let n = map.len();
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                if map.is_spaced() {
                    self.out.push('\n');
                }
                self.newline(indent);
            }
            let next = if i + 1 < n {
                if map.is_spaced() {
                    Follow::Blank
                } else {
                    Follow::Content
                }
            } else {
                follow
            };
            self.key(key).map_err(|e| e.at_key(key))?;
            self.out.push(':');
            self.after_key(value, indent, next).map_err(|e| e.at_key(key))?;
        }
        Ok(())
    }

    /// Writes the items of a non-empty sequence; the cursor is where the first `- ` goes and every
    /// further item goes at `indent`.
    fn seq_items(&mut self, items: &[Value], indent: usize, follow: Follow) -> Result<(), Error> {
        let n = items.len();
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.newline(indent);
            }
            let next = if i + 1 < n { Follow::Content } else { follow };
            self.out.push_str("- ");
            self.after_dash(item, indent, next).map_err(|e| e.at_index(i))?;
        }
        Ok(())
    }

    /// Writes a mapping value right after `key:` (the key being at `indent`).
    fn after_key(&mut self, value: &Value, indent: usize, follow: Follow) -> Result<(), Error> {
        match value {
            Value::Map(m) if !m.is_empty() => {
                self.newline(indent + 2);
                self.map_entries(m, indent + 2, follow)
            }
            Value::Seq(s) if !s.is_empty() => {
                self.newline(indent + 2);
                self.seq_items(s, indent + 2, follow)
            }
            other => {
                self.out.push(' ');
                self.inline(other, indent, follow)
            }
        }
    }

    /// Writes a sequence item right after `- ` (the dash being at `indent`).
    fn after_dash(&mut self, value: &Value, indent: usize, follow: Follow) -> Result<(), Error> {
        match value {
            Value::Map(m) if !m.is_empty() => self.map_entries(m, indent + 2, follow),
            Value::Seq(s) if !s.is_empty() => self.seq_items(s, indent + 2, follow),
            other => self.inline(other, indent, follow),
        }
    }

    /// Writes a scalar, an empty collection or a commented scalar at the cursor. `indent` is the
    /// indentation of the owning key or dash; block scalar lines go at `indent + 2`.
    fn inline(&mut self, value: &Value, indent: usize, follow: Follow) -> Result<(), Error> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::String(s) => self.string(s, indent, follow),
            Value::Map(m) if m.is_empty() => self.out.push_str("{}"),
            Value::Seq(s) if s.is_empty() => self.out.push_str("[]"),
            Value::Commented(inner, comment) => {
                check_commented(inner, comment)?;
                self.inline(inner, indent, Follow::Content)?;
                self.out.push_str(" #");
                let comment = comment.trim_end();
                if !comment.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(comment);
                }
            }
            Value::Map(_) | Value::Seq(_) => {
                return Err(Error::new("internal error: a non-empty collection in scalar position"));
            }
        }
        Ok(())
    }

    fn string(&mut self, s: &str, indent: usize, follow: Follow) {
        let place = Place::Value {
            keep_ok: follow == Follow::Content,
        };
        match scalar::choose(s, place) {
            Style::Literal(chomp) => {
                self.out.push_str(match chomp {
                    Chomp::Clip => "|",
                    Chomp::Strip => "|-",
                    Chomp::Keep => "|+",
                });
                // Clip and keep: the last line feed is the one that ends the last line.
                let body = match chomp {
                    Chomp::Strip => s,
                    Chomp::Clip | Chomp::Keep => s.strip_suffix('\n').unwrap_or(s),
                };
                for line in body.split('\n') {
                    self.out.push('\n');
                    if !line.is_empty() {
                        self.pad(indent + 2);
                        self.out.push_str(line);
                    }
                }
            }
            style => scalar::write_inline(&mut self.out, s, style),
        }
    }

    fn key(&mut self, key: &str) -> Result<(), Error> {
        let start = self.out.len();
        if key == "<<" {
            // Ruby's Psych treats a `<<` key as a merge key even when quoted; only an explicit
            // string tag keeps it a plain key (PyYAML and YAML 1.2 readers agree).
            self.out.push_str("!!str ");
        }
        scalar::write_inline(&mut self.out, key, scalar::choose(key, Place::Key));
        let chars = self.out[start..].chars().count();
        if chars > MAX_KEY_CHARS {
            return Err(Error::new(format!(
                "mapping key is too long ({chars} characters written, at most {MAX_KEY_CHARS})"
            )));
        }
        Ok(())
    }
}

/// A comment may only follow a single-line scalar and must be one line of printable text.
fn check_commented(inner: &Value, comment: &str) -> Result<(), Error> {
    match inner {
        Value::Null | Value::Bool(_) | Value::Int(_) => {}
        Value::String(s) if !s.contains('\n') => {}
        Value::String(_) => {
            return Err(Error::new(
                "a comment can only follow a single-line string, not a multi-line one",
            ));
        }
        Value::Seq(_) | Value::Map(_) | Value::Commented(..) => {
            return Err(Error::new(
                "a comment can only follow a scalar (null, bool, integer or single-line string)",
            ));
        }
    }
    if comment.chars().any(scalar::needs_escape) {
        return Err(Error::new(format!(
            "comment {comment:?} must be a single line without control characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map<const N: usize>(entries: [(&str, Value); N]) -> Map {
        entries.into_iter().collect()
    }

    fn yaml(v: impl Into<Value>) -> String {
        match to_yaml(&v.into()) {
            Ok(s) => s,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    fn seq<const N: usize>(items: [Value; N]) -> Value {
        Value::Seq(items.into())
    }

    #[test]
    fn scalars_at_root() {
        assert_eq!(yaml(Value::Null), "null\n");
        assert_eq!(yaml(true), "true\n");
        assert_eq!(yaml(false), "false\n");
        assert_eq!(yaml(-42i64), "-42\n");
        assert_eq!(yaml("main"), "main\n");
        assert_eq!(yaml("on"), "'on'\n");
        assert_eq!(yaml(Map::new()), "{}\n");
        assert_eq!(yaml(Vec::new()), "[]\n");
        assert_eq!(yaml("a\nb"), "|-\n  a\n  b\n");
        assert_eq!(yaml("a\nb\n"), "|\n  a\n  b\n");
        // A keep block at the end of the document would add a second final newline.
        assert_eq!(yaml("a\n\n"), "\"a\\n\\n\"\n");
    }

    #[test]
    fn nested_maps_and_sequences() {
        let step1 = map([("name", s("Build")), ("run", s("cargo build"))]);
        let step2 = map([
            ("uses", s("actions/cache@x")),
            ("with", Value::Map(map([("path", s("target"))]))),
        ]);
        let job = map([
            ("runs-on", s("ubuntu-24.04")),
            ("needs", seq([s("lint"), s("test")])),
            ("steps", seq([Value::Map(step1), Value::Map(step2)])),
        ]);
        let root = map([
            ("name", s("CI")),
            ("jobs", Value::Map(map([("build", Value::Map(job))]))),
        ]);
        assert_eq!(
            yaml(root),
            "name: CI\n\
             jobs:\n\
             \x20 build:\n\
             \x20   runs-on: ubuntu-24.04\n\
             \x20   needs:\n\
             \x20     - lint\n\
             \x20     - test\n\
             \x20   steps:\n\
             \x20     - name: Build\n\
             \x20       run: cargo build\n\
             \x20     - uses: actions/cache@x\n\
             \x20       with:\n\
             \x20         path: target\n"
        );
    }

    #[test]
    fn seq_in_seq_and_empty_collections() {
        let v = seq([
            seq([s("a"), s("b")]),
            seq([]),
            Value::Map(Map::new()),
            Value::Null,
            seq([seq([Value::Int(1)])]),
            Value::Map(map([("k", seq([])), ("m", Value::Map(Map::new()))])),
        ]);
        assert_eq!(yaml(v), "- - a\n  - b\n- []\n- {}\n- null\n- - - 1\n- k: []\n  m: {}\n");
    }

    #[test]
    fn map_item_with_nested_first_entry() {
        let v = seq([Value::Map(map([
            ("with", Value::Map(map([("a", Value::Int(1))]))),
            ("b", seq([s("x")])),
        ]))]);
        assert_eq!(yaml(v), "- with:\n    a: 1\n  b:\n    - x\n");
    }

    #[test]
    fn spaced_maps_at_any_depth() {
        let mut jobs = Map::spaced();
        jobs.insert("a", map([("x", Value::Int(1)), ("z", Value::Int(2))]));
        jobs.insert("b", map([("x", Value::Int(3))]));
        jobs.insert("c", Value::Null);
        let mut root = Map::spaced();
        root.insert("name", "CI");
        root.insert("jobs", jobs.clone());
        assert_eq!(
            yaml(root),
            "name: CI\n\njobs:\n  a:\n    x: 1\n    z: 2\n\n  b:\n    x: 3\n\n  c: null\n"
        );
        // In a sequence item, the first entry shares the dash line.
        assert_eq!(
            yaml(seq([Value::Map(jobs)])),
            "- a:\n    x: 1\n    z: 2\n\n  b:\n    x: 3\n\n  c: null\n"
        );
    }

    #[test]
    fn block_scalars_under_keys_and_dashes() {
        let step = map([
            ("name", s("Test")),
            ("run", s("cargo build --release\necho \"Title: x\" # comment\n")),
            ("shell", s("bash")),
        ]);
        assert_eq!(
            yaml(seq([Value::Map(step)])),
            "- name: Test\n  run: |\n    cargo build --release\n    echo \"Title: x\" # comment\n  shell: bash\n"
        );
        assert_eq!(yaml(seq([s("a\n\nb"), s("c")])), "- |-\n  a\n\n  b\n- c\n");
        assert_eq!(
            yaml(map([("k", s("if x; then\n  y\nfi\n"))])),
            "k: |\n  if x; then\n    y\n  fi\n"
        );
    }

    #[test]
    fn keep_blocks_only_before_content() {
        assert_eq!(yaml(map([("a", s("x\n\n")), ("b", s("y"))])), "a: |+\n  x\n\nb: 'y'\n");
        // Last entry of the document.
        assert_eq!(yaml(map([("b", s("z")), ("a", s("x\n\n"))])), "b: z\na: \"x\\n\\n\"\n");
        // Before the blank separator of a spaced map (even when nested deeper).
        let mut jobs = Map::spaced();
        jobs.insert("j1", map([("run", s("x\n\n"))]));
        jobs.insert("j2", map([("run", s("x\n\n")), ("k", Value::Int(1))]));
        assert_eq!(
            yaml(map([("jobs", Value::Map(jobs)), ("z", Value::Int(0))])),
            "jobs:\n  j1:\n    run: \"x\\n\\n\"\n\n  j2:\n    run: |+\n      x\n\n    k: 1\nz: 0\n"
        );
    }

    #[test]
    fn comments() {
        let pin = Value::Commented(
            Box::new(s("actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b")),
            "v7.0.1".into(),
        );
        assert_eq!(
            yaml(seq([Value::Map(map([("uses", pin.clone())]))])),
            "- uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n"
        );
        assert_eq!(
            yaml(seq([pin])),
            "- actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1\n"
        );
        let c = |v: Value, c: &str| Value::Commented(Box::new(v), c.into());
        assert_eq!(yaml(c(Value::Int(3), "three")), "3 # three\n");
        assert_eq!(yaml(c(s("on"), "quoted")), "'on' # quoted\n");
        assert_eq!(yaml(c(s("a\tb"), "")), "\"a\\tb\" #\n");
        assert_eq!(yaml(c(Value::Null, "trailing  ")), "null # trailing\n");
    }

    #[test]
    fn comment_errors_have_paths() {
        let c = |v: Value, c: &str| Value::Commented(Box::new(v), c.into());
        let cases = [
            (c(s("x"), "a\nb"), "single line"),
            (c(s("x"), "a\rb"), "single line"),
            (c(s("a\nb"), "c"), "single-line string"),
            (c(seq([s("a")]), "c"), "scalar"),
            (c(Value::Map(Map::new()), "c"), "scalar"),
            (c(c(s("a"), "b"), "c"), "scalar"),
        ];
        for (bad, want) in cases {
            let root = map([(
                "jobs",
                Value::Map(map([(
                    "build",
                    Value::Map(map([(
                        "steps",
                        seq([Value::Null, Value::Null, Value::Map(map([("run", bad)]))]),
                    )])),
                )])),
            )]);
            let err = to_yaml(&Value::Map(root)).expect_err("must fail");
            assert_eq!(err.path(), "jobs.build.steps[2].run");
            assert!(err.message().contains(want), "{err}");
        }
    }

    #[test]
    fn keys_use_the_same_style_rules() {
        let v = map([
            ("on", Value::Map(map([("push", Value::Null)]))),
            ("a\nb", Value::Int(1)),
            ("", Value::Int(2)),
            ("runs-on", s("x")),
            ("it's: x", Value::Int(3)),
        ]);
        assert_eq!(
            yaml(v),
            "'on':\n  push: null\n\"a\\nb\": 1\n'': 2\nruns-on: x\n\"it's: x\": 3\n"
        );
    }

    #[test]
    fn overlong_keys_are_rejected() {
        let ok = "k".repeat(MAX_KEY_CHARS);
        assert!(to_yaml(&Value::Map(map([(ok.as_str(), Value::Null)]))).is_ok());
        let long = "k".repeat(MAX_KEY_CHARS + 1);
        let err = to_yaml(&Value::Map(map([(
            "a",
            Value::Map(map([(long.as_str(), Value::Null)])),
        )])))
        .expect_err("too long");
        assert!(err.message().contains("too long"));
        assert_eq!(err.path(), format!("a.{long}"));
    }

    #[test]
    fn no_trailing_spaces_and_one_final_newline() {
        let v = map([
            ("a", s("x\n\ny\n")),
            ("b", Value::Map(Map::new())),
            ("c", Value::Commented(Box::new(Value::Null), "   ".into())),
        ]);
        let out = yaml(v);
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"));
        assert!(out.lines().all(|l| !l.ends_with(' ')), "{out:?}");
    }
}
