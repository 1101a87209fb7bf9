//! File system side of the generator: reading what is there, writing atomically, and never
//! leaving the output root.

use std::collections::{HashMap, HashSet};
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

/// Refuses targets whose existing parent directories (or the target itself) leave the root
/// through a symbolic link, and tells whether each target exists.
///
/// The root is resolved once, and each parent directory is inspected once per run: like the
/// plan made from these checks, they assume nothing else changes the tree while the generator
/// runs.
#[derive(Debug)]
pub(crate) struct InsideChecker<'a> {
    root: &'a Path,
    /// `None` when the root does not exist (so nothing under it does).
    canonical_root: Option<PathBuf>,
    /// Parent directories (relative to the root) already inspected: `true` if they exist (and stay
    /// inside the root), `false` if they do not exist.
    dirs: HashMap<String, bool>,
}

impl<'a> InsideChecker<'a> {
    /// Resolves the root.
    pub(crate) fn new(root: &'a Path) -> Result<Self, IoError> {
        let canonical_root = match root.canonicalize() {
            Ok(r) => Some(r),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None, // nothing exists yet
            Err(e) => return Err(io_err("resolving", root)(e)),
        };
        Ok(Self {
            root,
            canonical_root,
            dirs: HashMap::new(),
        })
    }

    /// Checks `root/rel`; `Ok(false)` when it does not exist.
    pub(crate) fn check(&mut self, rel: &RelPath) -> Result<bool, IoError> {
        let Some(canonical_root) = &self.canonical_root else {
            return Ok(false);
        };
        let rel = rel.as_str();
        let mut current = self.root.to_path_buf();
        let mut components = rel.split('/').peekable();
        let mut end = 0;
        while let Some(component) = components.next() {
            current.push(component);
            end += component.len();
            let is_dir = components.peek().is_some();
            if is_dir {
                match self.dirs.get(&rel[..end]) {
                    Some(true) => {
                        end += 1; // the `/`
                        continue;
                    }
                    Some(false) => return Ok(false),
                    None => {}
                }
            }
            let exists = match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let resolved = current.canonicalize().map_err(io_err("resolving", &current))?;
                    if !resolved.starts_with(canonical_root) {
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
                    true
                }
                Ok(_) => true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                Err(e) => return Err(io_err("inspecting", &current)(e)),
            };
            if !is_dir {
                return Ok(exists);
            }
            self.dirs.insert(rel[..end].to_owned(), exists);
            if !exists {
                return Ok(false);
            }
            end += 1; // the `/`
        }
        Ok(false)
    }
}

/// A file written next to its destination, renamed over it by [`Staged::commit`].
#[derive(Debug)]
pub(crate) struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

/// Writes files to temporary files beside their destinations under a root, creating each
/// directory once.
#[derive(Debug)]
pub(crate) struct Stager<'a> {
    root: &'a Path,
    /// This process's id, which names the temporary files.
    pid: u32,
    /// Directories created (or found) by this stager.
    dirs: HashSet<PathBuf>,
}

impl<'a> Stager<'a> {
    /// A stager writing under `root`.
    pub(crate) fn new(root: &'a Path) -> Self {
        Self {
            root,
            pid: std::process::id(),
            dirs: HashSet::new(),
        }
    }

    /// Writes `contents` to a temporary file beside `root/rel` (creating directories).
    pub(crate) fn stage(&mut self, rel: &RelPath, contents: &str) -> Result<Staged, IoError> {
        let dest = self.root.join(rel.as_str());
        let dir = dest.parent().unwrap_or(self.root);
        if !self.dirs.contains(dir) {
            fs::create_dir_all(dir).map_err(io_err("creating directory", dir))?;
            self.dirs.insert(dir.to_path_buf());
        }
        let mut name = std::ffi::OsString::from(".");
        name.push(dest.file_name().unwrap_or_default());
        name.push(format!(".tmp{}", self.pid));
        let temp = dir.join(name);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("pipeline-write-{label}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("create scratch directory");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn rel(p: &str) -> RelPath {
        RelPath::new(p).expect("valid path")
    }

    #[test]
    fn inside_checker_caches_directories_and_refuses_links_out() {
        let root = Scratch::new("root");
        let outside = Scratch::new("outside");
        let r = &root.0;
        fs::create_dir_all(r.join("a/deep")).expect("mkdir");
        fs::write(r.join("a/f"), "x").expect("write");
        std::os::unix::fs::symlink(&outside.0, r.join("out")).expect("symlink");
        std::os::unix::fs::symlink(r.join("a"), r.join("in")).expect("symlink");
        fs::write(outside.0.join("file"), "x").expect("write");
        std::os::unix::fs::symlink(outside.0.join("file"), r.join("a/escape")).expect("symlink");
        let mut inside = InsideChecker::new(r).expect("root");
        // Twice each: the second answer comes from the cached directories.
        for _ in 0..2 {
            assert!(!inside.check(&rel("a/missing")).expect("inside"));
            assert!(inside.check(&rel("a/f")).expect("inside"));
            assert!(!inside.check(&rel("a/deep/x")).expect("inside"));
            assert!(inside.check(&rel("in/f")).expect("a link inside the root"));
            assert!(!inside.check(&rel("new/dir/x")).expect("missing directories"));
            let err = inside.check(&rel("out/x")).expect_err("a link out of the root");
            assert!(err.to_string().contains("outside the output root"), "{err}");
            let err = inside.check(&rel("a/escape")).expect_err("the target is a link out");
            assert!(err.to_string().contains("outside the output root"), "{err}");
            assert!(inside.check(&rel("a/f/x")).is_err(), "a file used as a directory");
        }
        let missing = r.join("not-yet");
        let mut nothing = InsideChecker::new(&missing).expect("a missing root");
        assert!(!nothing.check(&rel("a/f")).expect("nothing exists"));
    }

    #[test]
    fn stager_writes_beside_the_destination_and_commits_by_renaming() {
        let root = Scratch::new("stage");
        let mut stager = Stager::new(&root.0);
        let a = stager.stage(&rel("d/e/a.yml"), "a").expect("stage");
        let b = stager.stage(&rel("d/e/b.yml"), "b").expect("stage");
        assert!(!root.0.join("d/e/a.yml").exists());
        assert_eq!(fs::read_to_string(&a.temp).ok().as_deref(), Some("a"));
        a.commit().expect("commit");
        b.abandon();
        assert_eq!(fs::read_to_string(root.0.join("d/e/a.yml")).ok().as_deref(), Some("a"));
        let left: Vec<_> = fs::read_dir(root.0.join("d/e"))
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["a.yml"]);
    }
}
