//! The project's own YAML and JSON emitter.
//!
//! Any `Serialize` type (a platform model such as a GitHub workflow) is written as block-style
//! YAML by [`to_yaml_string`] or as pretty JSON by [`to_json`], directly: the serializers write
//! text as serde walks the model, with no intermediate tree. [`append_yaml`] and [`append_json`]
//! write after what a `String` already holds (a header, say).
//!
//! Models keep their small maps in [`OrderedMap`]s (insertion order, no hashing).
//!
//! A document to patch by hand is a [`Value`] (built with [`Map`]s, or from a model by
//! [`to_value`]); [`to_string`] and [`to_json_string`] emit it through the same serializers
//! ([`Value`] implements `Serialize`), so both paths give identical text under one set of style
//! rules.
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
mod index;
mod json;
mod ordered;
mod scalar;
mod ser;
mod value;

pub use error::Error;
pub use ordered::OrderedMap;
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
pub fn to_value<T: serde_core::Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    value.serialize(ser::ValueSerializer)
}

/// Emits `value` as a block-style YAML document ending with exactly one `'\n'`.
///
/// The same as [`to_yaml_string`] (a [`Value`] is `Serialize`), kept for documents built or
/// patched as [`Value`]s. Fails (with the path of the node) only on an invalid
/// [`Value::Commented`] (a comment on a collection or a multi-line string, or a comment that is
/// not one printable line) or on a mapping key longer than 1000 characters once written.
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
    to_yaml_string(value)
}

/// Emits any `Serialize` value as a block-style YAML document ending with exactly one `'\n'`,
/// writing the text while serde walks the value (no intermediate [`Value`]).
///
/// The text is exactly what [`to_string`] gives for [`to_value`]`(value)`, and the rules are
/// those of [`to_value`]: structs and maps in field / iteration order, keys stringified, `None`
/// as `null` (use `skip_serializing_if` to omit a field), enum variants with data as single-key
/// maps, [`Commented`] and [`Spaced`] recognised; empty collections are `{}` / `[]` (lengths
/// given by `Serialize` implementations are not relied upon). Errors carry the path of the node,
/// like `jobs.build.steps[2].run`: floats, byte arrays, integers outside the `i64` range,
/// unsupported map keys, duplicate keys, an invalid [`Commented`] (see [`to_string`]) and keys
/// longer than 1000 characters.
///
/// ```
/// use pipeline_core::yaml::{to_yaml_string, Commented, Spaced};
/// use std::collections::BTreeMap;
///
/// #[derive(serde::Serialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Step {
///     uses: Commented<&'static str>,
///     #[serde(skip_serializing_if = "BTreeMap::is_empty")]
///     with: BTreeMap<&'static str, &'static str>,
/// }
/// #[derive(serde::Serialize)]
/// #[serde(rename_all = "kebab-case")]
/// struct Job {
///     runs_on: &'static str,
///     timeout_minutes: Option<u32>,
///     steps: Vec<Step>,
/// }
///
/// let step = Step { uses: Commented("actions/checkout@3d3c42e", "v7.0.1".into()), with: BTreeMap::new() };
/// let job = Job { runs_on: "ubuntu-24.04", timeout_minutes: None, steps: vec![step] };
/// let jobs = Spaced(BTreeMap::from([("build", &job), ("test", &job)]));
/// assert_eq!(
///     to_yaml_string(&BTreeMap::from([("jobs", jobs)])).unwrap(),
///     "jobs:
///   build:
///     runs-on: ubuntu-24.04
///     timeout-minutes: null
///     steps:
///       - uses: actions/checkout@3d3c42e # v7.0.1
///
///   test:
///     runs-on: ubuntu-24.04
///     timeout-minutes: null
///     steps:
///       - uses: actions/checkout@3d3c42e # v7.0.1
/// "
/// );
///
/// let err = to_yaml_string(&BTreeMap::from([("steps", vec![None, Some(1.5f64)])])).unwrap_err();
/// assert_eq!(err.path(), "steps[1]");
/// ```
pub fn to_yaml_string<T: serde_core::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    emit::write_yaml(&mut out, value)?;
    Ok(out)
}

/// Like [`to_yaml_string`], appending the document to `out` (after a header, say). On error,
/// `out` is left as it was.
///
/// ```
/// let mut file = String::from("# generated\n");
/// pipeline_core::yaml::append_yaml(&mut file, &["a", "on"]).unwrap();
/// assert_eq!(file, "# generated\n- a\n- 'on'\n");
/// assert!(pipeline_core::yaml::append_yaml(&mut file, &[1.5f64]).is_err());
/// assert_eq!(file, "# generated\n- a\n- 'on'\n");
/// ```
pub fn append_yaml<T: serde_core::Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    emit::write_yaml(out, value)
}

/// Emits `value` as pretty JSON (2-space indent, `"key": value`, same key order as the maps,
/// comments dropped, `{}`/`[]` for empty collections) ending with one `'\n'`.
///
/// The same as [`to_json`] (a [`Value`] is `Serialize`), kept for documents built or patched as
/// [`Value`]s; it does not fail.
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
    to_json(value)
}

/// Emits any `Serialize` value as pretty JSON (the layout of [`to_json_string`]), writing the
/// text while serde walks the value (no intermediate [`Value`]).
///
/// The text is exactly what [`to_json_string`] gives for [`to_value`]`(value)`; the errors are
/// those of [`to_value`] (floats, byte arrays, integers outside the `i64` range, unsupported or
/// duplicate map keys), with the path of the node.
///
/// ```
/// use pipeline_core::yaml::{to_json, Commented};
///
/// #[derive(serde::Serialize)]
/// #[serde(rename_all = "PascalCase")]
/// struct Action {
///     name: &'static str,
///     run_order: u8,
///     version: Commented<&'static str>,
/// }
/// let action = Action { name: "Build", run_order: 1, version: Commented("1", "dropped".into()) };
/// assert_eq!(
///     to_json(&[action]).unwrap(),
///     "[\n  {\n    \"Name\": \"Build\",\n    \"RunOrder\": 1,\n    \"Version\": \"1\"\n  }\n]\n"
/// );
/// ```
pub fn to_json<T: serde_core::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    json::write_json(&mut out, value)?;
    Ok(out)
}

/// Like [`to_json`], appending the document to `out`. On error, `out` is left as it was.
///
/// ```
/// let mut out = String::new();
/// pipeline_core::yaml::append_json(&mut out, &[("a", 1)]).unwrap();
/// assert_eq!(out, "[\n  [\n    \"a\",\n    1\n  ]\n]\n");
/// ```
pub fn append_json<T: serde_core::Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    json::write_json(out, value)
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
