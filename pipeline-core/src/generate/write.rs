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

/// Why the generator refused a path that exists (a symbolic link, a file where a directory
/// belongs): not an operating system error, so it has its own hint.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// An error for a path the generator refuses to use.
pub(crate) fn refused(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, Refused(message.into()))
}

impl IoError {
    /// How to fix it, from the kind of failure.
    pub fn hint(&self) -> Option<String> {
        use io::ErrorKind as K;
        let path = self.path.display();
        if self.source.get_ref().is_some_and(|e| e.is::<Refused>()) {
            return Some(format!(
                "the generator writes only real files and directories inside the output root: replace {path} with one, or write elsewhere with --out DIR"
            ));
        }
        Some(match self.source.kind() {
            K::PermissionDenied => format!(
                "check the ownership and permissions of {path} and its directory, or write elsewhere with --out DIR"
            ),
            K::ReadOnlyFilesystem => {
                "the file system is read-only: write elsewhere with --out DIR, or only compare with --check".into()
            }
            K::StorageFull | K::QuotaExceeded => {
                "the disk (or your quota) is full: free some space and run again".into()
            }
            K::FileTooLarge => "a file size limit was hit: raise it (`ulimit -f`) and run again".into(),
            K::NotADirectory | K::IsADirectory => {
                format!("something on the way to {path} is in the place of a directory or a file: move it away")
            }
            _ => return None,
        })
    }

    /// The error as a [`Diagnostic`](crate::diagnostic::Diagnostic) naming the file.
    pub fn to_diagnostic(&self) -> crate::diagnostic::Diagnostic {
        let d = crate::diagnostic::Diagnostic::error(
            "io",
            crate::diagnostic::Path::root().field(format!("file {}", self.path.display())),
            format!("error while {} {}: {}", self.action, self.path.display(), self.source),
        );
        match self.hint() {
            Some(h) => d.with_hint(h),
            None => d,
        }
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
                            source: refused(format!(
                                "it is a symbolic link to {}, outside the output root",
                                resolved.display()
                            )),
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

impl InsideChecker<'_> {
    /// Checks the directory `root/rel` is in; `Ok(false)` when it does not exist.
    pub(crate) fn check_parent(&mut self, rel: &RelPath) -> Result<bool, IoError> {
        match rel.as_str().rsplit_once('/') {
            None => Ok(self.canonical_root.is_some()),
            Some((dir, _)) => match RelPath::new(dir) {
                Ok(dir) => self.check(&dir),
                Err(_) => Ok(false),
            },
        }
    }
}

/// A file written next to its destination, renamed over it by [`Staged::commit`].
#[derive(Debug)]
pub(crate) struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

/// The suffix of every temporary file: `.<file name>.<16 hex digits>.pipeline-tmp`.
const TEMP_SUFFIX: &str = ".pipeline-tmp";

/// Whether `name` is a temporary file the generator writes beside a file named `file`.
pub(crate) fn is_temp_for(name: &str, file: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_prefix(file))
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// 64 unpredictable bits: std's `RandomState` is seeded from the operating system's random
/// source, and the process id, time and a counter make every call differ.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(t.as_nanos());
    }
    hasher.finish()
}

/// Writes files to temporary files beside their destinations under a root, creating each
/// directory once.
#[derive(Debug)]
pub(crate) struct Stager<'a> {
    root: &'a Path,
    /// Directories created (or found) by this stager.
    dirs: HashSet<PathBuf>,
}

impl<'a> Stager<'a> {
    /// A stager writing under `root`.
    pub(crate) fn new(root: &'a Path) -> Self {
        Self {
            root,
            dirs: HashSet::new(),
        }
    }

