//! The command line of every generator binary: parse, render, then write, check or list, and
//! print what happened.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use super::apply::{ApplyError, apply};
use super::cli::{self, Command, Options, Verbosity};
use super::manifest::MANIFEST_DIR;
use super::plan::{Change, Plan, PlanError};
use super::report::{print_denied_warnings, print_warnings_and_notices};
use super::write::{IoError, own_dir};
use super::{DEFAULT_LOCK_TIMEOUT, EXIT_DRIFT, EXIT_ERROR, EXIT_OK, Generator, unified_diff};
use crate::diagnostic::Diagnostics;

impl Generator {
    /// Runs with command-line `args` (without the program name), printing to `stdout` and
    /// `stderr`; returns the exit status.
    pub fn run<I, S>(&self, args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names = self.backend_names();
        let mut args = args.into_iter().map(Into::into).peekable();
        if args.peek().is_some_and(|a| a == "run") {
            args.next();
            return crate::run::cli(
                &self.name,
                &self.pipelines,
                &self.repository_dir(),
                args,
                stdout,
                stderr,
            );
        }
        let options = match cli::parse(args) {
            Ok(o) => o,
            Err(e) => {
                let _ = writeln!(stderr, "{}: {e}\n\n{}", self.name, cli::usage(&self.name, &names));
                return EXIT_ERROR;
            }
        };
        if options.help {
            let _ = write!(stdout, "{}", cli::usage(&self.name, &names));
            return EXIT_OK;
        }
        match options.command {
            Command::Generate => self.generate(&options, stdout, stderr),
        }
    }

