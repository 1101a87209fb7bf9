//! Conditions and triggers as GitLab rules.
//!
//! GitLab `rules:` are a list tried in order; the first whose `if` holds decides (`when`), and a
//! job with no matching rule is not in the pipeline. A portable [`Condition`] is brought to
//! disjunctive normal form ([`Dnf`]): one rule per conjunction, each conjunction a chain of
//! `&&`-joined comparisons (negations become `!=`, `== null`), and the job-status leaves
//! (`Always`, `Failure`) become the rule's `when`.
//!
//! Because a job that needs a job absent from the pipeline makes GitLab refuse the whole
//! pipeline, a job's rules also carry the conditions of the jobs it needs ([`Dnf::and`]), which
//! is how GitHub's "a skipped need skips the job" reads on GitLab.

use std::collections::BTreeSet;

use pipeline_core::{Condition, Event, InputName, PullRequest, Push, Subject, TextOp, TextTest};

use super::model::{Rule, When};

/// The job-status part of a conjunction. Ordered so that combining takes the stricter one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Status {
    /// Runs when the needed jobs succeeded (GitLab's `on_success`).
    #[default]
    Success,
    /// Runs whatever the needed jobs did (`always`).
    Always,
    /// Runs when the one needed job succeeded, said explicitly (`Condition::need(.., Success)`:
    /// `on_success`).
    Succeeded,
    /// Runs only when a needed job failed (`on_failure`).
    Failure,
}

/// A comparison on the pipeline, known when GitLab creates it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Atom {
    /// The branch is exactly this one.
    Branch(String),
    /// The ref is a tag.
    Tag,
    /// The pipeline source.
    Event(Event),
    /// A manual-run variable has this value.
    Input(InputName, String),
    /// A text test (ASCII case ignored).
    Text(TextTest),
    /// A merge request from another project.
    Fork,
}

/// An atom or its negation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Literal {
    pub(crate) atom: Atom,
    pub(crate) positive: bool,
}

/// A conjunction of literals with a job-status requirement.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Conj {
    pub(crate) literals: BTreeSet<Literal>,
    pub(crate) status: Status,
}

impl Conj {
    /// The conjunction with `other`, or `None` when it can never hold.
    fn and(&self, other: &Conj) -> Option<Conj> {
        let mut literals = self.literals.clone();
        literals.extend(other.literals.iter().cloned());
        let c = Conj {
            literals,
            status: self.status.max(other.status),
        };
        c.simplified()
    }

    /// Removes redundant literals; `None` when the literals contradict each other.
    fn simplified(mut self) -> Option<Conj> {
        let positive: Vec<Atom> = self
            .literals
            .iter()
            .filter(|l| l.positive)
            .map(|l| l.atom.clone())
            .collect();
        let branch = positive.iter().find_map(|a| match a {
            Atom::Branch(b) => Some(b.clone()),
            _ => None,
        });
        let tag = positive.contains(&Atom::Tag);
        let event = positive.iter().find_map(|a| match a {
            Atom::Event(e) => Some(*e),
            _ => None,
        });
        for lit in &self.literals {
            let clash = match (&lit.atom, lit.positive) {
                // A ref is one branch, or a tag.
                (Atom::Branch(b), true) => branch.as_ref().is_some_and(|x| x != b) || tag,
                (Atom::Tag, true) => branch.is_some(),
                (Atom::Event(e), true) => event.is_some_and(|x| x != *e),
                (Atom::Input(name, v), true) => positive
                    .iter()
                    .any(|a| matches!(a, Atom::Input(n, w) if n == name && w != v)),
                (Atom::Text(_) | Atom::Fork, true) => false,
                (atom, false) => positive.contains(atom),
            };
            if clash {
                return None;
            }
        }
        // A negation implied by a positive literal says nothing more.
        self.literals.retain(|lit| {
            lit.positive
                || match &lit.atom {
                    Atom::Branch(b) => branch.as_ref().is_none_or(|x| x == b) && !tag,
                    Atom::Event(e) => event.is_none_or(|x| x == *e),
                    Atom::Input(name, v) => !positive
                        .iter()
                        .any(|a| matches!(a, Atom::Input(n, w) if n == name && w != v)),
                    Atom::Tag => branch.is_none(),
                    Atom::Text(_) | Atom::Fork => true,
                }
        });
        Some(self)
    }

