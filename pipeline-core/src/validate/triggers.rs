//! Triggers: filter patterns, schedules and the inputs of manual runs.

use std::collections::HashSet;

use super::{At, MAX_ID_LEN, Validator, check_glob, check_ref_name};
use crate::id::rules;
use crate::trigger::{InputKind, Trigger};

impl Validator<'_> {
    pub(super) fn triggers(&mut self) {
        if self.p.triggers.is_empty() {
            self.error(
                "no-triggers",
                self.root.clone(),
                "pipeline has no trigger, so nothing would ever start it",
                Some("add one, e.g. `.on(Trigger::push().branches([\"main\"]))` or `.on(Trigger::manual())`".into()),
            );
        }
        let mut manual_seen = false;
        let mut inputs = HashSet::new();
        let root = self.root.clone();
        for (i, t) in self.p.triggers.iter().enumerate() {
            let path = || root.trigger(i);
            match t {
                Trigger::Push(push) => {
                    for (field, patterns) in [
                        ("branches", &push.branches),
                        ("tags", &push.tags),
                        ("paths", &push.paths),
                    ] {
                        self.patterns(patterns, field != "paths", &|| path().field(field));
                    }
                }
                Trigger::PullRequest(pr) => {
                    self.patterns(&pr.branches, true, &|| path().field("branches"));
                    self.patterns(&pr.paths, false, &|| path().field("paths"));
                }
                Trigger::Schedule(s) => {
                    if let Err(problem) = check_cron(&s.cron) {
                        self.error(
                            "invalid-cron",
                            path().field("cron"),
                            format!("schedule {:?} is not a valid cron expression: {problem}", s.cron),
                            Some(
                                "use five fields: minute hour day-of-month month day-of-week, e.g. \"30 3 * * 1-5\""
                                    .into(),
                            ),
                        );
                    }
                }
                Trigger::Manual(m) => {
                    if std::mem::replace(&mut manual_seen, true) {
                        self.error(
                            "duplicate-manual-trigger",
                            path(),
                            "pipeline has more than one manual trigger",
                            Some("put all inputs on one manual trigger".into()),
                        );
                    }
                    for input in &m.inputs {
                        let ipath = || path().input(input.name.as_str());
                        if !inputs.insert(input.name.as_str()) {
                            self.error(
                                "duplicate-input",
                                ipath(),
                                format!("input {:?} is declared twice", input.name.as_str()),
                                None,
                            );
                        }
                        if !rules::is_var_name(input.name.as_str()) || input.name.as_str().len() > MAX_ID_LEN {
                            self.error(
                                "invalid-input-name",
                                ipath(),
                                format!("input name {:?} is not portable", input.name.as_str()),
                                Some("use letters, digits and '_' (not starting with a digit): it becomes a variable on some platforms".into()),
                            );
                        }
                        if let InputKind::Choice { options, default } = &input.kind {
                            if options.is_empty() {
                                self.error("empty-choice", ipath(), "choice input has no options", None);
                            }
                            if let Some(d) = default {
                                if !options.contains(d) {
                                    self.error(
                                        "invalid-default",
                                        ipath(),
                                        format!("default {d:?} is not one of the options {options:?}"),
                                        None,
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Filter patterns: refs (`refs`: branch and tag filters, valid ref names with globs) or
    /// paths (well-formed globs).
    fn patterns(&mut self, patterns: &[String], refs: bool, path: At<'_>) {
        for pat in patterns {
            if pat.trim().is_empty() || pat.contains('\n') {
                self.error(
                    "invalid-pattern",
                    path(),
                    format!("filter pattern {pat:?} is empty or spans lines"),
                    None,
                );
                continue;
            }
            let problem = if refs {
                check_ref_name(pat, true)
            } else {
                check_glob(pat)
            };
            if let Err(problem) = problem {
                let hint = if refs {
                    "a branch or tag filter is a ref name (git check-ref-format) with the globs '*', '**', '?', '[..]' and a leading '!'"
                } else {
                    "a path filter is a glob: close every '[' and '{', and escape a literal '\\', '[' or '{' with '\\'"
                };
                self.error(
                    if refs { "invalid-ref-pattern" } else { "invalid-glob" },
                    path(),
                    format!("filter pattern {pat:?} never matches: {problem}"),
                    Some(hint.into()),
                );
            }
        }
    }
}

/// Checks a five-field cron expression; returns what is wrong.
///
/// ```
/// use pipeline_core::validate::check_cron;
/// assert!(check_cron("30 3 * * 1-5").is_ok());
/// assert!(check_cron("*/15 * * * MON").is_ok());
/// assert!(check_cron("61 * * * *").is_err());
/// assert!(check_cron("* * * *").is_err());
/// ```
pub fn check_cron(cron: &str) -> Result<(), String> {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected 5 fields, found {}", fields.len()));
    }
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let specs: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day of month", 1, 31, &[]),
        ("month", 1, 12, &MONTHS),
        ("day of week", 0, 6, &DAYS),
    ];
    for (field, (name, min, max, names)) in fields.iter().zip(specs) {
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(step) = step {
                match step.parse::<u32>() {
                    Ok(s) if s >= 1 && s <= max => {}
                    _ => return Err(format!("{name}: bad step {step:?}")),
                }
            }
            if range == "*" {
                continue;
            }
            let value = |v: &str| -> Result<u32, String> {
                if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                    return Ok(i as u32 + min);
                }
                match v.parse::<u32>() {
                    Ok(n) if n >= min && n <= max => Ok(n),
                    _ => Err(format!("{name}: {v:?} is outside {min}-{max}")),
                }
            };
            match range.split_once('-') {
                Some((a, b)) => {
                    if value(a)? > value(b)? {
                        return Err(format!("{name}: range {range:?} is reversed"));
                    }
                }
                None => {
                    value(range)?;
                }
            }
        }
    }
    Ok(())
}
