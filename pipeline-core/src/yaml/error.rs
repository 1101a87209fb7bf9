//! The error type shared by the serializer and the emitters.

use std::fmt;

/// One step of the path from the document root to the node an [`Error`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// An error raised while building a [`Value`](super::Value) from a `Serialize` type or while
/// emitting one.
///
/// It carries a message and the path of the offending node, like `jobs.build.steps[2].run`.
///
/// ```
/// use pipeline_core::yaml::{to_string, Map, Value};
///
/// let mut step = Map::new();
/// step.insert("run", Value::Commented(Box::new("x".into()), "two\nlines".into()));
/// let mut root = Map::new();
/// root.insert("steps", Value::Seq(vec![Value::Map(step)]));
///
/// let err = to_string(&Value::Map(root)).unwrap_err();
/// assert_eq!(err.path(), "steps[0].run");
/// assert!(err.to_string().starts_with("steps[0].run: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    /// Outermost segment first.
    path: Vec<Segment>,
}

impl Error {
    /// An error at the root with the given message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            path: Vec::new(),
        }
    }

    /// Prefixes the path with a mapping key (used while the error bubbles up).
    pub(crate) fn at_key(mut self, key: &str) -> Self {
        self.path.insert(0, Segment::Key(key.to_owned()));
        self
    }

    /// Prefixes the path with a sequence index (used while the error bubbles up).
    pub(crate) fn at_index(mut self, index: usize) -> Self {
        self.path.insert(0, Segment::Index(index));
        self
    }

    /// Removes the outermost path segment (used to hide the tuple index of a [`Commented`]'s
    /// internal representation).
    ///
    /// [`Commented`]: super::Commented
    pub(crate) fn drop_outermost(mut self) -> Self {
        if !self.path.is_empty() {
            self.path.remove(0);
        }
        self
    }

    /// What went wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where it went wrong, like `jobs.build.steps[2].run`; empty for the document root.
    ///
    /// Keys made only of ASCII letters, digits, `_` and `-` are written bare and joined with `.`;
    /// other keys are written as `["key"]`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                Segment::Key(k) if is_bare_key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Key(k) => {
                    out.push_str("[\"");
                    for c in k.chars() {
                        match c {
                            '"' => out.push_str("\\\""),
                            '\\' => out.push_str("\\\\"),
                            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
                            c => out.push(c),
                        }
                    }
                    out.push_str("\"]");
                }
            }
        }
        out
    }
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for Error {}

impl serde_core::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(msg.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rendering() {
        let e = Error::new("boom")
            .at_key("run")
            .at_index(2)
            .at_key("steps")
            .at_key("build")
            .at_key("jobs");
        assert_eq!(e.path(), "jobs.build.steps[2].run");
        assert_eq!(e.to_string(), "jobs.build.steps[2].run: boom");
        assert_eq!(e.message(), "boom");
    }

    #[test]
    fn odd_keys_are_bracketed() {
        let e = Error::new("x").at_key("a.b").at_key("on");
        assert_eq!(e.path(), "on[\"a.b\"]");
        let e = Error::new("x").at_index(0);
        assert_eq!(e.path(), "[0]");
        assert_eq!(Error::new("x").to_string(), "x");
        let e = Error::new("x").at_key("q\"\\");
        assert_eq!(e.path(), "[\"q\\\"\\\\\"]");
    }
}