    fn implies(&self, other: &Conj) -> bool {
        self.status == other.status && other.literals.is_subset(&self.literals)
    }
}

/// A condition in disjunctive normal form: it holds when any conjunction holds. No conjunction
/// means never; one empty conjunction means always (with that status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dnf(pub(crate) Vec<Conj>);

/// Why a condition has no GitLab form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DnfError {
    /// `!always()` or `!failure()`.
    NegatedStatus,
    /// More rules than [`MAX_RULES`].
    TooLarge,
    /// A need's result GitLab cannot test (skipped, cancelled).
    NeedResult(String),
}

/// The most rules generated for one condition.
pub(crate) const MAX_RULES: usize = 50;

impl Dnf {
    /// Holds always (on success).
    pub(crate) fn always() -> Self {
        Dnf(vec![Conj::default()])
    }

    /// Never holds.
    pub(crate) fn never() -> Self {
        Dnf(Vec::new())
    }

    /// Whether it holds always, with no status requirement.
    pub(crate) fn is_always(&self) -> bool {
        self.0
            .iter()
            .any(|c| c.literals.is_empty() && c.status == Status::Success)
    }

    /// Whether any conjunction has a status requirement other than success.
    pub(crate) fn mentions_status(&self) -> bool {
        self.0.iter().any(|c| c.status != Status::Success)
    }

    /// The normal form of `c`.
    pub(crate) fn of(c: &Condition) -> Result<Self, DnfError> {
        fn go(c: &Condition) -> Result<Dnf, DnfError> {
            let leaf = |atom: Atom, positive: bool| {
                let mut conj = Conj::default();
                conj.literals.insert(Literal { atom, positive });
                Ok(Dnf(vec![conj]))
            };
            let status = |status: Status| {
                Ok(Dnf(vec![Conj {
                    literals: BTreeSet::new(),
                    status,
                }]))
            };
            match c {
                Condition::Always => status(Status::Always),
                Condition::Failure => status(Status::Failure),
                Condition::Branch(b) => leaf(Atom::Branch(b.clone()), true),
                Condition::Tag => leaf(Atom::Tag, true),
                Condition::Event(e) => leaf(Atom::Event(*e), true),
                Condition::InputEquals(n, v) => leaf(Atom::Input(n.clone(), v.clone()), true),
                Condition::Text(t) => leaf(Atom::Text(t.clone()), true),
                Condition::Fork => leaf(Atom::Fork, true),
                Condition::Need(_, pipeline_core::JobResult::Success) => status(Status::Succeeded),
                Condition::Need(_, pipeline_core::JobResult::Failure) => status(Status::Failure),
                Condition::Need(job, r) => Err(DnfError::NeedResult(format!(
                    "job {:?} ended in {}",
                    job.as_str(),
                    r.name()
                ))),
                Condition::And(cs) => cs.iter().try_fold(Dnf::always(), |acc, c| acc.and(&go(c)?)),
                Condition::Or(cs) => cs.iter().try_fold(Dnf::never(), |acc, c| acc.or(&go(c)?)),
                Condition::Not(inner) => match inner.as_ref() {
                    Condition::Branch(b) => leaf(Atom::Branch(b.clone()), false),
                    Condition::Tag => leaf(Atom::Tag, false),
                    Condition::Event(e) => leaf(Atom::Event(*e), false),
                    Condition::InputEquals(n, v) => leaf(Atom::Input(n.clone(), v.clone()), false),
                    Condition::Text(t) => leaf(Atom::Text(t.clone()), false),
                    Condition::Fork => leaf(Atom::Fork, false),
                    Condition::Always | Condition::Failure | Condition::Need(..) => Err(DnfError::NegatedStatus),
                    // Not in negation normal form: normalise and retry.
                    Condition::And(_) | Condition::Or(_) | Condition::Not(_) => go(&c.to_nnf()),
                },
            }
        }
        go(&c.to_nnf())
    }