    /// Runs with the process's arguments and exits.
    pub fn main(self) -> ! {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let code = self.run(args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
        std::process::exit(code)
    }

    fn effective_lock_timeout(&self) -> Duration {
        std::env::var("PIPELINE_LOCK_TIMEOUT")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .or(self.lock_timeout)
            .unwrap_or(DEFAULT_LOCK_TIMEOUT)
    }

    fn print_io_error(&self, e: &IoError, tail: &str, stderr: &mut dyn Write) {
        let _ = writeln!(stderr, "{}\n\n{}: {tail}", e.to_diagnostic(), self.name);
    }

    fn generate(&self, options: &Options, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
        let names = self.backend_names();
        let rendered = match self.render(&options.backends) {
            Ok(r) => r,
            Err(diagnostics) => {
                print_warnings_and_notices(&self.name, &diagnostics, options.verbosity, stderr);
                let mut errors = Diagnostics::new();
                errors.extend(diagnostics.errors().cloned());
                let _ = writeln!(stderr, "{errors}");
                return EXIT_ERROR;
            }
        };
        if options.deny_warnings && print_denied_warnings(&self.name, &rendered.diagnostics, stderr) > 0 {
            return EXIT_ERROR;
        }
        print_warnings_and_notices(&self.name, &rendered.diagnostics, options.verbosity, stderr);
        if options.list {
            for (_, file) in &rendered.files {
                let _ = writeln!(stdout, "{}", file.path);
            }
            return EXIT_OK;
        }
        let root = options.out.clone().unwrap_or_else(|| self.root.clone());
        let selected: BTreeSet<&str> = if options.backends.is_empty() {
            names.iter().copied().collect()
        } else {
            options.backends.iter().map(String::as_str).collect()
        };
        if options.check {
            return match self.plan(&root, &rendered, &selected) {
                Ok(plan) => self.report_check(&plan, options, stdout, stderr),
                Err(e) => self.report_plan_error(e, stderr),
            };
        }
        // Writing: take the root's lock first, so plans and writes of generators sharing the
        // root do not interleave.
        let root_existed = root.exists();
        let existed = root.join(MANIFEST_DIR).exists();
        let dir = match own_dir(&root, MANIFEST_DIR) {
            Ok(d) => d,
            Err(e) => {
                self.print_io_error(&e, "nothing was written.", stderr);
                return EXIT_ERROR;
            }
        };
        // On a failure before writing, leave no directory this run created.
        let cleanup = |dir: &Path| {
            if !existed {
                let _ = std::fs::remove_dir(dir);
            }
            if !root_existed {
                let _ = std::fs::remove_dir(&root);
            }
        };
        let lock = match super::lock::lock(&dir, self.effective_lock_timeout()) {
            Ok(l) => l,
            Err(e) => {
                cleanup(&dir);
                self.print_io_error(&e, "nothing was written.", stderr);
                return EXIT_ERROR;
            }
        };
        let plan = match self.plan(&root, &rendered, &selected) {
            Ok(p) => p,
            Err(e) => {
                drop(lock);
                cleanup(&dir);
                return self.report_plan_error(e, stderr);
            }
        };
        self.report_kept(&plan, options, stderr);
        let result = apply(&root, &plan, self.fault);
        drop(lock);
        match result {
            Ok(summary) => {
                if options.verbosity != Verbosity::Quiet {
                    let _ = writeln!(
                        stderr,
                        "{}: {} written, {} removed, {} unchanged in {}",
                        self.name,
                        summary.written.len(),
                        summary.removed.len(),
                        summary.unchanged,
                        root.display()
                    );
                }
                EXIT_OK
            }
            Err(ApplyError { error, done }) => {
                let mut changed: Vec<String> = Vec::new();
                if done.manifest_written {
                    changed.push(format!("{} (updated)", plan.manifest));
                }
                changed.extend(done.written.iter().map(|p| format!("{p} (written)")));
                changed.extend(done.removed.iter().map(|p| format!("{p} (removed)")));
                let tail = if changed.is_empty() {
                    "no file was changed.".to_owned()
                } else {
                    format!(
                        "stopped part way; changed before it stopped: {}. The manifest lists every generated file: run again to finish.",
                        changed.join(", ")
                    )
                };
                match error {
                    Some(e) => self.print_io_error(&e, &tail, stderr),
                    None => {
                        let _ = writeln!(stderr, "{}: simulated crash; {tail}", self.name);
                    }
                }
                EXIT_ERROR
            }
        }
    }

    fn report_plan_error(&self, e: PlanError, stderr: &mut dyn Write) -> i32 {
        match e {
            PlanError::Io(e) => self.print_io_error(&e, "nothing was written.", stderr),
            PlanError::Ownership(d) => {
                let _ = writeln!(stderr, "{d}");
            }
        }
        EXIT_ERROR
    }

    fn report_kept(&self, plan: &Plan<'_>, options: &Options, stderr: &mut dyn Write) {
        if options.verbosity == Verbosity::Quiet {
            return;
        }
        for (path, why) in &plan.kept {
            let _ = writeln!(
                stderr,
                "{}: {} {path}, no longer generated: {why}, so it is yours now; delete it if you do not need it.",
                self.name,
                if options.check { "would keep" } else { "kept" }
            );
        }
    }

    fn report_check(&self, plan: &Plan<'_>, options: &Options, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
        self.report_kept(plan, options, stderr);
        let mut counts = [0usize; 3];
        for (path, change) in &plan.changes {
            let (diff, slot) = match change {
                Change::Create(new) => (unified_diff("/dev/null", &format!("b/{path}"), "", new), 0),
                Change::Update { old, new } => (unified_diff(&format!("a/{path}"), &format!("b/{path}"), old, new), 1),
                Change::Remove(old) => (unified_diff(&format!("a/{path}"), "/dev/null", old, ""), 2),
            };
            counts[slot] += 1;
            let _ = write!(stdout, "{diff}");
        }
        let manifest = &plan.manifest;
        match &plan.manifest_old {
            Some(old) if *old == plan.manifest_final => {}
            Some(old) => {
                counts[1] += 1;
                let diff = unified_diff(
                    &format!("a/{manifest}"),
                    &format!("b/{manifest}"),
                    old,
                    &plan.manifest_final,
                );
                let _ = write!(stdout, "{diff}");
            }
            None => {
                counts[0] += 1;
                let _ = write!(
                    stdout,
                    "{}",
                    unified_diff("/dev/null", &format!("b/{manifest}"), "", &plan.manifest_final)
                );
            }
        }
        let total: usize = counts.iter().sum();
        if total == 0 {
            if options.verbosity != Verbosity::Quiet {
                let files = if plan.unchanged == 1 { "file is" } else { "files are" };
                let _ = writeln!(
                    stderr,
                    "{}: {} generated {files} up to date.",
                    self.name, plan.unchanged
                );
            }
            return EXIT_OK;
        }
        let mut command = self.header.regenerate.clone();
        if let Some(out) = &options.out {
            command.push_str(&format!(" -- --out {}", out.display()));
        }
        let _ = writeln!(
            stderr,
            "{}: {total} generated file{} out of date ({} missing, {} changed, {} stale). Run `{command}` to regenerate.",
            self.name,
            if total == 1 { " is" } else { "s are" },
            counts[0],
            counts[1],
            counts[2],
        );
        EXIT_DRIFT
    }
}
