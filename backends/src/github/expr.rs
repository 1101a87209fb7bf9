//! Portable values and conditions in GitHub's expression syntax.

use pipeline_core::{Builtin, Condition, Event, Expr, InputKind, JobResult, Pipeline, Subject, TextOp, TextTest};

use super::escape;

/// The GitHub context property of a built-in.
pub(crate) fn builtin(b: Builtin) -> &'static str {
    match b {
        Builtin::CommitSha => "github.sha",
        Builtin::RefName => "github.ref_name",
        Builtin::RunId => "github.run_id",
        Builtin::Repository => "github.repository",
        Builtin::Actor => "github.actor",
        Builtin::Workspace => "github.workspace",
        Builtin::EventName => "github.event_name",
        Builtin::HeadRef => "github.head_ref",
    }
}

/// A value as text with `${{ }}` expressions. Adjacent literal parts are joined before they are
/// escaped ([`escape::literal`]), so a `${{` split across pieces (`"$"` then `"{{ x }}"`) is
/// escaped like one written whole.
pub(crate) fn value(e: &Expr, pipeline: &Pipeline) -> String {
    let mut out = String::new();
    let mut text = String::new();
    for part in flatten(e) {
        match part {
            Expr::Literal(s) => text.push_str(s),
            other => {
                out.push_str(&escape::literal(&std::mem::take(&mut text)));
                out.push_str(&reference(other, pipeline));
            }
        }
    }
    out.push_str(&escape::literal(&text));
    out
}

/// The parts of a value, nested concatenations flattened.
fn flatten(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    for part in e.parts() {
        match part {
            Expr::Concat(inner) => inner.iter().for_each(|p| out.extend(flatten(p))),
            other => out.push(other),
        }
    }
    out
}

/// A reference as a `${{ }}` expression.
fn reference(part: &Expr, pipeline: &Pipeline) -> String {
    match part {
        Expr::Literal(s) => escape::literal(s),
        Expr::Builtin(b) => ["${{ ", builtin(*b), " }}"].concat(),
        Expr::Secret(s) => ["${{ secrets.", s.as_str(), " }}"].concat(),
        Expr::Input(i) => ["${{ ", input(pipeline, i.as_str()).0.as_str(), " }}"].concat(),
        Expr::Output(o) => ["${{ needs.", o.job.as_str(), ".outputs.", o.name.as_str(), " }}"].concat(),
        Expr::StepOutput(o) => ["${{ steps.", o.step.as_str(), ".outputs.", o.name.as_str(), " }}"].concat(),
        Expr::Matrix(a) => ["${{ matrix.", a.as_str(), " }}"].concat(),
        Expr::Var(v) => ["${{ vars.", v.as_str(), " }}"].concat(),
        // Its scopes become the job's `permissions:` (lower.rs).
        Expr::Token(_) => "${{ github.token }}".to_owned(),
        Expr::Concat(parts) => parts.iter().map(|p| reference(p, pipeline)).collect(),
    }
}

/// The value of input `name` as an expression, and whether it is a compound one: the input on a
/// manual run, its default on every other event (GitHub leaves `inputs.*` empty outside
/// `workflow_dispatch`; docs/SEMANTICS.md, section 6).
pub(crate) fn input(pipeline: &Pipeline, name: &str) -> (String, bool) {
    let plain = ["inputs.", name].concat();
    let Some(kind) = pipeline.inputs().find(|i| i.name == name).map(|i| &i.kind) else {
        return (plain, false);
    };
    // A reusable workflow's caller may run on any event (`github.event_name` is the caller's):
    // there, an input is null exactly when the run is neither manual nor a call.
    let reusable = pipeline.extensions.get::<super::settings::Reusable>().is_some();
    let default = match kind {
        InputKind::Boolean { default: false } => return (plain, false),
        InputKind::Boolean { default: true } if reusable => {
            return ([plain.as_str(), " == null || ", plain.as_str()].concat(), true);
        }
        InputKind::Boolean { default: true } => {
            return (
                ["github.event_name != 'workflow_dispatch' || ", plain.as_str()].concat(),
                true,
            );
        }
        InputKind::String { default } => default.clone().unwrap_or_default(),
        InputKind::Choice { options, default } => {
            default.clone().or_else(|| options.first().cloned()).unwrap_or_default()
        }
    };
    if default.is_empty() {
        return (plain, false);
    }
    if reusable {
        let mut text = [plain.as_str(), " == null && "].concat();
        escape::push_string_literal(&mut text, &[default.as_str()]);
        text.push_str(" || ");
        text.push_str(&plain);
        return (text, true);
    }
    let mut text = ["github.event_name == 'workflow_dispatch' && ", plain.as_str()].concat();
    text.push_str(" || github.event_name != 'workflow_dispatch' && ");
    escape::push_string_literal(&mut text, &[default.as_str()]);
    text.push_str(" || ''");
    (text, true)
}