    /// Both hold.
    pub(crate) fn and(&self, other: &Dnf) -> Result<Dnf, DnfError> {
        let mut out = Dnf::never();
        for a in &self.0 {
            for b in &other.0 {
                if let Some(c) = a.and(b) {
                    out.push(c);
                }
            }
            if out.0.len() > MAX_RULES * 4 {
                return Err(DnfError::TooLarge);
            }
        }
        Ok(out)
    }

    /// Either holds.
    pub(crate) fn or(&self, other: &Dnf) -> Result<Dnf, DnfError> {
        let mut out = self.clone();
        for c in &other.0 {
            out.push(c.clone());
        }
        if out.0.len() > MAX_RULES * 4 {
            return Err(DnfError::TooLarge);
        }
        Ok(out)
    }

    /// Adds a conjunction unless one already there is broader (absorption).
    fn push(&mut self, c: Conj) {
        if self.0.iter().any(|existing| c.implies(existing)) {
            return;
        }
        self.0.retain(|existing| !existing.implies(&c));
        self.0.push(c);
    }

    /// Whether this condition (status aside) implies `other`: each conjunction holds only where
    /// some conjunction of `other` holds. Conservative: `false` when unsure.
    pub(crate) fn implies(&self, other: &Dnf) -> bool {
        self.0
            .iter()
            .all(|c| other.0.iter().any(|o| o.literals.is_subset(&c.literals)))
    }

    /// The same condition without job-status requirements: when the job is in the pipeline.
    pub(crate) fn static_part(&self) -> Dnf {
        let mut out = Dnf::never();
        for c in &self.0 {
            out.push(Conj {
                literals: c.literals.clone(),
                status: Status::Success,
            });
        }
        out
    }
}

/// A string literal of a rule expression. GitLab's lexer has no escapes, so a value holding
/// both quote characters is compared through an anchored regular expression instead.
fn equals(var: &str, value: &str, positive: bool) -> String {
    if !value.contains('"') {
        format!("${var} {} \"{value}\"", if positive { "==" } else { "!=" })
    } else if !value.contains('\'') {
        format!("${var} {} '{value}'", if positive { "==" } else { "!=" })
    } else {
        format!(
            "${var} {} /^{}$/",
            if positive { "=~" } else { "!~" },
            regex_escape(value)
        )
    }
}

/// The `$CI_PIPELINE_SOURCE` of an event.
pub(crate) fn source(e: Event) -> &'static str {
    match e {
        Event::Push => "push",
        Event::PullRequest => "merge_request_event",
        Event::Schedule => "schedule",
        Event::Manual => "web",
    }
}

fn literal(l: &Literal) -> String {
    match &l.atom {
        Atom::Branch(b) => equals("CI_COMMIT_BRANCH", b, l.positive),
        Atom::Tag if l.positive => "$CI_COMMIT_TAG".into(),
        Atom::Tag => "$CI_COMMIT_TAG == null".into(),
        Atom::Event(e) => equals("CI_PIPELINE_SOURCE", source(*e), l.positive),
        Atom::Input(name, v) => equals(name.as_str(), v, l.positive),
        Atom::Text(t) => format!(
            "${} {} /{}/i",
            text_var(&t.subject),
            if l.positive { "=~" } else { "!~" },
            text_regex(t.op, &t.value)
        ),
        // Both unset outside merge request pipelines: equal, so not a fork.
        Atom::Fork => format!(
            "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID {} $CI_MERGE_REQUEST_PROJECT_ID",
            if l.positive { "!=" } else { "==" }
        ),
    }
}

/// The variable a text test reads: the branch of a branch pipeline only (unset for tags and merge
/// requests), the merge request's branches only in merge request pipelines.
pub(crate) fn text_var(subject: &Subject) -> String {
    match subject {
        Subject::Branch => "CI_COMMIT_BRANCH".into(),
        Subject::Tag => "CI_COMMIT_TAG".into(),
        Subject::PullRequestBase => "CI_MERGE_REQUEST_TARGET_BRANCH_NAME".into(),
        Subject::PullRequestHead => "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME".into(),
        Subject::Repository => "CI_PROJECT_PATH".into(),
        Subject::Actor => "GITLAB_USER_LOGIN".into(),
        Subject::Input(name) => name.to_string(),
        Subject::Var(name) => name.to_string(),
        Subject::Matrix(axis) => axis.clone(),
    }
}

