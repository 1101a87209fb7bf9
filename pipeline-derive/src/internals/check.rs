//! Checks between options and between fields, once every attribute is parsed: what a single
//! option's syntax cannot tell (`approval` without `environment`, `needs` naming an unknown
//! field, two fields under one job name, a cycle of `needs`).

use std::collections::BTreeMap;

use heck::ToKebabCase as _;
use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{DeriveInput, Ident};

use super::ast::{Container, Field};
use super::attr::field::FieldAttrs;
use super::attr::param::ParamAttrs;
use super::attr::pipeline::PipelineAttrs;
use super::ctxt::Ctxt;
use super::suggest::did_you_mean;

/// Where a construct field adds its jobs.
pub(crate) enum Placement {
    /// `scope.add(name, ..)`.
    Named(String),
    /// `scope.add_here(..)`.
    Flatten,
    /// Not added.
    Skip,
}

/// Where `field` adds its jobs: under its rename or its name in kebab-case, in the same scope
/// (`flatten`), or nowhere (`skip`).
pub(crate) fn placement(field: &Field<'_, FieldAttrs>) -> Placement {
    if field.attrs.skip.is_set() {
        Placement::Skip
    } else if field.attrs.flatten.is_set() {
        Placement::Flatten
    } else if let Some(rename) = field.attrs.rename.get() {
        Placement::Named(rename.value())
    } else {
        Placement::Named(field.ident.unraw().to_string().to_kebab_case())
    }
}

/// Reports struct-level `#[<name>(...)]` attributes of a derive that has none.
pub(crate) fn no_struct_attrs(cx: &Ctxt, input: &DeriveInput, name: &str, instead: &str) {
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(name)) {
        cx.error_spanned_by(attr, format!("`#[{name}(...)]` goes on fields{instead}"));
    }
}

/// Checks the fields of a `#[derive(Construct)]` or `#[derive(Pipeline)]` struct.
pub(crate) fn construct(cx: &Ctxt, container: &Container<'_, FieldAttrs>) {
    for field in &container.fields {
        options(cx, field);
    }
    names(cx, container);
    needs(cx, container);
}

/// Options that contradict or need each other on one field.
fn options(cx: &Ctxt, field: &Field<'_, FieldAttrs>) {
    let a = &field.attrs;
    if a.skip.is_set() {
        for (name, span) in a.given.iter().filter(|(name, _)| name != "skip") {
            cx.error(
                *span,
                format!("`{name}` does nothing on a skipped field: a `skip` field adds no jobs"),
            );
        }
        return;
    }
    if let (Some(span), true) = (a.rename.span(), a.flatten.is_set()) {
        cx.error(
            span,
            "`rename` does nothing with `flatten`: a flattened field adds its jobs without a name",
        );
    }
    if !a.environment.is_set() {
        for (name, span) in [
            ("approval", a.approval.span()),
            ("tier", a.tier.span()),
            ("url", a.url.span()),
        ] {
            if let Some(span) = span {
                cx.error(
                    span,
                    format!("`{name}` needs `environment = \"...\"` on the same field: it belongs to the environment the jobs deploy to"),
                );
            }
        }
    }
    if let Some(rename) = a.rename.get() {
        let id = rename.value();
        if id.is_empty() {
            cx.error(
                rename.span(),
                "the job name is empty; use `flatten` to add the jobs without a name",
            );
        } else if !is_job_id(&id) {
            cx.error(
                rename.span(),
                format!(
                    "`{id}` is not a valid job name: start with a letter or `_`, then use letters, digits, `-` or `_`"
                ),
            );
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_-]*`, as `pipeline_core::validate` checks job ids.
fn is_job_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Two fields adding their jobs under the same name.
fn names(cx: &Ctxt, container: &Container<'_, FieldAttrs>) {
    let mut seen: BTreeMap<String, &Ident> = BTreeMap::new();
    for field in &container.fields {
        if let Placement::Named(name) = placement(field) {
            if let Some(first) = seen.get(name.as_str()) {
                let span = field.attrs.rename.span().unwrap_or_else(|| field.ident.span());
                cx.error(
                    span,
                    format!(
                        "field `{}` adds its jobs under `{name}`, as field `{first}` does; give one of them `#[construct(rename = \"...\")]`",
                        field.ident
                    ),
                );
            } else {
                seen.insert(name, field.ident);
            }
        }
    }
}