/// `s` as an expression string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape::push_string_literal(&mut out, &[s]);
    out
}

/// Appends the concatenation of `parts` as an expression string literal.
fn push_quoted(out: &mut String, parts: &[&str]) {
    escape::push_string_literal(out, parts);
}

/// Whether a condition sits on a job or on a step (`failure()` means different things).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum On {
    Job,
    Step,
}

/// A condition as a GitHub expression (without `${{ }}` unless it starts with `!`).
pub(crate) fn condition(c: &Condition, pipeline: &Pipeline, on: On) -> String {
    let mut text = String::new();
    render(&mut text, c, pipeline, on, Ctx::Top);
    // `!` at the start of a plain YAML scalar is a tag; GitHub documents wrapping such
    // expressions in `${{ }}`.
    if text.starts_with('!') {
        ["${{ ", text.as_str(), " }}"].concat()
    } else {
        text
    }
}

/// Where a condition is rendered: at the top, as an operand of `||` or `&&`, or under `!`.
/// Nested `&&`/`||` are always parenthesised, for the reader's sake.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    Operand,
    Negated,
}

/// Appends what `write` writes, in parentheses when `parenthesised`.
fn group(out: &mut String, parenthesised: bool, write: impl FnOnce(&mut String)) {
    if parenthesised {
        out.push('(');
    }
    write(out);
    if parenthesised {
        out.push(')');
    }
}

/// Appends the condition to `out`.
fn render(out: &mut String, c: &Condition, pipeline: &Pipeline, on: On, ctx: Ctx) {
    // A comparison needs parentheses under `!`; `&&` / `||` anywhere but at the top.
    let comparison = ctx == Ctx::Negated;
    let compound = ctx != Ctx::Top;
    match c {
        Condition::Always => out.push_str("always()"),
        // `failure()` alone is true when any ancestor failed; a job's Failure means a job it
        // needs failed (not one skipped because of a failure further up).
        Condition::Failure if on == On::Job => group(out, compound, |out| {
            out.push_str("failure() && contains(needs.*.result, 'failure')");
        }),
        Condition::Failure => out.push_str("failure()"),
        Condition::Branch(b) => group(out, comparison, |out| {
            out.push_str("github.ref == ");
            push_quoted(out, &["refs/heads/", b.as_str()]);
        }),
        Condition::Tag => out.push_str("startsWith(github.ref, 'refs/tags/')"),
        Condition::Event(e) => group(out, comparison, |out| {
            out.push_str("github.event_name == ");
            push_quoted(out, &[event(*e)]);
        }),
        Condition::InputEquals(name, v) => {
            let boolean = pipeline
                .inputs()
                .any(|i| i.name == *name && matches!(i.kind, InputKind::Boolean { .. }));
            let (input, compound_input) = input(pipeline, name.as_str());
            if boolean {
                let negated = v != "true";
                if negated {
                    out.push('!');
                }
                group(out, compound_input && (negated || compound), |out| out.push_str(&input));
            } else {
                group(out, comparison, |out| {
                    group(out, compound_input, |out| out.push_str(&input));
                    out.push_str(" == ");
                    push_quoted(out, &[v.as_str()]);
                });
            }
        }
        Condition::Text(t) => text(out, t, pipeline, ctx),
        // A status function keeps GitHub from adding `success() &&`; `cancelled` needs `always()`.
        Condition::Need(job, result) => group(out, compound, |out| {
            out.push_str(if *result == JobResult::Cancelled {
                "always()"
            } else {
                "!cancelled()"
            });
            out.push_str(" && needs.");
            out.push_str(job.as_str());
            out.push_str(".result == ");
            push_quoted(out, &[result.name()]);
        }),
        // Only a pull request event has a head repository; `!=` alone would hold on a push.
        Condition::Fork => group(out, compound, |out| {
            out.push_str(
                "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository",
            );
        }),
        Condition::And(cs) | Condition::Or(cs) => {
            let operator = if let Condition::And(_) = c { " && " } else { " || " };
            group(out, compound, |out| {
                for (i, c) in cs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(operator);
                    }
                    render(out, c, pipeline, on, Ctx::Operand);
                }
            });
        }
        Condition::Not(inner) => {
            out.push('!');
            render(out, inner, pipeline, on, Ctx::Negated);
        }
    }
}