/// The body of the `/…/i` pattern of a text test. Letters and digits stand for themselves (the
/// `i` flag ignores their case); every other character is written `\xHH`, so the user's text
/// never holds a `/`, `$`, quote, space or backslash that GitLab's lexer or its variable
/// expansion could read.
pub(crate) fn text_regex(op: TextOp, value: &str) -> String {
    let mut body = String::new();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            body.push(c);
        } else {
            body.push_str(&format!("\\x{:02x}", u32::from(c)));
        }
    }
    match op {
        TextOp::Equals => format!("^{body}$"),
        TextOp::StartsWith => format!("^{body}"),
        TextOp::EndsWith => format!("{body}$"),
        TextOp::Contains => body,
    }
}

/// A conjunction as a rule expression (`None` when it has no literal).
pub(crate) fn expression(c: &Conj) -> Option<String> {
    if c.literals.is_empty() {
        return None;
    }
    Some(c.literals.iter().map(literal).collect::<Vec<_>>().join(" && "))
}

/// A job's rules. `manual`: the job is a manual gate. A condition that mentions a job status
/// reads like GitHub's (no implicit "needs succeeded"): conjunctions without a status run
/// `always`; `always` rules come first so that overlapping rules keep the broadest `when`.
pub(crate) fn job_rules(dnf: &Dnf, manual: bool) -> Vec<Rule> {
    if dnf.is_always() && !dnf.mentions_status() {
        return Vec::new();
    }
    if dnf.0.is_empty() {
        return vec![Rule {
            when: Some(When::Never),
            ..Rule::default()
        }];
    }
    let status_semantics = dnf.mentions_status();
    let mut rules: Vec<(Status, Rule)> = dnf
        .0
        .iter()
        .map(|c| {
            let when = match (c.status, status_semantics, manual) {
                (_, _, true) => Some(When::Manual),
                (Status::Failure, _, false) => Some(When::OnFailure),
                (Status::Succeeded, _, false) => Some(When::OnSuccess),
                (Status::Always, _, false) | (Status::Success, true, false) => Some(When::Always),
                (Status::Success, false, false) => None,
            };
            let order = if c.status == Status::Failure {
                Status::Failure
            } else {
                Status::Success
            };
            (
                order,
                Rule {
                    condition: expression(c),
                    when,
                    ..Rule::default()
                },
            )
        })
        .collect();
    rules.sort_by_key(|(order, _)| *order);
    rules.into_iter().map(|(_, r)| r).collect()
}

/// Escapes the regular-expression metacharacters of `s` (and `/`, the delimiter).
pub(crate) fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()[]{}|^$/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A ref filter pattern (`main`, `release/**`, `v*`, `v[0-9]+`) as a regular expression body:
/// `*` matches within one path segment, `**` across segments; `?`, `+` and `[..]` keep GitHub's
/// meaning (the same as in a regular expression); everything else is literal.
fn pattern_regex(pattern: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                out.push_str(".*");
                i += 2;
                continue;
            }
            '*' => out.push_str("[^\\/]*"),
            '?' | '+' => out.push(chars[i]),
            '[' => {
                // A class up to the closing bracket; a `[` without one is literal.
                match chars[i..].iter().position(|c| *c == ']') {
                    Some(end) => {
                        for c in &chars[i..=i + end] {
                            if *c == '/' {
                                out.push('\\');
                            }
                            out.push(*c);
                        }
                        i += end + 1;
                        continue;
                    }
                    None => out.push_str("\\["),
                }
            }
            c => out.push_str(&regex_escape(&c.to_string())),
        }
        i += 1;
    }
    out
}

fn is_plain(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '+', '[', ']', '!', '"'])
}

