//! `when(...)`: a [`Condition`](https://docs.rs/pipeline-core) written in attribute syntax.
//!
//! ```text
//! condition := always | failure | tag
//!            | branch = "main" | event = "push" | input(name = "value")
//!            | all(condition, ...) | any(condition, ...) | not(condition)
//! ```

use proc_macro2::Span;
use syn::{Ident, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::parse::{Item, items};
use crate::internals::suggest::hint;

/// A condition on the run.
pub(crate) enum Condition {
    Always,
    Failure,
    Tag,
    Branch(LitStr),
    /// The variant of `Event`.
    Event(&'static str),
    /// A manual input's name and the value it must have.
    Input(Ident, LitStr),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

/// Event names accepted by `event = "..."`, with the `Event` variant each stands for.
pub(crate) const EVENTS: &[(&str, &str)] = &[
    ("push", "Push"),
    ("pull_request", "PullRequest"),
    ("schedule", "Schedule"),
    ("manual", "Manual"),
];

const CONDITIONS: &[&str] = &[
    "branch", "tag", "event", "input", "failure", "always", "all", "any", "not",
];

/// `when(<one condition>)`. `Ok(None)`: the condition had mistakes, already recorded in `cx`.
pub(crate) fn when(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Option<Condition>> {
    let content = item.parens("branch = \"main\"")?;
    single(item, list(cx, &content))
}

/// The conditions of a list, each with its span; `None` for those with mistakes.
fn list(cx: &Ctxt, input: syn::parse::ParseStream<'_>) -> Vec<(Span, Option<Condition>)> {
    let mut out = Vec::new();
    items(cx, input, |item| {
        out.push((item.span(), None));
        let condition = condition(cx, item)?;
        if let Some(last) = out.last_mut() {
            last.1 = condition;
        }
        Ok(())
    });
    out
}

fn single(item: &Item<'_>, conditions: Vec<(Span, Option<Condition>)>) -> syn::Result<Option<Condition>> {
    let name = &item.name;
    let mut conditions = conditions.into_iter();
    match (conditions.next(), conditions.next()) {
        (None, _) => Err(syn::Error::new(
            item.span(),
            format!("`{name}(...)` needs a condition, e.g. `{name}(branch = \"main\")`"),
        )),
        (Some((_, c)), None) => Ok(c),
        (Some(_), Some((span, _))) => Err(syn::Error::new(
            span,
            format!("`{name}(...)` takes one condition: combine several with `all(...)` or `any(...)`"),
        )),
    }
}

fn all_or_none(conditions: Vec<(Span, Option<Condition>)>) -> Option<Vec<Condition>> {
    conditions.into_iter().map(|(_, c)| c).collect()
}

fn condition(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Option<Condition>> {
    let condition = match item.name.as_str() {
        "always" => item.flag().map(|()| Condition::Always)?,
        "failure" => item.flag().map(|()| Condition::Failure)?,
        "tag" => item.flag().map(|()| Condition::Tag)?,
        "branch" => Condition::Branch(item.string("\"main\"")?),
        "event" => {
            let event = item.string("\"push\"")?;
            match EVENTS.iter().find(|(name, _)| *name == event.value()) {
                Some((_, variant)) => Condition::Event(variant),
                None => {
                    let names: Vec<&str> = EVENTS.iter().map(|(name, _)| *name).collect();
                    return Err(syn::Error::new(
                        event.span(),
                        format!("unknown event `{}`{}", event.value(), hint(&event.value(), &names)),
                    ));
                }
            }
        }
        "input" => {
            let content = item.parens("target = \"production\"")?;
            let mut pairs = Vec::new();
            items(cx, &content, |input| {
                pairs.push((input.key.clone(), input.string("\"production\"")?));
                Ok(())
            });
            let mut pairs = pairs.into_iter();
            match (pairs.next(), pairs.next()) {
                (Some((name, value)), None) => Condition::Input(name, value),
                _ => {
                    return Err(syn::Error::new(
                        item.span(),
                        "`input(...)` compares one manual input with a value, e.g. `input(target = \"production\")`",
                    ));
                }
            }
        }
        "all" | "any" => {
            let content = item.parens("branch = \"main\", tag")?;
            let conditions = list(cx, &content);
            if conditions.is_empty() {
                return Err(syn::Error::new(
                    item.span(),
                    format!("`{}(...)` needs at least one condition", item.name),
                ));
            }
            let Some(conditions) = all_or_none(conditions) else {
                return Ok(None);
            };
            if item.name == "all" {
                Condition::All(conditions)
            } else {
                Condition::Any(conditions)
            }
        }
        "not" => {
            let content = item.parens("tag")?;
            match single(item, list(cx, &content))? {
                Some(c) => Condition::Not(Box::new(c)),
                None => return Ok(None),
            }
        }
        other => {
            return Err(syn::Error::new(
                item.span(),
                format!("unknown condition `{other}`{}", hint(other, CONDITIONS)),
            ));
        }
    };
    Ok(Some(condition))
}