/// A text test. GitHub's `==`, `startsWith`, `endsWith` and `contains` ignore case, which is
/// the portable meaning. The branch and tag are read from `github.ref`, so that a pull request
/// run (whose `github.ref_name` is `N/merge`) has no branch.
fn text(out: &mut String, t: &TextTest, pipeline: &Pipeline, ctx: Ctx) {
    let value = t.value.as_str();
    let function = |out: &mut String, name: &str, subject: &str, parts: &[&str]| {
        out.push_str(name);
        out.push('(');
        out.push_str(subject);
        out.push_str(", ");
        push_quoted(out, parts);
        out.push(')');
    };
    let prefix = match t.subject {
        Subject::Branch => Some("refs/heads/"),
        Subject::Tag => Some("refs/tags/"),
        _ => None,
    };
    if let Some(prefix) = prefix {
        match t.op {
            TextOp::Equals => group(out, ctx == Ctx::Negated, |out| {
                out.push_str("github.ref == ");
                push_quoted(out, &[prefix, value]);
            }),
            TextOp::StartsWith => function(out, "startsWith", "github.ref", &[prefix, value]),
            TextOp::EndsWith | TextOp::Contains => group(out, ctx != Ctx::Top, |out| {
                function(out, "startsWith", "github.ref", &[prefix]);
                out.push_str(" && ");
                let name = if t.op == TextOp::EndsWith {
                    "endsWith"
                } else {
                    "contains"
                };
                function(out, name, "github.ref_name", &[value]);
            }),
        }
        return;
    }
    let subject = match &t.subject {
        Subject::Input(name) => {
            let (text, compound) = input(pipeline, name.as_str());
            if compound {
                ["(", text.as_str(), ")"].concat()
            } else {
                text
            }
        }
        Subject::Var(v) => ["vars.", v.as_str()].concat(),
        Subject::Matrix(a) => ["matrix.", a.as_str()].concat(),
        Subject::PullRequestBase => "github.base_ref".into(),
        Subject::PullRequestHead => "github.head_ref".into(),
        Subject::Repository => "github.repository".into(),
        Subject::Actor => "github.actor".into(),
        Subject::Branch | Subject::Tag => unreachable!("handled above"),
    };
    match t.op {
        TextOp::Equals => group(out, ctx == Ctx::Negated, |out| {
            out.push_str(&subject);
            out.push_str(" == ");
            push_quoted(out, &[value]);
        }),
        TextOp::StartsWith => function(out, "startsWith", &subject, &[value]),
        TextOp::EndsWith => function(out, "endsWith", &subject, &[value]),
        TextOp::Contains => function(out, "contains", &subject, &[value]),
    }
}

