//! What the generator prints about diagnostics: every error in full; warnings and notices
//! grouped by kind with counts by default, each in full with `--verbose`, none with `--quiet`.

use std::collections::BTreeMap;
use std::io::Write;

use super::cli::Verbosity;
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// At most this many characters of a grouped warning's message.
const MESSAGE_WIDTH: usize = 110;

fn shorten(message: &str) -> String {
    let first = message.lines().next().unwrap_or_default();
    if first.chars().count() <= MESSAGE_WIDTH {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(MESSAGE_WIDTH - 3).collect();
        format!("{cut}...")
    }
}

/// Prints the warnings and notices of `diagnostics` (errors are printed by the caller).
pub(crate) fn print_warnings_and_notices(
    name: &str,
    diagnostics: &Diagnostics,
    verbosity: Verbosity,
    out: &mut dyn Write,
) {
    let others: Vec<&Diagnostic> = diagnostics.iter().filter(|d| !d.is_error()).collect();
    if others.is_empty() || verbosity == Verbosity::Quiet {
        return;
    }
    if verbosity == Verbosity::Verbose {
        for d in others {
            let _ = writeln!(out, "{d}\n");
        }
        return;
    }
    let warnings = others.iter().filter(|d| d.severity == Severity::Warning).count();
    let notices = others.len() - warnings;
    let counts = [(warnings, "warning"), (notices, "notice")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| plural(n, w))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        out,
        "{name}: {counts} (--verbose shows each with where it is and what to do)"
    );
    // Warnings: one line per kind, with the first message.
    let mut kinds: BTreeMap<(&str, Option<&str>), (usize, &Diagnostic)> = BTreeMap::new();
    for d in others.iter().filter(|d| d.severity == Severity::Warning) {
        kinds.entry((d.code, d.platform)).or_insert((0, d)).0 += 1;
    }
    for ((code, platform), (count, first)) in &kinds {
        let platform = platform.map(|p| format!(" ({p})")).unwrap_or_default();
        let times = if *count > 1 {
            format!(" x{count}")
        } else {
            String::new()
        };
        let _ = writeln!(out, "  warning[{code}]{platform}{times}: {}", shorten(&first.message));
    }
    // Notices: one line per platform, each kind with its count.
    let mut by_platform: BTreeMap<Option<&str>, BTreeMap<&str, usize>> = BTreeMap::new();
    for d in others.iter().filter(|d| d.severity == Severity::Notice) {
        *by_platform.entry(d.platform).or_default().entry(d.code).or_default() += 1;
    }
    for (platform, codes) in &by_platform {
        let list = codes
            .iter()
            .map(|(code, n)| {
                let short = platform
                    .and_then(|p| code.strip_prefix(p))
                    .and_then(|c| c.strip_prefix('-'))
                    .unwrap_or(code);
                if *n > 1 {
                    format!("{short} x{n}")
                } else {
                    (*short).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let total: usize = codes.values().sum();
        match platform {
            Some(p) => {
                let _ = writeln!(out, "  {} ({p}): {list}", plural(total, "notice"));
            }
            None => {
                let _ = writeln!(out, "  {}: {list}", plural(total, "notice"));
            }
        }
    }
}

/// The warnings of `diagnostics` in full, for `--deny-warnings`.
pub(crate) fn print_denied_warnings(name: &str, diagnostics: &Diagnostics, out: &mut dyn Write) -> usize {
    let warnings: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.severity == Severity::Warning).collect();
    for d in &warnings {
        let _ = writeln!(out, "{d}\n");
    }
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "{name}: {} denied (--deny-warnings); no file was written.",
            plural(warnings.len(), "warning")
        );
    }
    warnings.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Path;

    fn sample() -> Diagnostics {
        let mut d = Diagnostics::new();
        for job in ["a", "b", "c"] {
            d.push(
                Diagnostic::notice(
                    "codepipeline-setup",
                    Path::pipeline("p").job(job),
                    "connect the repository",
                )
                .on_platform("codepipeline"),
            );
        }
        d.push(
            Diagnostic::notice("gitlab-schedule-setting", Path::pipeline("p"), "add a schedule").on_platform("gitlab"),
        );
        d.push(Diagnostic::warning("slow", Path::pipeline("p"), "this is slow").with_hint("speed it up"));
        d.push(Diagnostic::warning("slow", Path::pipeline("q"), "that is slow"));
        d
    }

    fn printed(verbosity: Verbosity) -> String {
        let mut out = Vec::new();
        print_warnings_and_notices("gen", &sample(), verbosity, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn groups_by_kind_with_counts() {
        assert_eq!(
            printed(Verbosity::Normal),
            "gen: 2 warnings, 4 notices (--verbose shows each with where it is and what to do)\n\
             \x20 warning[slow] x2: this is slow\n\
             \x20 3 notices (codepipeline): setup x3\n\
             \x20 1 notice (gitlab): schedule-setting\n"
        );
    }

    #[test]
    fn verbose_prints_each_and_quiet_none() {
        let verbose = printed(Verbosity::Verbose);
        assert_eq!(verbose.matches("notice[codepipeline-setup]").count(), 3, "{verbose}");
        assert!(verbose.contains("= hint: speed it up"), "{verbose}");
        assert_eq!(printed(Verbosity::Quiet), "");
    }
}
