//! Where artifacts, job outputs and caches live during a local run.
//!
//! Artifacts keep their paths relative to the workspace root: `dist/app.zip` uploaded by one job
//! arrives as `dist/app.zip` under the download directory of the next (GitLab's layout, the one
//! the semantics choose for every platform).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::workspace::{copy_files, select, walk};

/// Artifacts and outputs of the jobs that ran.
#[derive(Debug)]
pub(crate) struct Store {
    artifacts: PathBuf,
    /// Outputs by job id.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
}

/// What an upload stored.
#[derive(Debug)]
pub(crate) struct Uploaded {
    pub(crate) files: Vec<String>,
    pub(crate) unmatched: Vec<String>,
}

impl Store {
    pub(crate) fn new(artifacts: PathBuf) -> Self {
        Self {
            artifacts,
            outputs: BTreeMap::new(),
        }
    }

    /// Stores the files `paths` select in `workspace` as artifact `name` (added to what earlier
    /// uploads of the same name stored, later files replacing earlier ones).
    pub(crate) fn upload(&self, name: &str, workspace: &Path, paths: &[String]) -> std::io::Result<Uploaded> {
        let (files, unmatched) = select(workspace, paths);
        let dir = self.artifacts.join(name);
        std::fs::create_dir_all(&dir)?;
        copy_files(workspace, &dir, &files)?;
        Ok(Uploaded { files, unmatched })
    }

    /// Copies artifact `name` into `into`; `None` when no job uploaded it.
    pub(crate) fn download(&self, name: &str, into: &Path) -> std::io::Result<Option<Vec<String>>> {
        let dir = self.artifacts.join(name);
        if !dir.is_dir() {
            return Ok(None);
        }
        let files = walk(&dir);
        std::fs::create_dir_all(into)?;
        copy_files(&dir, into, &files)?;
        Ok(Some(files))
    }

    /// Sets output `name` of job `job`; returns the value it replaces when different (matrix
    /// cells setting the same output: the last cell wins).
    pub(crate) fn set_output(&mut self, job: &str, name: &str, value: String) -> Option<String> {
        let old = self
            .outputs
            .entry(job.to_owned())
            .or_default()
            .insert(name.to_owned(), value.clone());
        old.filter(|o| *o != value)
    }

    /// Output `name` of job `job`.
    pub(crate) fn output(&self, job: &str, name: &str) -> Option<&String> {
        self.outputs.get(job)?.get(name)
    }
}

/// The local cache: one directory per key under the cache root, which persists between runs.
#[derive(Debug)]
pub(crate) struct LocalCache {
    root: PathBuf,
}

impl LocalCache {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The key of a cache: its prefix and a hash of the key files' contents (FNV-1a, stable).
    pub(crate) fn key(prefix: &str, workspace: &Path, files: &[String]) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let (selected, _) = select(workspace, files);
        for f in selected {
            let bytes = std::fs::read(workspace.join(&f)).unwrap_or_default();
            for b in f.as_bytes().iter().chain(b"\0").chain(bytes.iter()) {
                hash ^= u64::from(*b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        let clean: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{clean}-{hash:016x}")
    }

    /// Restores cache `key` into `workspace`; the files restored, `None` on a miss.
    pub(crate) fn restore(&self, key: &str, workspace: &Path) -> std::io::Result<Option<usize>> {
        let dir = self.root.join(key);
        if !dir.is_dir() {
            return Ok(None);
        }
        let files = walk(&dir);
        copy_files(&dir, workspace, &files)?;
        Ok(Some(files.len()))
    }

    /// Saves `paths` of `workspace` as cache `key` (replacing it).
    pub(crate) fn save(&self, key: &str, workspace: &Path, paths: &[String]) -> std::io::Result<usize> {
        let (files, _) = select(workspace, paths);
        let dir = self.root.join(key);
        let tmp = self.root.join(format!(".{key}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)?;
        copy_files(workspace, &tmp, &files)?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&tmp, &dir)?;
        Ok(files.len())
    }
}
