//! An advisory lock on the output root, so two generators writing under one root at once take
//! turns instead of interleaving their manifests and files.
//!
//! The lock is a file, `.pipeline-manifests/.lock`, created exclusively (`O_CREAT | O_EXCL`)
//! and holding the owner's process id and a random nonce; it is removed when the run ends. A
//! second generator polls until the file is gone or `timeout` passes, then fails naming the
//! file. A lock left by a killed generator is stale when its process no longer exists (checked
//! through `/proc` where there is one): it is moved aside under a unique name, verified to be the
//! stale one, and deleted. (`std::fs::File::lock` would let the kernel release the lock, but needs
//! Rust 1.89; the workspace's MSRV is 1.85.)

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::write::{IoError, random_u64};

/// The lock file's name inside the manifest directory.
pub(crate) const LOCK_FILE: &str = ".lock";

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct RootLock {
    path: PathBuf,
    contents: String,
}

impl Drop for RootLock {
    fn drop(&mut self) {
        // Remove it only if it is still ours (a stale-lock breaker could have replaced it).
        if fs::read_to_string(&self.path).is_ok_and(|c| c == self.contents) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The process id a lock file names.
fn owner(contents: &str) -> Option<u32> {
    contents
        .lines()
        .find_map(|l| l.strip_prefix("pid "))
        .and_then(|p| p.trim().parse().ok())
}

/// Whether process `pid` is gone, where that can be told (`/proc` on Linux).
fn is_gone(pid: u32) -> bool {
    let proc_dir = Path::new("/proc");
    proc_dir.join("self").exists() && !proc_dir.join(pid.to_string()).exists()
}

/// Removes the lock at `path` if it is still the stale one that held `contents`.
fn break_stale(path: &Path, contents: &str) {
    let aside = path.with_file_name(format!("{LOCK_FILE}.stale.{:016x}", random_u64()));
    if fs::rename(path, &aside).is_err() {
        return;
    }
    if fs::read_to_string(&aside).is_ok_and(|c| c == contents) {
        let _ = fs::remove_file(&aside);
    } else {
        // Another generator took the lock in between: give it back (a link fails rather than
        // replace a lock created meanwhile).
        let _ = fs::hard_link(&aside, path);
        let _ = fs::remove_file(&aside);
    }
}

/// Waits at most `timeout` for the lock on `dir` (the manifest directory).
pub(crate) fn lock(dir: &Path, timeout: Duration) -> Result<RootLock, IoError> {
    let path = dir.join(LOCK_FILE);
    let contents = format!("pid {}\nnonce {:016x}\n", std::process::id(), random_u64());
    let err = |source| IoError {
        action: "locking",
        path: path.clone(),
        source,
    };
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                let lock = RootLock {
                    path: path.clone(),
                    contents: contents.clone(),
                };
                file.write_all(contents.as_bytes()).map_err(err)?;
                return Ok(lock);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(err(e)),
        }
        let held = fs::read_to_string(&path).unwrap_or_default();
        if owner(&held).is_some_and(is_gone) {
            break_stale(&path, &held);
            continue;
        }
        if start.elapsed() >= timeout {
            let by = owner(&held).map(|p| format!(" (process {p})")).unwrap_or_default();
            return Err(err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "another generator{by} has been writing under this output root for {:.1} s; \
                     wait for it and run again (PIPELINE_LOCK_TIMEOUT=<seconds> waits longer), or \
                     delete the lock file if no generator is running",
                    timeout.as_secs_f64()
                ),
            )));
        }
        std::thread::sleep(
            pause
                .min(timeout.saturating_sub(start.elapsed()))
                .max(Duration::from_millis(1)),
        );
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_fails_clearly_and_a_dead_owners_lock_is_broken() {
        let dir = std::env::temp_dir().join(format!("pipeline-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("mkdir");
        let held = lock(&dir, Duration::from_secs(1)).expect("first lock");
        let start = Instant::now();
        let err = lock(&dir, Duration::from_millis(200)).expect_err("held elsewhere");
        assert!(start.elapsed() >= Duration::from_millis(200), "it waited");
        assert!(err.to_string().contains("another generator (process "), "{err}");
        drop(held);
        assert!(!dir.join(LOCK_FILE).exists(), "released on drop");
        // A lock whose process is gone.
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let dead = child.id();
        child.wait().expect("wait");
        fs::write(dir.join(LOCK_FILE), format!("pid {dead}\nnonce 0\n")).expect("write");
        let again = lock(&dir, Duration::from_millis(200)).expect("a stale lock is broken");
        drop(again);
        let _ = fs::remove_dir_all(&dir);
    }
}