    /// Writes `contents` to a new temporary file beside `root/rel` (creating directories). The
    /// temporary file has an unpredictable name and is created exclusively (`O_CREAT | O_EXCL`),
    /// so neither a file nor a symbolic link planted in advance is ever opened or followed.
    pub(crate) fn stage(&mut self, rel: &RelPath, contents: &str) -> Result<Staged, IoError> {
        let dest = self.root.join(rel.as_str());
        let dir = dest.parent().unwrap_or(self.root);
        if !self.dirs.contains(dir) {
            fs::create_dir_all(dir).map_err(io_err("creating directory", dir))?;
            self.dirs.insert(dir.to_path_buf());
        }
        let file_name = dest.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let mut attempts = 0;
        let (temp, mut file) = loop {
            let temp = dir.join(format!(".{file_name}.{:016x}{TEMP_SUFFIX}", random_u64()));
            match fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => break (temp, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => attempts += 1,
                Err(e) => return Err(io_err("writing", &dest)(e)),
            }
        };
        // No fsync: the rename makes the replacement atomic for readers and against a crashed
        // generator; surviving power loss is the version control system's job, and syncing every
        // file would make regenerating a thousand pipelines a hundred times slower.
        if let Err(e) = file.write_all(contents.as_bytes()) {
            drop(file);
            let _ = fs::remove_file(&temp);
            return Err(io_err("writing", &dest)(e));
        }
        Ok(Staged { temp, dest })
    }
}

impl Staged {
    /// Moves the file into place (atomic on POSIX file systems; a symbolic link at the
    /// destination is replaced, never followed).
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

    /// Forgets the temporary file, leaving it on disk (a simulated crash, for tests).
    pub(crate) fn leak(self) {}
}

/// Temporary files a generator left beside `root/rel` (a killed run): relative paths.
pub(crate) fn leftover_temps(root: &Path, rel: &RelPath) -> Vec<RelPath> {
    let (dir, file) = match rel.as_str().rsplit_once('/') {
        Some((dir, file)) => (Some(dir), file),
        None => (None, rel.as_str()),
    };
    let Ok(entries) = fs::read_dir(dir.map_or_else(|| root.to_path_buf(), |d| root.join(d))) else {
        return Vec::new();
    };
    let mut out: Vec<RelPath> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| is_temp_for(name, file))
        .filter_map(|name| RelPath::new(dir.map_or_else(|| name.clone(), |d| format!("{d}/{name}"))).ok())
        .collect();
    out.sort();
    out
}

/// Reads a file the generator owns outright (a manifest): `Ok(None)` when it does not exist; an
/// error when it is a symbolic link or not a regular file, or was swapped while being opened.
pub(crate) fn read_own(root: &Path, rel: &RelPath) -> Result<Option<String>, IoError> {
    let path = root.join(rel.as_str());
    let before = match fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("inspecting", &path)(e)),
    };
    let refuse = |what: &str| IoError {
        action: "reading",
        path: path.clone(),
        source: refused(format!(
            "it is {what}; the generator reads its manifests only from regular files"
        )),
    };
    if before.file_type().is_symlink() {
        return Err(refuse("a symbolic link"));
    }
    if !before.is_file() {
        return Err(refuse("not a regular file"));
    }
    let mut file = fs::File::open(&path).map_err(io_err("reading", &path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let after = file.metadata().map_err(io_err("reading", &path))?;
        if (after.dev(), after.ino()) != (before.dev(), before.ino()) {
            return Err(refuse("being replaced while read"));
        }
    }
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes).map_err(io_err("reading", &path))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Makes sure `root/dir` is a real directory (creating it and the root): the manifests and the
/// lock live there, so a symbolic link is refused even when it points inside the root.
pub(crate) fn own_dir(root: &Path, dir: &str) -> Result<PathBuf, IoError> {
    let path = root.join(dir);
    fs::create_dir_all(root).map_err(io_err("creating directory", root))?;
    match fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => Err(IoError {
            action: "opening",
            path,
            source: refused("it must be a directory, not a symbolic link or a file"),
        }),
        Ok(_) => Ok(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::create_dir(&path) {
            Ok(()) => Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => own_dir(root, dir),
            Err(e) => Err(io_err("creating directory", &path)(e)),
        },
        Err(e) => Err(io_err("inspecting", &path)(e)),
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
        let again = stager.stage(&rel("d/e/a.yml"), "a").expect("stage");
        assert_ne!(a.temp, again.temp, "temporary names are unpredictable");
        again.abandon();
        assert!(!root.0.join("d/e/a.yml").exists());
        let name = a.temp.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(is_temp_for(name, "a.yml"), "{name}");
        assert!(!is_temp_for(name, "b.yml"), "{name}");
        assert_eq!(leftover_temps(&root.0, &rel("d/e/a.yml")).len(), 1);
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
