//! The run's private directory: a snapshot of the repository's tracked files, one fresh workspace
//! per job, the artifact store and the step scripts, removed when the run ends, however it ends.
//!
//! Cleanup does not depend on the runner surviving: a small guardian process (a `bash` loop in
//! its own process group, so a terminal's Ctrl-C does not reach it) reads the process group of
//! the step running now from a pipe. When the pipe closes (the runner finished, was interrupted
//! with SIGINT or SIGTERM, or killed) it ends that process group and removes the directory.
//! No signal handler is needed, so the runner stays `std`-only and free of `unsafe`.

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use super::context::{glob_match, is_glob};

/// The guardian's script: `$1` is the directory to remove.
const GUARDIAN: &str = r#"trap '' INT TERM HUP
pg=
while IFS= read -r line; do
  case "$line" in
    "pgid "*) pg="${line#pgid }" ;;
    idle) pg= ;;
  esac
done
if [ -n "$pg" ] && kill -0 -- "-$pg" 2>/dev/null; then
  echo "run: interrupted: ending the running step (process group $pg) and removing the workspace" >&2
  kill -TERM -- "-$pg" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pg" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pg" 2>/dev/null
fi
rm -rf -- "$1"
"#;

/// The run's private directory (removed on drop) and its guardian.
#[derive(Debug)]
pub(crate) struct RunDir {
    root: PathBuf,
    guardian: Option<(Child, ChildStdin)>,
}

impl RunDir {
    /// Creates a fresh directory under the system temporary directory.
    pub(crate) fn new() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!("pipeline-run-{}-{nanos:09}", std::process::id()));
        std::fs::create_dir_all(&root)?;
        let guardian = Command::new("bash")
            .args(["--noprofile", "--norc", "-c", GUARDIAN, "pipeline-run-guardian"])
            .arg(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .ok()
            .and_then(|mut child| child.stdin.take().map(|stdin| (child, stdin)));
        Ok(Self { root, guardian })
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    /// Tells the guardian which process group runs now (`None`: none).
    pub(crate) fn running(&mut self, pgid: Option<u32>) {
        if let Some((_, stdin)) = &mut self.guardian {
            let line = match pgid {
                Some(p) => format!("pgid {p}\n"),
                None => "idle\n".to_owned(),
            };
            let _ = stdin.write_all(line.as_bytes()).and_then(|()| stdin.flush());
        }
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        if let Some((mut child, stdin)) = self.guardian.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// The files git tracks in `repo` (working-tree contents, so uncommitted edits are included),
/// as relative paths. Files deleted from the working tree are left out.
pub(crate) fn tracked_files(repo: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("git")
        .args(["ls-files", "-z", "--cached"])
        .current_dir(repo)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git in {}: {e}", repo.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} is not a git repository (the workspace is a copy of the tracked files): {}",
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| repo.join(p).symlink_metadata().is_ok_and(|m| !m.is_dir()))
        .collect())
}

/// Copies `files` (relative paths) from `from` to `to`, keeping symlinks as symlinks; many
/// files are copied by a few threads (creating files is what a checkout spends its time on).
pub(crate) fn copy_files(from: &Path, to: &Path, files: &[String]) -> std::io::Result<()> {
    const PER_THREAD: usize = 64;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
    if files.len() <= PER_THREAD {
        return files
            .iter()
            .try_for_each(|rel| copy_one(&from.join(rel), &to.join(rel)));
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(|rel| copy_one(&from.join(rel), &to.join(rel)))))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("a copy thread panicked")))
        })
    })
}

fn copy_one(src: &Path, dst: &Path) -> std::io::Result<()> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let meta = src.symlink_metadata()?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(src)?;
        let _ = std::fs::remove_file(dst);
        std::os::unix::fs::symlink(target, dst)
    } else {
        std::fs::copy(src, dst).map(|_| ())
    }
}

/// Every file under `dir`, as sorted relative paths (`/`-separated); symlinks are files.
pub(crate) fn walk(dir: &Path) -> Vec<String> {
    fn go(dir: &Path, base: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                go(&path, base, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    go(dir, dir, &mut out);
    out.sort();
    out
}

/// The files under `root` that `patterns` select: a file, every file under a directory, or
/// every file matching a glob. Returns the files and the patterns that matched nothing.
pub(crate) fn select(root: &Path, patterns: &[String]) -> (Vec<String>, Vec<String>) {
    let mut files: Vec<String> = Vec::new();
    let mut missing = Vec::new();
    let mut all: Option<Vec<String>> = None;
    for pattern in patterns {
        let clean = pattern.trim_start_matches("./").trim_end_matches('/');
        let before = files.len();
        if is_glob(clean) {
            let all = all.get_or_insert_with(|| walk(root));
            files.extend(
                all.iter()
                    .filter(|f| glob_match(clean, f) || glob_match(&format!("{clean}/**"), f))
                    .cloned(),
            );
        } else {
            let path = root.join(clean);
            if path.is_dir() {
                files.extend(walk(&path).into_iter().map(|f| format!("{clean}/{f}")));
            } else if path.symlink_metadata().is_ok() {
                files.push(clean.to_owned());
            }
        }
        if files.len() == before {
            missing.push(pattern.clone());
        }
    }
    files.sort();
    files.dedup();
    (files, missing)
}

/// Whether a relative path stays inside its root (no `..`, not absolute).
pub(crate) fn is_inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_files_dirs_and_globs() {
        let dir = RunDir::new().expect("dir");
        let root = dir.path();
        for f in ["dist/a.txt", "dist/sub/b.txt", "c.log"] {
            std::fs::create_dir_all(root.join(f).parent().expect("parent")).expect("mkdir");
            std::fs::write(root.join(f), "x").expect("write");
        }
        let (files, missing) = select(root, &["dist".into(), "*.log".into(), "nothing/here".into()]);
        assert_eq!(files, ["c.log", "dist/a.txt", "dist/sub/b.txt"]);
        assert_eq!(missing, ["nothing/here"]);
        let (files, _) = select(root, &["dist/*.txt".into()]);
        assert_eq!(files, ["dist/a.txt"]);
        let path = root.to_path_buf();
        drop(dir);
        assert!(!path.exists());
        assert!(is_inside("a/./b") && !is_inside("../a") && !is_inside("/etc"));
    }
}
