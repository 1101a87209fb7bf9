//! Reading the generated files the aws-access tests check (`tests/aws_access_claims.rs`,
//! `tests/aws_access_grants.rs`): a generated YAML file as JSON, and the files of a generated
//! directory.

use std::fs;
use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, YamlOwned};
use serde_json::Value;

use crate::readback::to_json;

/// The first document of the YAML file at `path`, as JSON.
///
/// # Panics
/// When the file cannot be read or is not YAML.
pub fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlOwned::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    to_json(&docs[0])
}

/// The files directly in `dir` whose name ends with `suffix`, sorted.
///
/// # Panics
/// When the directory cannot be read.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("as generated").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}
