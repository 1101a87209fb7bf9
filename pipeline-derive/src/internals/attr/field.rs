//! `#[construct(...)]` on a field of a `#[derive(Construct)]` or `#[derive(Pipeline)]` struct.
//!
//! ```text
//! option := skip | flatten | rename = "id" | needs(field, ...)
//!         | environment = "name" | tier = "production" | url = "https://..."
//!         | approval | approval(instructions = "...", review_url = "...", notify)
//!         | timeout = 30 | role = "deploy" | role = DEPLOY | when(condition)
//! ```

use proc_macro2::Span;
use syn::{Attribute, Ident, LitStr};

use super::Once;
use super::condition::{self, Condition};
use crate::internals::ctxt::Ctxt;
use crate::internals::parse::{self, Item, elements, items};
use crate::internals::suggest::hint;

/// Every option a field can have.
pub(crate) const OPTIONS: &[&str] = &[
    "skip",
    "rename",
    "flatten",
    "needs",
    "environment",
    "tier",
    "url",
    "approval",
    "timeout",
    "role",
    "when",
];

/// Tier names accepted by `tier = "..."`, with the `Tier` variant each stands for.
pub(crate) const TIERS: &[(&str, &str)] = &[
    ("production", "Production"),
    ("staging", "Staging"),
    ("testing", "Testing"),
    ("development", "Development"),
    ("other", "Other"),
];

/// The roles `JobRole` has constants for: (name, constant).
pub(crate) const ROLES: &[(&str, &str)] = &[
    ("security-scan", "SECURITY_SCAN"),
    ("test", "TEST"),
    ("build", "BUILD"),
    ("deploy", "DEPLOY"),
    ("rollback", "ROLLBACK"),
];

/// The options of one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) skip: Once<()>,
    pub(crate) rename: Once<LitStr>,
    pub(crate) flatten: Once<()>,
    pub(crate) needs: Once<Vec<Ident>>,
    pub(crate) environment: Once<LitStr>,
    /// The `Tier` variant.
    pub(crate) tier: Once<&'static str>,
    pub(crate) url: Once<LitStr>,
    pub(crate) approval: Once<Approval>,
    pub(crate) timeout: Once<u32>,
    pub(crate) role: Once<Role>,
    /// `None` inside: the condition had mistakes (already reported).
    pub(crate) when: Once<Option<Condition>>,
    /// Every option given, in order, with where it was given.
    pub(crate) given: Vec<(String, Span)>,
}

/// `approval(...)`.
#[derive(Default)]
pub(crate) struct Approval {
    pub(crate) instructions: Option<LitStr>,
    pub(crate) review_url: Option<LitStr>,
    pub(crate) notify: bool,
}

/// `role = ...`.
pub(crate) enum Role {
    /// A `JobRole` constant.
    Constant(&'static str),
    /// `JobRole::new("...")`.
    Custom(LitStr),
}

impl FieldAttrs {
    /// Parses every `#[construct(...)]` of a field.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        parse::attributes(cx, attrs, "construct", |item| out.option(cx, item));
        out
    }

    fn option(&mut self, cx: &Ctxt, item: &Item<'_>) -> syn::Result<()> {
        if OPTIONS.contains(&item.name.as_str()) {
            self.given.push((item.name.clone(), item.span()));
        }
        match item.name.as_str() {
            "skip" => self.skip.flag(cx, item),
            "flatten" => self.flatten.flag(cx, item),
            "rename" => self.rename.parse(cx, item, |item| item.string("\"deploy\"")),
            "needs" => self.needs.parse(cx, item, |item| needs(cx, item)),
            "environment" => self.environment.parse(cx, item, |item| item.string("\"production\"")),
            "tier" => self.tier.parse(cx, item, tier),
            "url" => self.url.parse(cx, item, |item| item.string("\"https://example.com\"")),
            "approval" => self.approval.parse(cx, item, |item| approval(cx, item)),
            "timeout" => self.timeout.parse(cx, item, |item| {
                let (minutes, span) = item.number("minutes", "30")?;
                if minutes == 0 {
                    return Err(syn::Error::new(span, "`timeout` must be at least 1 minute"));
                }
                Ok(minutes)
            }),
            "role" => self.role.parse(cx, item, role),
            "when" => self.when.parse(cx, item, |item| condition::when(cx, item)),
            other => Err(syn::Error::new(
                item.span(),
                format!(
                    "unknown option `{other}` in `#[construct(...)]`{}",
                    hint(other, OPTIONS)
                ),
            )),
        }
    }
}

