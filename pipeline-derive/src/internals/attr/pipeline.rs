//! `#[pipeline(...)]` on a `#[derive(Pipeline)]` struct.
//!
//! ```text
//! option  := id = "delivery" | name = "Delivery" | timeout = 30 | on(trigger, ...)
//! trigger := push | push(branches("main", ...), tags("v*", ...), paths("src/**", ...))
//!          | pull_request | pull_request(branches(...), paths(...))
//!          | schedule("0 3 * * 1-5") | manual
//! ```

use syn::{Attribute, LitStr};

use super::Once;
use crate::internals::ctxt::Ctxt;
use crate::internals::parse::{self, Item, items};
use crate::internals::suggest::hint;

const OPTIONS: &[&str] = &["id", "name", "on", "timeout"];
const TRIGGERS: &[&str] = &["push", "pull_request", "schedule", "manual"];

/// The options of a pipeline.
#[derive(Default)]
pub(crate) struct PipelineAttrs {
    pub(crate) id: Once<LitStr>,
    pub(crate) name: Once<LitStr>,
    pub(crate) on: Once<Vec<Trigger>>,
    pub(crate) timeout: Once<u32>,
}

/// One trigger of `on(...)`.
pub(crate) enum Trigger {
    Push {
        branches: Vec<LitStr>,
        tags: Vec<LitStr>,
        paths: Vec<LitStr>,
    },
    PullRequest {
        branches: Vec<LitStr>,
        paths: Vec<LitStr>,
    },
    Schedule(LitStr),
    Manual,
}

impl PipelineAttrs {
    /// Parses every `#[pipeline(...)]` of the struct.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = PipelineAttrs::default();
        parse::attributes(cx, attrs, "pipeline", |item| out.option(cx, item));
        out
    }

    fn option(&mut self, cx: &Ctxt, item: &Item<'_>) -> syn::Result<()> {
        match item.name.as_str() {
            "id" => self.id.parse(cx, item, |item| {
                let id = item.string("\"delivery\"")?;
                if id.value().trim().is_empty() {
                    return Err(syn::Error::new(id.span(), "the pipeline id is empty"));
                }
                Ok(id)
            }),
            "name" => self.name.parse(cx, item, |item| item.string("\"Delivery\"")),
            "timeout" => self.timeout.parse(cx, item, |item| {
                let (minutes, span) = item.number("minutes", "30")?;
                if minutes == 0 {
                    return Err(syn::Error::new(span, "`timeout` must be at least 1 minute"));
                }
                Ok(minutes)
            }),
            "on" => self.on.parse(cx, item, |item| on(cx, item)),
            other => Err(syn::Error::new(
                item.span(),
                format!("unknown option `{other}` in `#[pipeline(...)]`{}", hint(other, OPTIONS)),
            )),
        }
    }
}

fn on(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Vec<Trigger>> {
    let content = item.parens("push(branches(\"main\")), pull_request")?;
    if content.is_empty() {
        return Err(syn::Error::new(
            item.span(),
            "`on(...)` needs at least one trigger, e.g. `on(push(branches(\"main\")))`",
        ));
    }
    let mut triggers = Vec::new();
    items(cx, &content, |item| {
        triggers.push(trigger(cx, item)?);
        Ok(())
    });
    Ok(triggers)
}

fn trigger(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Trigger> {
    match item.name.as_str() {
        "push" | "pull_request" => {
            let push = item.name == "push";
            let mut branches = Once::default();
            let mut tags = Once::default();
            let mut paths = Once::default();
            if !item.is_flag() {
                let content = item.parens("branches(\"main\")")?;
                items(cx, &content, |filter| match filter.name.as_str() {
                    "branches" => branches.parse(cx, filter, |f| f.strings(cx, "\"main\"")),
                    "tags" if push => tags.parse(cx, filter, |f| f.strings(cx, "\"v*\"")),
                    "paths" => paths.parse(cx, filter, |f| f.strings(cx, "\"src/**\"")),
                    other => {
                        let filters: &[&str] = if push {
                            &["branches", "tags", "paths"]
                        } else {
                            &["branches", "paths"]
                        };
                        Err(syn::Error::new(
                            filter.span(),
                            format!(
                                "unknown filter `{other}` in `{}(...)`{}",
                                item.name,
                                hint(other, filters)
                            ),
                        ))
                    }
                });
            }
            let take = |o: Once<Vec<LitStr>>| o.into_value().unwrap_or_default();
            Ok(if push {
                Trigger::Push {
                    branches: take(branches),
                    tags: take(tags),
                    paths: take(paths),
                }
            } else {
                Trigger::PullRequest {
                    branches: take(branches),
                    paths: take(paths),
                }
            })
        }
        "schedule" => {
            let crons = item.strings(cx, "\"0 3 * * 1-5\"")?;
            let mut crons = crons.into_iter();
            match (crons.next(), crons.next()) {
                (Some(cron), None) => {
                    let fields = cron.value().split_whitespace().count();
                    if fields != 5 {
                        return Err(syn::Error::new(
                            cron.span(),
                            format!(
                                "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this one has {fields}"
                            ),
                        ));
                    }
                    Ok(Trigger::Schedule(cron))
                }
                (_, Some(second)) => Err(syn::Error::new(
                    second.span(),
                    "`schedule(...)` takes one cron expression; write `schedule(...)` once per schedule",
                )),
                (None, None) => Err(syn::Error::new(item.span(), "expected `schedule(\"0 3 * * 1-5\")`")),
            }
        }
        "manual" if item.is_flag() => Ok(Trigger::Manual),
        "manual" => Err(syn::Error::new(
            item.span(),
            "`manual` takes no options here: for a manual trigger with inputs, derive `Construct` and implement `ToPipeline` by hand with `Trigger::manual().input(...)`",
        )),
        other => Err(syn::Error::new(
            item.span(),
            format!("unknown trigger `{other}`{}", hint(other, TRIGGERS)),
        )),
    }
}