/// The `github.event_name` of an event.
pub(crate) fn event(e: Event) -> &'static str {
    match e {
        Event::Push => "push",
        Event::PullRequest => "pull_request",
        Event::Schedule => "schedule",
        Event::Manual => "workflow_dispatch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::{Input, OutputRef, Trigger};

    fn p() -> Pipeline {
        Pipeline::new("p").on(Trigger::manual()
            .input(Input::boolean("dry_run", "Dry run", false))
            .input(Input::string("target", "t")))
    }

    #[test]
    fn values() {
        let e = Expr::concat([
            "img:".into(),
            Builtin::CommitSha.into(),
            "-".into(),
            OutputRef::new("build", "version").into(),
        ]);
        assert_eq!(
            value(&e, &p()),
            "img:${{ github.sha }}-${{ needs.build.outputs.version }}"
        );
        assert_eq!(value(&Expr::secret("TOKEN"), &p()), "${{ secrets.TOKEN }}");
        assert_eq!(value(&Expr::lit("literal ${{ x }}"), &p()), "literal ${{ '${{' }} x }}");
        // Pieces that only form `${{` together are escaped as one literal.
        let pieces = Expr::Concat(vec![
            "$".into(),
            Expr::Concat(vec!["{".into()]),
            "{ secrets.X }}".into(),
        ]);
        assert_eq!(value(&pieces, &p()), "${{ '${{' }} secrets.X }}");
    }

    #[test]
    fn conditions_respect_precedence() {
        let c = (Condition::branch("main") | Condition::tag()) & !Condition::event(Event::PullRequest);
        assert_eq!(
            condition(&c, &p(), On::Job),
            "(github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/')) && !(github.event_name == 'pull_request')"
        );
        assert_eq!(
            condition(&!Condition::tag(), &p(), On::Job),
            "${{ !startsWith(github.ref, 'refs/tags/') }}"
        );
        assert_eq!(
            condition(&Condition::branch("it's"), &p(), On::Job),
            "github.ref == 'refs/heads/it''s'"
        );
    }

    #[test]
    fn failure_means_a_needed_job_failed_on_jobs_and_an_earlier_step_on_steps() {
        let c = Condition::failure() & Condition::branch("main");
        assert_eq!(
            condition(&c, &p(), On::Job),
            "(failure() && contains(needs.*.result, 'failure')) && github.ref == 'refs/heads/main'"
        );
        assert_eq!(condition(&Condition::failure(), &p(), On::Step), "failure()");
    }

    #[test]
    fn nested_operators_are_parenthesised() {
        let c = (Condition::branch("main") & Condition::event(Event::Push)) | Condition::tag();
        assert_eq!(
            condition(&c, &p(), On::Job),
            "(github.ref == 'refs/heads/main' && github.event_name == 'push') || startsWith(github.ref, 'refs/tags/')"
        );
    }

    #[test]
    fn inputs_hold_their_default_outside_manual_runs() {
        let p = Pipeline::new("p").on(Trigger::manual()
            .input(Input::boolean("go", "Go", true))
            .input(Input::choice("env", "Env", ["staging", "prod"]))
            .input(Input::string("target", "t").default_value("it's")));
        assert_eq!(
            value(&Expr::input("go"), &p),
            "${{ github.event_name != 'workflow_dispatch' || inputs.go }}"
        );
        assert_eq!(
            value(&Expr::input("env"), &p),
            "${{ github.event_name == 'workflow_dispatch' && inputs.env || github.event_name != 'workflow_dispatch' && 'staging' || '' }}"
        );
        assert_eq!(
            condition(&!Condition::input_equals("go", "true"), &p, On::Job),
            "${{ !(github.event_name != 'workflow_dispatch' || inputs.go) }}"
        );
        assert_eq!(
            condition(&Condition::input_equals("target", "x"), &p, On::Job),
            "(github.event_name == 'workflow_dispatch' && inputs.target || github.event_name != 'workflow_dispatch' && 'it''s' || '') == 'x'"
        );
    }

    #[test]
    fn text_tests_read_the_ref_for_branches_and_tags() {
        use pipeline_core::Subject;
        let c = |c: Condition| condition(&c, &p(), On::Job);
        assert_eq!(c(Subject::Branch.equals("main")), "github.ref == 'refs/heads/main'");
        assert_eq!(
            c(Subject::Tag.starts_with("v")),
            "startsWith(github.ref, 'refs/tags/v')"
        );
        assert_eq!(
            c(!Subject::Branch.ends_with("-wip")),
            "${{ !(startsWith(github.ref, 'refs/heads/') && endsWith(github.ref_name, '-wip')) }}"
        );
        assert_eq!(c(Subject::PullRequestBase.equals("main")), "github.base_ref == 'main'");
        assert_eq!(
            c(Subject::input("target").contains("it's") & Subject::Actor.equals("bot")),
            "contains(inputs.target, 'it''s') && github.actor == 'bot'"
        );
        assert_eq!(
            c(!Condition::fork()),
            "${{ !(github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository) }}"
        );
        // User text stays a string literal, `${{` included.
        assert_eq!(
            c(Subject::PullRequestHead.equals("x' || true || '${{ secrets.A }}")),
            "github.head_ref == format('{0}{1}{2}', 'x'' || true || ''$', '{{ secrets.A }', '}')"
        );
    }

    #[test]
    fn boolean_inputs_are_not_compared_as_strings() {
        assert_eq!(
            condition(&Condition::input_equals("dry_run", "true"), &p(), On::Job),
            "inputs.dry_run"
        );
        assert_eq!(
            condition(&Condition::input_equals("target", "prod"), &p(), On::Job),
            "inputs.target == 'prod'"
        );
    }
}