fn needs(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Vec<Ident>> {
    let content = item.parens("build, test")?;
    if content.is_empty() {
        return Err(syn::Error::new(
            item.span(),
            "`needs(...)` names at least one other field, e.g. `needs(build)`",
        ));
    }
    let (fields, _) = elements(cx, &content, |input| {
        if let Ok(name) = input.parse::<LitStr>() {
            let name = name.value();
            return Err(syn::Error::new(
                input.cursor().prev_span(),
                format!("`needs(...)` takes field names, not strings: write `needs({name})`"),
            ));
        }
        input
            .parse::<Ident>()
            .map_err(|e| syn::Error::new(e.span(), "expected the name of another field, e.g. `needs(build)`"))
    });
    Ok(fields)
}

fn tier(item: &Item<'_>) -> syn::Result<&'static str> {
    let tier = item.string("\"production\"")?;
    let value = tier.value();
    match TIERS.iter().find(|(name, _)| *name == value) {
        Some((_, variant)) => Ok(variant),
        None => {
            let names: Vec<&str> = TIERS.iter().map(|(name, _)| *name).collect();
            Err(syn::Error::new(
                tier.span(),
                format!("unknown tier `{value}`{}", hint(&value, &names)),
            ))
        }
    }
}

fn approval(cx: &Ctxt, item: &Item<'_>) -> syn::Result<Approval> {
    if item.is_flag() {
        return Ok(Approval::default());
    }
    let content = item.parens("instructions = \"...\", review_url = \"...\", notify")?;
    let mut instructions = Once::default();
    let mut review_url = Once::default();
    let mut notify = Once::<()>::default();
    items(cx, &content, |item| match item.name.as_str() {
        "instructions" => instructions.parse(cx, item, |item| item.string("\"Check the dashboard first\"")),
        "review_url" => review_url.parse(cx, item, |item| item.string("\"https://example.com/change\"")),
        "notify" => notify.flag(cx, item),
        other => Err(syn::Error::new(
            item.span(),
            format!(
                "unknown option `{other}` in `approval(...)`{}",
                hint(other, &["instructions", "review_url", "notify"])
            ),
        )),
    });
    Ok(Approval {
        instructions: instructions.into_value(),
        review_url: review_url.into_value(),
        notify: notify.is_set(),
    })
}

fn role(item: &Item<'_>) -> syn::Result<Role> {
    match item.string_or_ident("\"deploy\"")? {
        Ok(name) => {
            let value = name.value();
            if value.trim().is_empty() {
                return Err(syn::Error::new(name.span(), "`role` is empty"));
            }
            Ok(match ROLES.iter().find(|(role, _)| *role == value) {
                Some((_, constant)) => Role::Constant(constant),
                None => Role::Custom(name),
            })
        }
        Err(constant) => {
            let value = constant.to_string();
            match ROLES.iter().find(|(_, c)| *c == value) {
                Some((_, c)) => Ok(Role::Constant(c)),
                None => {
                    let constants: Vec<&str> = ROLES.iter().map(|(_, c)| *c).collect();
                    Err(syn::Error::new(
                        constant.span(),
                        format!(
                            "`JobRole` has no constant `{value}`{} (a custom role is a string: `role = \"load-test\"`)",
                            hint(&value, &constants)
                        ),
                    ))
                }
            }
        }
    }
}
