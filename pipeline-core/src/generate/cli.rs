//! Command-line options of every generator binary.
//!
//! Flags are described once, in [`FLAGS`]: parsing, the usage text and "did you mean" for a
//! misspelt flag all read that table. A subcommand (a first argument that is not a flag) is
//! dispatched by [`parse`] through [`Command`].

use std::path::PathBuf;

use crate::diagnostic::did_you_mean;

/// How much the generator prints besides errors and diffs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// `--quiet`: errors only (and `--check`'s diff and verdict).
    Quiet,
    /// Warnings and notices grouped by kind with counts, and a one-line summary.
    #[default]
    Normal,
    /// `--verbose`: every warning and notice with its path and hint.
    Verbose,
}

/// What to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Command {
    /// No subcommand: write, check or list the generated files.
    #[default]
    Generate,
}

/// Parsed options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The subcommand.
    pub command: Command,
    /// `--out DIR`: another output root.
    pub out: Option<PathBuf>,
    /// `--check`: write nothing, diff, exit 1 on drift.
    pub check: bool,
    /// `--list`: print the files that would be written.
    pub list: bool,
    /// `--backend NAME` (repeatable): a subset of backends.
    pub backends: Vec<String>,
    /// `--quiet` / `--verbose`.
    pub verbosity: Verbosity,
    /// `--deny-warnings`: a warning fails the run (exit 2) and nothing is written.
    pub deny_warnings: bool,
    /// `--help`.
    pub help: bool,
}

/// One flag: its spelling, its value's name (if it takes one), and its help text.
#[derive(Clone, Copy, Debug)]
pub struct Flag {
    /// `--out`.
    pub name: &'static str,
    /// `DIR` for a flag taking a value.
    pub value: Option<&'static str>,
    /// The help text (`{backends}` is replaced by the available backends).
    pub help: &'static str,
    set: fn(&mut Options, Option<String>) -> Result<(), String>,
}

/// Every flag of the generate command.
pub const FLAGS: &[Flag] = &[
    Flag {
        name: "--out",
        value: Some("DIR"),
        help: "write under DIR instead of the default output root",
        set: |o, v| {
            if o.out.is_some() {
                return Err("--out is given twice".into());
            }
            o.out = v.map(PathBuf::from);
            Ok(())
        },
    },
    Flag {
        name: "--check",
        value: None,
        help: "write nothing; print a diff of every file that would change and\nexit 1 if any would (0 when everything is up to date)",
        set: |o, _| {
            o.check = true;
            Ok(())
        },
    },
    Flag {
        name: "--list",
        value: None,
        help: "print the files that would be written, one per line",
        set: |o, _| {
            o.list = true;
            Ok(())
        },
    },
    Flag {
        name: "--backend",
        value: Some("NAME"),
        help: "generate only for this platform (repeatable): {backends}",
        set: |o, v| {
            o.backends.extend(v);
            Ok(())
        },
    },
    Flag {
        name: "--quiet",
        value: None,
        help: "print errors only (and --check's diff)",
        set: |o, _| {
            if o.verbosity == Verbosity::Verbose {
                return Err("--quiet and --verbose cannot be combined".into());
            }
            o.verbosity = Verbosity::Quiet;
            Ok(())
        },
    },
    Flag {
        name: "--verbose",
        value: None,
        help: "print every warning and notice with where it is and how to act on it\n(by default they are grouped, with counts)",
        set: |o, _| {
            if o.verbosity == Verbosity::Quiet {
                return Err("--quiet and --verbose cannot be combined".into());
            }
            o.verbosity = Verbosity::Verbose;
            Ok(())
        },
    },
    Flag {
        name: "--deny-warnings",
        value: None,
        help: "treat warnings as errors: print them, write nothing, exit 2 (for CI)",
        set: |o, _| {
            o.deny_warnings = true;
            Ok(())
        },
    },
    Flag {
        name: "--help",
        value: None,
        help: "print this help (also -h)",
        set: |o, _| {
            o.help = true;
            Ok(())
        },
    },
];