/// `needs` naming unknown, skipped or the same field, and cycles.
fn needs(cx: &Ctxt, container: &Container<'_, FieldAttrs>) {
    let fields = &container.fields;
    let index = |name: &Ident| fields.iter().position(|f| f.ident.unraw() == name.unraw());
    // Edges that are valid, as indices: (later, earlier).
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if field.attrs.skip.is_set() {
            continue;
        }
        let Some(needs) = field.attrs.needs.get() else {
            continue;
        };
        for (n, name) in needs.iter().enumerate() {
            if needs[..n].iter().any(|other| other.unraw() == name.unraw()) {
                cx.error(name.span(), format!("`{name}` is named twice in `needs`"));
                continue;
            }
            match index(name) {
                Some(j) if j == i => cx.error(name.span(), format!("field `{name}` cannot need itself")),
                Some(j) if fields[j].attrs.skip.is_set() => cx.error(
                    name.span(),
                    format!("field `{name}` is skipped (`#[construct(skip)]`): it adds no jobs to wait for"),
                ),
                Some(j) => edges.push((i, j)),
                None => {
                    let names: Vec<String> = fields
                        .iter()
                        .filter(|f| !f.attrs.skip.is_set() && f.ident != field.ident)
                        .map(|f| f.ident.unraw().to_string())
                        .collect();
                    let unknown = name.unraw().to_string();
                    let hint = match did_you_mean(&unknown, names.iter().map(String::as_str)) {
                        Some(close) => format!("; did you mean `{close}`?"),
                        None if names.is_empty() => String::new(),
                        None => format!("; the other construct fields are: {}", names.join(", ")),
                    };
                    cx.error(
                        name.span(),
                        format!("`needs` names `{unknown}`, which is not a field of this struct{hint}"),
                    );
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(fields.len(), &edges) {
        let names: Vec<String> = cycle.iter().map(|&i| fields[i].ident.unraw().to_string()).collect();
        let span: Span = fields[cycle[0]]
            .attrs
            .needs
            .span()
            .unwrap_or_else(|| fields[cycle[0]].ident.span());
        cx.error(
            span,
            format!("`needs` makes a cycle: {} needs {}", names.join(" needs "), names[0]),
        );
    }
}

/// A cycle of `later -> earlier` edges, as the fields along it.
fn find_cycle(n: usize, edges: &[(usize, usize)]) -> Option<Vec<usize>> {
    // 0: unvisited, 1: on the current path, 2: done.
    fn visit(v: usize, edges: &[(usize, usize)], state: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[v] = 1;
        path.push(v);
        for &(_, next) in edges.iter().filter(|(from, _)| *from == v) {
            match state[next] {
                1 => {
                    let start = path.iter().position(|&p| p == next).unwrap_or(0);
                    return Some(path[start..].to_vec());
                }
                0 => {
                    if let Some(cycle) = visit(next, edges, state, path) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state[v] = 2;
        None
    }
    let mut state = vec![0u8; n];
    (0..n).find_map(|v| {
        if state[v] == 0 {
            visit(v, edges, &mut state, &mut Vec::new())
        } else {
            None
        }
    })
}

/// Checks a `#[derive(Pipeline)]` struct's own options.
pub(crate) fn pipeline(cx: &Ctxt, input: &DeriveInput, attrs: &PipelineAttrs) {
    if !attrs.id.is_set() {
        cx.error(
            input.ident.span(),
            "`#[derive(Pipeline)]` needs an id: add `#[pipeline(id = \"...\")]` (the id names the generated files)",
        );
    }
}

/// Checks the fields of a `#[derive(Params)]` struct.
pub(crate) fn params(cx: &Ctxt, container: &Container<'_, ParamAttrs>) {
    let mut required = false;
    for field in &container.fields {
        let a = &field.attrs;
        if let (Some(span), true) = (a.default.span(), a.required.is_set()) {
            cx.error(
                span,
                "a `required` parameter has no default: remove `default = ...` or `required`",
            );
        }
        required |= a.required.is_set();
    }
    if required {
        for field in container.fields.iter().filter(|f| f.ident.unraw() == "new") {
            cx.error(
                field.ident.span(),
                "a parameter named `new` clashes with the constructor `new` generated for the `required` parameters",
            );
        }
    }
}
