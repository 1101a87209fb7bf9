//! Portable values and conditions in GitHub's expression syntax.

use pipeline_core::{Builtin, Condition, Event, Expr, InputKind, Pipeline};

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

/// A value as text with `${{ }}` expressions; literal `${{` is escaped so GitHub never
/// evaluates text the user meant literally.
pub(crate) fn value(e: &Expr) -> String {
    e.render(|part| match part {
        Expr::Literal(s) => s.replace("${{", "${{ '${{' }}"),
        Expr::Builtin(b) => format!("${{{{ {} }}}}", builtin(*b)),
        Expr::Secret(s) => format!("${{{{ secrets.{s} }}}}"),
        Expr::Input(i) => format!("${{{{ inputs.{i} }}}}"),
        Expr::Output(o) => format!("${{{{ needs.{}.outputs.{} }}}}", o.job, o.name),
        Expr::Matrix(a) => format!("${{{{ matrix.{a} }}}}"),
        Expr::Var(v) => format!("${{{{ vars.{v} }}}}"),
        Expr::Concat(parts) => parts.iter().map(value).collect(),
    })
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Whether a condition sits on a job or on a step (`failure()` means different things).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum On {
    Job,
    Step,
}

/// A condition as a GitHub expression (without `${{ }}` unless it starts with `!`).
pub(crate) fn condition(c: &Condition, pipeline: &Pipeline, on: On) -> String {
    let text = render(c, pipeline, on, Ctx::Top);
    // `!` at the start of a plain YAML scalar is a tag; GitHub documents wrapping such
    // expressions in `${{ }}`.
    if text.starts_with('!') {
        format!("${{{{ {text} }}}}")
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

fn render(c: &Condition, pipeline: &Pipeline, on: On, ctx: Ctx) -> String {
    let comparison = |s: String| if ctx == Ctx::Negated { format!("({s})") } else { s };
    let compound = |s: String| if ctx == Ctx::Top { s } else { format!("({s})") };
    match c {
        Condition::Always => "always()".into(),
        // `failure()` alone is true when any ancestor failed; a job's Failure means a job it
        // needs failed (not one skipped because of a failure further up).
        Condition::Failure if on == On::Job => compound("failure() && contains(needs.*.result, 'failure')".into()),
        Condition::Failure => "failure()".into(),
        Condition::Branch(b) => comparison(format!("github.ref == {}", quote(&format!("refs/heads/{b}")))),
        Condition::Tag => "startsWith(github.ref, 'refs/tags/')".into(),
        Condition::Event(e) => comparison(format!("github.event_name == {}", quote(event(*e)))),
        Condition::InputEquals(name, v) => {
            let boolean = pipeline
                .inputs()
                .any(|i| i.name == *name && matches!(i.kind, InputKind::Boolean { .. }));
            if boolean {
                if v == "true" {
                    format!("inputs.{name}")
                } else {
                    format!("!inputs.{name}")
                }
            } else {
                comparison(format!("inputs.{name} == {}", quote(v)))
            }
        }
        Condition::And(cs) => compound(
            cs.iter()
                .map(|c| render(c, pipeline, on, Ctx::Operand))
                .collect::<Vec<_>>()
                .join(" && "),
        ),
        Condition::Or(cs) => compound(
            cs.iter()
                .map(|c| render(c, pipeline, on, Ctx::Operand))
                .collect::<Vec<_>>()
                .join(" || "),
        ),
        Condition::Not(inner) => format!("!{}", render(inner, pipeline, on, Ctx::Negated)),
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
        assert_eq!(value(&e), "img:${{ github.sha }}-${{ needs.build.outputs.version }}");
        assert_eq!(value(&Expr::secret("TOKEN")), "${{ secrets.TOKEN }}");
        assert_eq!(value(&Expr::lit("literal ${{ x }}")), "literal ${{ '${{' }} x }}");
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
