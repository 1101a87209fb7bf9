//! Running one step: a fresh `bash --noprofile --norc -eo pipefail SCRIPT` (the script is a file,
//! stdin is empty) in its own process group, with exactly the environment the model declares,
//! output read line by line (masked by the caller), a deadline, and the whole process group ended
//! when the step ends, times out or the run is interrupted.

use std::io::BufRead as _;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::workspace::RunDir;

/// Host variables a step sees besides the ones the model declares: what finding programs,
/// the home directory, the locale and temporary files need. Nothing else leaks in (secrets
/// included: they reach a step only through its declared `env`).
pub const HOST_VARIABLES: [&str; 12] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TERM",
    "TMPDIR",
    "TZ",
    "CARGO_HOME",
    "RUSTUP_HOME",
];

/// A container engine to run steps in, when asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Engine {
    /// `docker` or `podman`.
    pub program: String,
}

/// One step to run.
#[derive(Debug)]
pub(crate) struct StepProcess {
    pub(crate) script: PathBuf,
    pub(crate) cwd: PathBuf,
    pub(crate) env: Vec<(String, String)>,
    /// Runs in this image with the engine (the run directory is mounted at the same path).
    pub(crate) container: Option<(Engine, String, PathBuf)>,
}

/// Which stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    Out,
    Err,
}

/// How a step process ended.
#[derive(Debug)]
pub(crate) struct Ended {
    /// Exit code (`None`: ended by a signal).
    pub(crate) code: Option<i32>,
    /// The deadline passed and the step was ended.
    pub(crate) timed_out: bool,
    /// Standard output, when captured instead of logged.
    pub(crate) stdout: Vec<u8>,
}

impl StepProcess {
    fn command(&self) -> Command {
        let bash = ["--noprofile", "--norc", "-eo", "pipefail"];
        let mut cmd = match &self.container {
            None => {
                let mut c = Command::new("bash");
                c.args(bash).arg(&self.script).current_dir(&self.cwd);
                c
            }
            Some((engine, image, mount)) => {
                let mut c = Command::new(&engine.program);
                let m = mount.to_string_lossy();
                c.args(["run", "--rm", "--init", "-i=false", "-v"])
                    .arg(format!("{m}:{m}"))
                    .arg("-w")
                    .arg(&self.cwd);
                for (k, _) in &self.env {
                    c.arg("-e").arg(k);
                }
                c.arg(image).arg("bash").args(bash).arg(&self.script);
                c
            }
        };
        cmd.env_clear();
        for name in HOST_VARIABLES {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs to the end or `deadline`. Lines go to `line` as they come (standard output too,
    /// unless `capture`).
    pub(crate) fn run(
        &self,
        dir: &mut RunDir,
        deadline: Instant,
        capture: bool,
        line: &mut dyn FnMut(Stream, &str),
    ) -> std::io::Result<Ended> {
        let mut child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let pgid = child.id();
        dir.running(Some(pgid));
        let (tx, rx) = mpsc::channel::<(Stream, Vec<u8>)>();
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            let tx = tx.clone();
            readers.push(std::thread::spawn(move || pump(out, Stream::Out, &tx)));
        }
        if let Some(err) = child.stderr.take() {
            let tx = tx.clone();
            readers.push(std::thread::spawn(move || pump(err, Stream::Err, &tx)));
        }
        drop(tx);
        let mut stdout = Vec::new();
        let mut timed_out = false;
        let mut exited_at: Option<Instant> = None;
        loop {
            let now = Instant::now();
            let wait = deadline.saturating_duration_since(now).min(Duration::from_millis(50));
            match rx.recv_timeout(wait) {
                Ok((stream, bytes)) => {
                    if capture && stream == Stream::Out {
                        stdout.extend_from_slice(&bytes);
                    } else {
                        let text = String::from_utf8_lossy(&bytes);
                        line(stream, text.trim_end_matches(['\n', '\r']));
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= deadline && !timed_out {
                timed_out = true;
                end_group(pgid);
            }
            if exited_at.is_none() && child.try_wait()?.is_some() {
                exited_at = Some(Instant::now());
            }
            // The step ended but something it started in the background keeps its output
            // open: end it, as the platforms end a job's leftover processes.
            if exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(300)) {
                end_group(pgid);
            }
        }
        let status = child.wait()?;
        for r in readers {
            let _ = r.join();
        }
        dir.running(None);
        Ok(Ended {
            code: status.code(),
            timed_out,
            stdout,
        })
    }
}

fn pump(mut from: impl std::io::Read + Send, stream: Stream, tx: &mpsc::Sender<(Stream, Vec<u8>)>) {
    let mut reader = std::io::BufReader::new(&mut from);
    loop {
        let mut buf = Vec::new();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if tx.send((stream, buf)).is_err() {
                    return;
                }
            }
        }
    }
}

/// Ends process group `pgid`: TERM, then KILL (with `kill(1)`: the standard library cannot
/// signal a group).
fn end_group(pgid: u32) {
    let group = format!("-{pgid}");
    let _ = Command::new("kill")
        .args(["-TERM", "--", &group])
        .stderr(Stdio::null())
        .status();
    std::thread::sleep(Duration::from_millis(100));
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
}
