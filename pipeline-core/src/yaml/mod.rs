//! The project's own YAML and JSON emitter.
//!
//! Platform models serialize (with serde) into a [`Value`] tree via [`to_value`]; the tree is
//! emitted as block-style YAML by [`to_string`] or as pretty JSON by [`to_json_string`].
//!
//! The output is a product promise: it is deterministic (maps keep insertion order), byte-stable
//! (LF line endings, 2-space indentation, no trailing spaces, exactly one final newline) and reads
//! like a hand-written GitHub workflow. Above all, every string reads back as the *identical*
//! string under YAML 1.1 readers (PyYAML, Ruby Psych as used by GitLab) and YAML 1.2 readers
//! (GitHub, actionlint):
//!
//! - strings are plain only when no reader could resolve them to anything else (`on`, `yes`,
//!   `0777`, `1:20`, `2024-01-01`, `.5`, `~` ... are quoted) and scanning is unambiguous;
//! - otherwise single-quoted when the string is one line of printable characters;
//! - multi-line strings become `|` literal blocks when that is exact under every reader;
//! - everything else is double-quoted with escapes, on one line.
//!
//! ```
//! use pipeline_core::yaml::{to_json_string, to_string, Map, Value};
//!
//! let mut push = Map::new();
//! push.insert("branches", vec![Value::from("main")]);
//! let mut on = Map::new();
//! on.insert("push", push);
//!
//! let mut step = Map::new();
//! step.insert("run", "cargo build --release\necho \"Title: x\" # not a comment\n");
//! let mut build = Map::new();
//! build.insert("runs-on", "ubuntu-24.04");
//! build.insert("steps", vec![Value::Map(step)]);
//! let mut jobs = Map::spaced();
//! jobs.insert("build", build);
//!
//! let mut workflow = Map::new();
//! workflow.insert("name", "CI");
//! workflow.insert("on", on);
//! workflow.insert("jobs", jobs);
//! let workflow = Value::Map(workflow);
//!
//! assert_eq!(
//!     to_string(&workflow).unwrap(),
//!     r#"name: CI
//! 'on':
//!   push:
//!     branches:
//!       - main
//! jobs:
//!   build:
//!     runs-on: ubuntu-24.04
//!     steps:
//!       - run: |
//!           cargo build --release
//!           echo "Title: x" # not a comment
//! "#
//! );
//! assert!(to_json_string(&workflow).unwrap().starts_with("{\n  \"name\": \"CI\",\n"));
//! ```

mod emit;
mod error;
mod json;
mod scalar;
mod ser;
mod value;

pub use error::Error;
pub use ser::{Commented, Spaced};
pub use value::{Map, Value};

/// Builds a [`Value`] from any `Serialize` type.
///
/// Structs and maps become [`Map`]s in field / iteration order; map keys must be strings,
/// integers, bools or unit enum variants (stringified). `None` and `()` become [`Value::Null`]
/// (use `skip_serializing_if` to omit a field); unit variants become their name; newtype, tuple and
/// struct variants become a single-key map `{variant: content}`. [`Commented`] and [`Spaced`] are
/// recognised. Floats, byte arrays, integers outside the `i64` range and duplicate keys are
/// errors, reported with the path of the offending field.
///
/// ```
/// use pipeline_core::yaml::{to_string, to_value};
///
/// #[derive(serde::Serialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Job {
///     runs_on: &'static str,
///     #[serde(skip_serializing_if = "Option::is_none")]
///     timeout_minutes: Option<u32>,
///     needs: Vec<&'static str>,
/// }
///
/// let job = Job { runs_on: "ubuntu-24.04", timeout_minutes: None, needs: vec!["lint", "yes"] };
/// let yaml = to_string(&to_value(&job).unwrap()).unwrap();
/// assert_eq!(yaml, "runs-on: ubuntu-24.04\nneeds:\n  - lint\n  - 'yes'\n");
///
/// let err = to_value(&vec![1.5f64]).unwrap_err();
/// assert_eq!(err.path(), "[0]");
/// ```
pub fn to_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    value.serialize(ser::ValueSerializer)
}

/// Emits `value` as a block-style YAML document ending with exactly one `'\n'`.
///
/// Fails (with the path of the node) only on an invalid [`Value::Commented`] (a comment on a
/// collection or a multi-line string, or a comment that is not one printable line) or on a
/// mapping key longer than 1000 characters once written.
///
/// ```
/// use pipeline_core::yaml::{to_string, Map, Value};
///
/// let mut with = Map::new();
/// with.insert("persist-credentials", false);
/// with.insert("fetch-depth", 0);
/// let mut step = Map::new();
/// step.insert(
///     "uses",
///     Value::Commented(Box::new("actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b".into()), "v7.0.1".into()),
/// );
/// step.insert("with", with);
/// let mut root = Map::new();
/// root.insert("steps", vec![Value::Map(step)]);
/// root.insert("if", "$CI_COMMIT_BRANCH == \"main\"");
/// root.insert("when", "on");
/// root.insert("expire_in", "1:20");
///
/// assert_eq!(
///     to_string(&Value::Map(root)).unwrap(),
///     "steps:
///   - uses: actions/checkout@3d3c42e5aa6e3530bd7a4d2ac3d3ec1bfd8bbc1b # v7.0.1
///     with:
///       persist-credentials: false
///       fetch-depth: 0
/// if: $CI_COMMIT_BRANCH == \"main\"
/// when: 'on'
/// expire_in: '1:20'
/// "
/// );
/// ```
pub fn to_string(value: &Value) -> Result<String, Error> {
    emit::to_yaml(value)
}

/// Emits `value` as pretty JSON (2-space indent, `"key": value`, same key order as the maps,
/// comments dropped, `{}`/`[]` for empty collections) ending with one `'\n'`.
///
/// Besides the escapes JSON requires, DEL, C1 controls, U+2028, U+2029, U+FEFF, U+FFFE and
/// U+FFFF are written as `\uXXXX`; other characters are written as UTF-8.
///
/// ```
/// use pipeline_core::yaml::{to_json_string, Map, Value};
///
/// let mut m = Map::new();
/// m.insert("Name", "Build");
/// m.insert("RunOrder", 1);
/// m.insert("Commands", vec![Value::from("echo \"hi\"")]);
/// m.insert("Tags", Map::new());
/// assert_eq!(
///     to_json_string(&Value::Map(m)).unwrap(),
///     "{\n  \"Name\": \"Build\",\n  \"RunOrder\": 1,\n  \"Commands\": [\n    \"echo \\\"hi\\\"\"\n  ],\n  \"Tags\": {}\n}\n"
/// );
/// ```
pub fn to_json_string(value: &Value) -> Result<String, Error> {
    json::to_json(value)
}

/// Emits `value` as compact JSON: no whitespace between tokens and no final line feed, for JSON
/// documents embedded in a string (CodePipeline's `EnvironmentVariables` action configuration),
/// with the same escapes as [`to_json_string`].
///
/// ```
/// use pipeline_core::yaml::{to_json_compact, Map, Value};
///
/// let mut var = Map::new();
/// var.insert("name", "COMMIT");
/// var.insert("value", "#{SourceVariables.CommitId}");
/// var.insert("type", "PLAINTEXT");
/// assert_eq!(
///     to_json_compact(&Value::Seq(vec![Value::Map(var)])).unwrap(),
///     r##"[{"name":"COMMIT","value":"#{SourceVariables.CommitId}","type":"PLAINTEXT"}]"##
/// );
/// ```
pub fn to_json_compact(value: &Value) -> Result<String, Error> {
    json::to_json_compact(value)
}