/// A comparison of `var` against ref filter patterns; `!pattern` excludes.
pub(crate) fn ref_filter(var: &str, patterns: &[String]) -> String {
    let (exclude, include): (Vec<&String>, Vec<&String>) = patterns.iter().partition(|p| p.starts_with('!'));
    let mut parts = Vec::new();
    match include.as_slice() {
        [] => parts.push(format!("${var}")),
        [one] if is_plain(one) => parts.push(format!("${var} == \"{one}\"")),
        many => {
            let alternatives: Vec<String> = many.iter().map(|p| pattern_regex(p)).collect();
            if alternatives.len() == 1 {
                parts.push(format!("${var} =~ /^{}$/", alternatives[0]));
            } else {
                parts.push(format!("${var} =~ /^({})$/", alternatives.join("|")));
            }
        }
    }
    for p in exclude {
        parts.push(format!("${var} !~ /^{}$/", pattern_regex(&p[1..])));
    }
    parts.join(" && ")
}

/// A path filter pattern as a `changes:` glob: GitHub's trailing `**` (everything below) is
/// `**/*` in Ruby's `File.fnmatch`.
pub(crate) fn change_pattern(pattern: &str) -> String {
    if pattern == "**" {
        "**/*".into()
    } else if let Some(dir) = pattern.strip_suffix("/**") {
        format!("{dir}/**/*")
    } else {
        pattern.to_owned()
    }
}

/// Whether pushes to branches that have an open merge request should leave it to the merge
/// request pipeline (GitLab's usual way to avoid duplicate pipelines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dedup {
    /// Every merge request gets a pipeline: skip branch pushes with an open merge request.
    SkipBranchPushesWithOpenMr,
    /// Keep both pipelines.
    Off,
}

/// The rules of a push trigger (branch pushes and tag pushes are separate rules).
pub(crate) fn push_rules(push: &Push, dedup: Dedup, extra: Option<&str>) -> Vec<Rule> {
    let source = "$CI_PIPELINE_SOURCE == \"push\"";
    let mut conditions = Vec::new();
    let open_mr = match dedup {
        Dedup::SkipBranchPushesWithOpenMr => " && $CI_OPEN_MERGE_REQUESTS == null",
        Dedup::Off => "",
    };
    match (push.branches.is_empty(), push.tags.is_empty()) {
        (true, true) => {
            if dedup == Dedup::Off {
                conditions.push(source.to_owned());
            } else {
                conditions.push(format!("{source} && $CI_COMMIT_BRANCH{open_mr}"));
                conditions.push(format!("{source} && $CI_COMMIT_TAG"));
            }
        }
        (branches_empty, tags_empty) => {
            if !branches_empty {
                conditions.push(format!(
                    "{source} && {}{open_mr}",
                    ref_filter("CI_COMMIT_BRANCH", &push.branches)
                ));
            }
            if !tags_empty {
                conditions.push(format!("{source} && {}", ref_filter("CI_COMMIT_TAG", &push.tags)));
            }
        }
    }
    let changes: Vec<String> = push.paths.iter().map(|p| change_pattern(p)).collect();
    conditions
        .into_iter()
        .map(|c| Rule {
            condition: Some(with_extra(c, extra)),
            changes: changes.clone(),
            ..Rule::default()
        })
        .collect()
}

/// The rule of a pull request trigger.
pub(crate) fn pull_request_rule(pr: &PullRequest, extra: Option<&str>) -> Rule {
    let mut condition = "$CI_PIPELINE_SOURCE == \"merge_request_event\"".to_owned();
    if !pr.branches.is_empty() {
        condition.push_str(" && ");
        condition.push_str(&ref_filter("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", &pr.branches));
    }
    Rule {
        condition: Some(with_extra(condition, extra)),
        changes: pr.paths.iter().map(|p| change_pattern(p)).collect(),
        ..Rule::default()
    }
}

/// The rule of a pipeline source (`schedule`, `web`).
pub(crate) fn source_rule(event: Event, extra: Option<&str>) -> Rule {
    Rule {
        condition: Some(with_extra(
            format!("$CI_PIPELINE_SOURCE == \"{}\"", source(event)),
            extra,
        )),
        ..Rule::default()
    }
}

