//! Carrying out a plan: every new file is staged first; the manifest is written ahead of the
//! files, listing the old and the new files together; then files are moved into place, stale
//! ones removed, and the manifest written again with only the new files.
//!
//! A run stopped at any point (killed, out of space, a failing rename) leaves a manifest that
//! lists every generated file on disk, and temporary files whose names the next run recognises:
//! the next run finishes the job and `--check` reports the difference meanwhile.

use std::path::Path;

use super::WriteSummary;
use super::plan::{Change, Plan};
use super::write::{self, IoError, Stager};
use crate::backend::RelPath;

/// A fault to inject, to test what an interrupted or failing run leaves behind.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Stop dead after this many files are moved into place, as if the process were killed:
    /// nothing is cleaned up.
    CrashAfterRenames(usize),
    /// Make the move of the file with this index (0-based) fail, as a full disk or a vanished
    /// directory would.
    FailRename(usize),
}

/// A write that stopped part way.
#[derive(Debug)]
pub(crate) struct ApplyError {
    /// The cause (`None` for a simulated crash).
    pub(crate) error: Option<IoError>,
    /// What was changed before it stopped.
    pub(crate) done: WriteSummary,
}

fn write_manifest(root: &Path, path: &RelPath, text: &str) -> Result<(), IoError> {
    Stager::new(root).stage(path, text)?.commit()
}

pub(crate) fn apply(root: &Path, plan: &Plan<'_>, fault: Option<Fault>) -> Result<WriteSummary, ApplyError> {
    let mut done = WriteSummary {
        unchanged: plan.unchanged,
        ..WriteSummary::default()
    };
    let fail = |error: IoError, done: WriteSummary| ApplyError {
        error: Some(error),
        done,
    };
    let mut stager = Stager::new(root);
    let mut staged = Vec::new();
    for (path, change) in &plan.changes {
        let contents = match change {
            Change::Create(new) | Change::Update { new, .. } => new,
            Change::Remove(_) => continue,
        };
        match stager.stage(path, contents) {
            Ok(s) => staged.push((path.clone(), s)),
            Err(e) => {
                staged.into_iter().for_each(|(_, s)| s.abandon());
                return Err(fail(e, done));
            }
        }
    }
    if plan.manifest_old.as_deref() != Some(plan.manifest_intent.as_str()) {
        if let Err(e) = write_manifest(root, &plan.manifest, &plan.manifest_intent) {
            staged.into_iter().for_each(|(_, s)| s.abandon());
            return Err(fail(e, done));
        }
        done.manifest_written = true;
    }
    let mut staged = staged.into_iter().enumerate();
    while let Some((i, (path, s))) = staged.next() {
        if fault == Some(Fault::CrashAfterRenames(i)) {
            s.leak();
            staged.for_each(|(_, (_, s))| s.leak());
            return Err(ApplyError { error: None, done });
        }
        let result = if fault == Some(Fault::FailRename(i)) {
            s.abandon();
            Err(IoError {
                action: "writing",
                path: root.join(path.as_str()),
                source: std::io::Error::new(std::io::ErrorKind::StorageFull, "injected failure"),
            })
        } else {
            s.commit()
        };
        if let Err(e) = result {
            staged.for_each(|(_, (_, s))| s.abandon());
            return Err(fail(e, done));
        }
        done.written.push(path);
    }
    for (path, change) in &plan.changes {
        if let Change::Remove(_) = change {
            if let Err(e) = write::remove(root, path) {
                return Err(fail(e, done));
            }
            done.removed.push(path.clone());
        }
    }
    if plan.manifest_intent != plan.manifest_final {
        if let Err(e) = write_manifest(root, &plan.manifest, &plan.manifest_final) {
            return Err(fail(e, done));
        }
        done.manifest_written = true;
    }
    Ok(done)
}
