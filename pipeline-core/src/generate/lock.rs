//! An advisory lock on the output root, so two generators writing under one root at once take
//! turns instead of interleaving their manifests and files.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows) on the
//! manifest directory (on Unix) or on a `.lock` file inside it (elsewhere): it is released when
//! the process ends, however it ends, so a killed generator never leaves a stale lock behind.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use super::write::IoError;

/// Holds the lock until dropped.
#[derive(Debug)]
pub(crate) struct RootLock {
    _file: fs::File,
}

/// Waits at most `timeout` for the lock on `dir` (the manifest directory).
pub(crate) fn lock(dir: &Path, timeout: Duration) -> Result<RootLock, IoError> {
    #[cfg(unix)]
    let target = dir.to_path_buf();
    #[cfg(not(unix))]
    let target = dir.join(".lock");
    let err = |source| IoError {
        action: "locking",
        path: target.clone(),
        source,
    };
    #[cfg(unix)]
    let file = fs::File::open(&target).map_err(err)?;
    #[cfg(not(unix))]
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&target)
        .map_err(err)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RootLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                std::thread::sleep(pause.min(timeout.saturating_sub(start.elapsed())));
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another generator has been writing under this output root for {:.1} s; \
                         wait for it to finish and run again (PIPELINE_LOCK_TIMEOUT=<seconds> waits longer)",
                        timeout.as_secs_f64()
                    ),
                )));
            }
            Err(fs::TryLockError::Error(e)) => return Err(err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_fails_clearly() {
        let dir = std::env::temp_dir().join(format!("pipeline-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("mkdir");
        let held = lock(&dir, Duration::from_secs(1)).expect("first lock");
        let start = Instant::now();
        let err = lock(&dir, Duration::from_millis(300)).expect_err("held elsewhere");
        assert!(start.elapsed() >= Duration::from_millis(300), "it waited");
        assert!(err.to_string().contains("another generator"), "{err}");
        drop(held);
        let again = lock(&dir, Duration::from_millis(300)).expect("released on drop");
        drop(again);
        let _ = fs::remove_dir_all(&dir);
    }
}