/// The usage text of generator `name` with `backends` available.
pub fn usage(name: &str, backends: &[&str]) -> String {
    let mut options = String::new();
    for flag in FLAGS {
        let spelling = match flag.value {
            Some(v) => format!("{} {v}", flag.name),
            None => flag.name.to_owned(),
        };
        let help = flag.help.replace("{backends}", &backends.join(", "));
        for (i, line) in help.lines().enumerate() {
            let left = if i == 0 { spelling.as_str() } else { "" };
            options.push_str(&format!("  {left:<17} {line}\n"));
        }
    }
    format!(
        "\
Usage: {name} [--check | --list] [--out DIR] [--backend NAME]... [--quiet | --verbose] [--deny-warnings]
       {name} run PIPELINE [--job ID] [--event EVENT] [--dry-run] ... (`{name} run --help`)

Generates this project's CI/CD pipeline files, or runs a pipeline on this machine (`run`).

Options:
{options}
Exit status: 0 success, 1 files out of date (--check), 2 invalid usage, invalid
pipeline, denied warnings or I/O error (then no file is changed, or the message
lists exactly the files that were).
"
    )
}

/// Parses arguments (without the program name).
///
/// ```
/// use pipeline_core::generate::cli::{parse, Verbosity};
/// let o = parse(["--check", "--backend", "github", "--out=ci-out", "--quiet"]).expect("valid");
/// assert!(o.check);
/// assert_eq!(o.backends, ["github"]);
/// assert_eq!(o.out.as_deref(), Some(std::path::Path::new("ci-out")));
/// assert_eq!(o.verbosity, Verbosity::Quiet);
/// assert_eq!(parse(["--chek"]).unwrap_err(), "unknown option \"--chek\" (did you mean --check?)");
/// ```
pub fn parse<I, S>(args: I) -> Result<Options, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut options = Options::default();
    let mut args = args.into_iter().map(Into::into).peekable();
    if let Some(first) = args.peek().filter(|a| !a.starts_with('-')) {
        // Subcommands are dispatched here; there are none besides the default yet.
        return Err(format!("unexpected argument {first:?}"));
    }
    while let Some(arg) = args.next() {
        let (spelling, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let spelling = if spelling == "-h" {
            "--help".to_owned()
        } else {
            spelling
        };
        let Some(flag) = FLAGS.iter().find(|f| f.name == spelling) else {
            if spelling.starts_with('-') {
                let suggestion = did_you_mean(&spelling, FLAGS.iter().map(|f| f.name))
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                return Err(format!("unknown option {spelling:?}{suggestion}"));
            }
            return Err(format!("unexpected argument {spelling:?}"));
        };
        let value = match (flag.value, inline) {
            (None, Some(_)) => return Err(format!("{} takes no value", flag.name)),
            (None, None) => None,
            (Some(_), inline) => match inline.or_else(|| args.next()) {
                Some(v) if !v.is_empty() && !v.starts_with("--") => Some(v),
                _ => return Err(format!("{} needs a value", flag.name)),
            },
        };
        (flag.set)(&mut options, value)?;
    }
    if options.check && options.list {
        return Err("--check and --list cannot be combined".into());
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse(["--out"]), Err("--out needs a value".into()));
        assert_eq!(parse(["--out", "--check"]), Err("--out needs a value".into()));
        assert_eq!(
            parse(["--check", "--list"]),
            Err("--check and --list cannot be combined".into())
        );
        assert_eq!(parse(["stray"]), Err("unexpected argument \"stray\"".into()));
        assert_eq!(parse(["--check=yes"]), Err("--check takes no value".into()));
        assert_eq!(parse(["--out", "a", "--out", "b"]), Err("--out is given twice".into()));
        assert_eq!(
            parse(["--verbsoe"]),
            Err("unknown option \"--verbsoe\" (did you mean --verbose?)".into())
        );
        assert_eq!(parse(["--frobnicate"]), Err("unknown option \"--frobnicate\"".into()));
        assert_eq!(
            parse(["--quiet", "--verbose"]),
            Err("--quiet and --verbose cannot be combined".into())
        );
    }

    #[test]
    fn repeatable_backends_and_switches() {
        let o = parse(["--backend", "github", "--backend=gitlab", "--deny-warnings", "-h"]).expect("valid");
        assert_eq!(o.backends, ["github", "gitlab"]);
        assert!(o.deny_warnings && o.help);
        assert_eq!(parse(["--verbose"]).map(|o| o.verbosity), Ok(Verbosity::Verbose));
        assert_eq!(parse::<_, &str>([]).map(|o| o.verbosity), Ok(Verbosity::Normal));
    }

    #[test]
    fn usage_lists_every_flag() {
        let text = usage("gen", &["github", "docs"]);
        for flag in FLAGS {
            assert!(text.contains(flag.name), "{} missing from\n{text}", flag.name);
        }
        assert!(text.contains("github, docs"), "{text}");
    }
}