fn with_extra(condition: String, extra: Option<&str>) -> String {
    match extra {
        Some(e) => format!("{condition} && {e}"),
        None => condition,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::Trigger;

    fn rules_of(c: &Condition) -> Vec<Rule> {
        job_rules(&Dnf::of(c).expect("dnf"), false)
    }

    fn ifs(rules: &[Rule]) -> Vec<(Option<&str>, Option<When>)> {
        rules.iter().map(|r| (r.condition.as_deref(), r.when)).collect()
    }

    #[test]
    fn negations_become_inequalities() {
        let c = Condition::branch("main") & !Condition::input_equals("dry_run", "true") & !Condition::tag();
        assert_eq!(
            ifs(&rules_of(&c)),
            [(Some("$CI_COMMIT_BRANCH == \"main\" && $dry_run != \"true\""), None)]
        );
        assert_eq!(
            ifs(&rules_of(&!Condition::tag())),
            [(Some("$CI_COMMIT_TAG == null"), None)]
        );
        assert_eq!(
            ifs(&rules_of(&!Condition::event(Event::PullRequest))),
            [(Some("$CI_PIPELINE_SOURCE != \"merge_request_event\""), None)]
        );
    }

    #[test]
    fn disjunctions_become_one_rule_each() {
        let c = (Condition::branch("main") & Condition::event(Event::Push)) | Condition::tag();
        assert_eq!(
            ifs(&rules_of(&c)),
            [
                (
                    Some("$CI_COMMIT_BRANCH == \"main\" && $CI_PIPELINE_SOURCE == \"push\""),
                    None
                ),
                (Some("$CI_COMMIT_TAG"), None),
            ]
        );
        // De Morgan through a negated conjunction.
        let c = !(Condition::branch("main") & Condition::tag());
        assert_eq!(
            ifs(&rules_of(&c)),
            [
                (Some("$CI_COMMIT_BRANCH != \"main\""), None),
                (Some("$CI_COMMIT_TAG == null"), None)
            ]
        );
    }

    #[test]
    fn statuses_become_when() {
        assert_eq!(ifs(&rules_of(&Condition::failure())), [(None, Some(When::OnFailure))]);
        assert_eq!(ifs(&rules_of(&Condition::always())), [(None, Some(When::Always))]);
        let c = Condition::always() & (Condition::event(Event::Schedule) | Condition::event(Event::Manual));
        assert_eq!(
            ifs(&rules_of(&c)),
            [
                (Some("$CI_PIPELINE_SOURCE == \"schedule\""), Some(When::Always)),
                (Some("$CI_PIPELINE_SOURCE == \"web\""), Some(When::Always)),
            ]
        );
        // No implicit success once a status is mentioned; `always` rules come first.
        let c = Condition::failure() | Condition::branch("main");
        assert_eq!(
            ifs(&rules_of(&c)),
            [
                (Some("$CI_COMMIT_BRANCH == \"main\""), Some(When::Always)),
                (None, Some(When::OnFailure)),
            ]
        );
        assert_eq!(Dnf::of(&!Condition::failure()), Err(DnfError::NegatedStatus));
    }

    #[test]
    fn contradictions_and_redundancies_are_removed() {
        let c = Condition::branch("main") & Condition::tag();
        assert_eq!(ifs(&rules_of(&c)), [(None, Some(When::Never))]);
        let c = Condition::branch("main") & !Condition::branch("dev") & Condition::branch("main");
        assert_eq!(ifs(&rules_of(&c)), [(Some("$CI_COMMIT_BRANCH == \"main\""), None)]);
        let c = Condition::branch("main") | (Condition::branch("main") & Condition::event(Event::Push));
        assert_eq!(ifs(&rules_of(&c)), [(Some("$CI_COMMIT_BRANCH == \"main\""), None)]);
        let c = Condition::event(Event::Push) & Condition::event(Event::Schedule);
        assert_eq!(ifs(&rules_of(&c)), [(None, Some(When::Never))]);
        let c = Condition::input_equals("t", "a") & !Condition::input_equals("t", "b");
        assert_eq!(ifs(&rules_of(&c)), [(Some("$t == \"a\""), None)]);
        let c = Condition::tag() & !Condition::branch("main");
        assert_eq!(ifs(&rules_of(&c)), [(Some("$CI_COMMIT_TAG"), None)]);
    }

    #[test]
    fn presence_of_needs_is_conjoined() {
        let publish =
            Dnf::of(&((Condition::branch("main") & Condition::event(Event::Push)) | Condition::tag())).expect("dnf");
        let deploy = Dnf::of(&(Condition::branch("main") & !Condition::input_equals("dry_run", "true")))
            .expect("dnf")
            .and(&publish)
            .expect("and");
        assert_eq!(
            ifs(&job_rules(&deploy, true)),
            [(
                Some("$CI_COMMIT_BRANCH == \"main\" && $CI_PIPELINE_SOURCE == \"push\" && $dry_run != \"true\""),
                Some(When::Manual)
            )]
        );
    }

    #[test]
    fn text_tests_are_case_insensitive_anchored_regexes_of_escaped_text() {
        assert_eq!(
            ifs(&rules_of(
                &(Subject::PullRequestBase.equals("main") & !Condition::fork())
            )),
            [(
                Some(
                    "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ /^main$/i && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID"
                ),
                None
            )]
        );
        assert_eq!(
            ifs(&rules_of(&!Subject::Branch.starts_with("release/"))),
            [(Some("$CI_COMMIT_BRANCH !~ /^release\\x2f/i"), None)]
        );
        assert_eq!(
            text_regex(TextOp::Contains, "a' || $X/\\"),
            "a\\x27\\x20\\x7c\\x7c\\x20\\x24X\\x2f\\x5c"
        );
        assert_eq!(text_regex(TextOp::EndsWith, "-rc"), "\\x2drc$");
    }

    #[test]
    fn quotes_in_values() {
        assert_eq!(equals("x", "a\"b", true), "$x == 'a\"b'");
        assert_eq!(equals("x", "a\"b'c", false), "$x !~ /^a\"b'c$/");
    }

    #[test]
    fn ref_patterns_become_anchored_regexes() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ref_filter("CI_COMMIT_BRANCH", &p(&["main"])),
            "$CI_COMMIT_BRANCH == \"main\""
        );
        assert_eq!(
            ref_filter("CI_COMMIT_BRANCH", &p(&["main", "release/**"])),
            "$CI_COMMIT_BRANCH =~ /^(main|release\\/.*)$/"
        );
        assert_eq!(
            ref_filter("CI_COMMIT_TAG", &p(&["v*"])),
            "$CI_COMMIT_TAG =~ /^v[^\\/]*$/"
        );
        assert_eq!(
            ref_filter("CI_COMMIT_TAG", &p(&["v[0-9]+.*"])),
            "$CI_COMMIT_TAG =~ /^v[0-9]+\\.[^\\/]*$/"
        );
        assert_eq!(
            ref_filter("CI_COMMIT_BRANCH", &p(&["**", "!wip/*"])),
            "$CI_COMMIT_BRANCH =~ /^.*$/ && $CI_COMMIT_BRANCH !~ /^wip\\/[^\\/]*$/"
        );
        assert_eq!(pattern_regex("a.b(c)|d$"), "a\\.b\\(c\\)\\|d\\$");
    }

    #[test]
    fn triggers() {
        let Trigger::Push(push) = Trigger::push().branches(["main"]).tags(["v*"]).paths(["src/**"]).into() else {
            unreachable!()
        };
        let rules = push_rules(&push, Dedup::SkipBranchPushesWithOpenMr, None);
        assert_eq!(
            rules[0].condition.as_deref(),
            Some("$CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_BRANCH == \"main\" && $CI_OPEN_MERGE_REQUESTS == null")
        );
        assert_eq!(
            rules[1].condition.as_deref(),
            Some("$CI_PIPELINE_SOURCE == \"push\" && $CI_COMMIT_TAG =~ /^v[^\\/]*$/")
        );
        assert_eq!(rules[1].changes, ["src/**/*"]);
        let every = push_rules(&Push::default(), Dedup::Off, Some("$X == \"1\""));
        assert_eq!(
            every[0].condition.as_deref(),
            Some("$CI_PIPELINE_SOURCE == \"push\" && $X == \"1\"")
        );
        let pr = pull_request_rule(&PullRequest::default().branches(["main"]), None);
        assert_eq!(
            pr.condition.as_deref(),
            Some("$CI_PIPELINE_SOURCE == \"merge_request_event\" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\"")
        );
        assert_eq!(change_pattern("**"), "**/*");
        assert_eq!(change_pattern("Cargo.lock"), "Cargo.lock");
    }
}
