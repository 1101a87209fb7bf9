//! File system side of the generator: reading what is there, writing atomically, and never
//! leaving the output root.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::backend::RelPath;

/// An I/O failure naming the file it happened on.
#[derive(Debug)]
pub struct IoError {
    /// What was being done (`writing`, `reading`, `removing`).
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The cause.
    pub source: io::Error,
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error while {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> IoError + 'a {
    move |source| IoError {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a file under the root; `Ok(None)` when it does not exist.
pub(crate) fn read(root: &Path, rel: &RelPath) -> Result<Option<String>, IoError> {
    let path = root.join(rel.as_str());
    match fs::read(&path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("reading", &path)(e)),
    }
}

/// Refuses a target whose existing parent directories leave the root through a symbolic link.
pub(crate) fn check_inside(root: &Path, rel: &RelPath) -> Result<(), IoError> {
    let canonical_root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()), // nothing exists yet
        Err(e) => return Err(io_err("resolving", root)(e)),
    };
    let mut current = root.to_path_buf();
    for component in rel.as_str().split('/') {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let resolved = current.canonicalize().map_err(io_err("resolving", &current))?;
                if !resolved.starts_with(&canonical_root) {
                    return Err(IoError {
                        action: "writing",
                        path: current.clone(),
                        source: io::Error::new(
                            io::ErrorKind::PermissionDenied,
                            format!(
                                "it is a symbolic link to {}, outside the output root",
                                resolved.display()
                            ),
                        ),
                    });
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err("inspecting", &current)(e)),
        }
    }
    Ok(())
}

/// A file written next to its destination, renamed over it by [`Staged::commit`].
#[derive(Debug)]
pub(crate) struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

/// Writes `contents` to a temporary file beside `root/rel` (creating directories).
pub(crate) fn stage(root: &Path, rel: &RelPath, contents: &str) -> Result<Staged, IoError> {
    let dest = root.join(rel.as_str());
    let dir = dest.parent().unwrap_or(root);
    fs::create_dir_all(dir).map_err(io_err("creating directory", dir))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    // No fsync: the rename makes the replacement atomic for readers and against a crashed
    // generator; surviving power loss is the version control system's job, and syncing every
    // file would make regenerating a thousand pipelines a hundred times slower.
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(contents.as_bytes())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(io_err("writing", &dest)(e));
    }
    Ok(Staged { temp, dest })
}

impl Staged {
    /// Moves the file into place (atomic on POSIX file systems).
    pub(crate) fn commit(self) -> Result<(), IoError> {
        fs::rename(&self.temp, &self.dest).map_err(|e| {
            let _ = fs::remove_file(&self.temp);
            io_err("writing", &self.dest)(e)
        })
    }

    /// Removes the temporary file.
    pub(crate) fn abandon(self) {
        let _ = fs::remove_file(&self.temp);
    }
}

/// Removes a generated file, then the directories it leaves empty (up to the root).
pub(crate) fn remove(root: &Path, rel: &RelPath) -> Result<(), IoError> {
    let path = root.join(rel.as_str());
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("removing", &path)(e)),
    }
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
