//! Attribute syntax shared by every derive: comma-separated items `key`, `key = value` and
//! `key(...)`. A mistake in one item is recorded in the [`Ctxt`] and parsing resumes at the next
//! item, so every mistake of an attribute is reported, not just the first.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::{ParseBuffer, ParseStream};
use syn::{Attribute, Ident, LitInt, LitStr, Meta, Token};

use super::ctxt::Ctxt;

/// One item of an attribute list: its key, and the input right after the key.
pub(crate) struct Item<'a> {
    /// The key (`timeout` in `timeout = 30`).
    pub(crate) key: Ident,
    /// The key as a string, without `r#`.
    pub(crate) name: String,
    input: ParseStream<'a>,
}

/// Parses every `#[<name>(...)]` attribute of `attrs`, giving each item to `f`.
pub(crate) fn attributes(cx: &Ctxt, attrs: &[Attribute], name: &str, mut f: impl FnMut(&Item<'_>) -> syn::Result<()>) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        if !matches!(attr.meta, Meta::List(_)) {
            cx.error_spanned_by(attr, format!("expected `#[{name}(...)]`"));
            continue;
        }
        let parsed = attr.parse_args_with(|input: ParseStream<'_>| {
            items(cx, input, &mut f);
            Ok(())
        });
        if let Err(err) = parsed {
            cx.syn_error(err);
        }
    }
}

/// Parses the comma-separated items of `input` (all of it), giving each to `f`; an error `f`
/// returns is recorded and the rest of that item skipped.
pub(crate) fn items(cx: &Ctxt, input: ParseStream<'_>, mut f: impl FnMut(&Item<'_>) -> syn::Result<()>) {
    while !input.is_empty() {
        let result = key(input).and_then(|key| {
            let name = key.unraw().to_string();
            f(&Item { key, name, input })?;
            end_of_item(input)
        });
        if let Err(err) = result {
            cx.syn_error(err);
            skip_to_comma(input);
        }
        if !input.is_empty() {
            // `skip_to_comma` or `end_of_item` stopped at a comma.
            let _: syn::Result<Token![,]> = input.parse();
        }
    }
}

/// Parses the comma-separated elements of `input` (all of it) with `f`; an element that fails is
/// recorded and skipped. Returns the elements that parsed and whether all did.
pub(crate) fn elements<T>(
    cx: &Ctxt,
    input: ParseStream<'_>,
    mut f: impl FnMut(ParseStream<'_>) -> syn::Result<T>,
) -> (Vec<T>, bool) {
    let mut out = Vec::new();
    let mut ok = true;
    while !input.is_empty() {
        match f(input).and_then(|v| end_of_item(input).map(|()| v)) {
            Ok(v) => out.push(v),
            Err(err) => {
                ok = false;
                cx.syn_error(err);
                skip_to_comma(input);
            }
        }
        if !input.is_empty() {
            let _: syn::Result<Token![,]> = input.parse();
        }
    }
    (out, ok)
}

fn key(input: ParseStream<'_>) -> syn::Result<Ident> {
    if input.peek(Ident::peek_any) {
        input.call(Ident::parse_any)
    } else {
        Err(input.error("expected an option name"))
    }
}

fn end_of_item(input: ParseStream<'_>) -> syn::Result<()> {
    if input.is_empty() || input.peek(Token![,]) {
        Ok(())
    } else {
        Err(input.error("expected `,` before the next option"))
    }
}

fn skip_to_comma(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        let _: syn::Result<TokenTree> = input.parse();
    }
}

/// The tokens up to the next top-level comma.
fn value_tokens(input: ParseStream<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        if let Ok(tt) = input.parse::<TokenTree>() {
            out.extend([tt]);
        }
    }
    out
}

impl<'a> Item<'a> {
    /// The key's span, where errors about the whole item point.
    pub(crate) fn span(&self) -> Span {
        self.key.span()
    }

    /// Whether the item is a bare `key`.
    pub(crate) fn is_flag(&self) -> bool {
        self.input.is_empty() || self.input.peek(Token![,])
    }

    /// Whether the item is `key(...)`.
    pub(crate) fn is_list(&self) -> bool {
        self.input.peek(syn::token::Paren)
    }

    /// A bare `key`.
    pub(crate) fn flag(&self) -> syn::Result<()> {
        if self.is_flag() {
            Ok(())
        } else {
            Err(syn::Error::new(
                self.input.span(),
                format!("`{}` takes no value: write `{}` alone", self.name, self.name),
            ))
        }
    }

    fn eq(&self, example: &str) -> syn::Result<()> {
        if self.input.peek(Token![=]) {
            let _: Token![=] = self.input.parse()?;
            Ok(())
        } else {
            Err(syn::Error::new(
                self.span(),
                format!("expected `{} = {example}`", self.name),
            ))
        }
    }

    /// `key = <tokens up to the next comma>`, not empty.
    pub(crate) fn value(&self, example: &str) -> syn::Result<TokenStream> {
        self.eq(example)?;
        let value = value_tokens(self.input);
        if value.is_empty() {
            return Err(syn::Error::new(
                self.span(),
                format!("expected `{} = {example}`", self.name),
            ));
        }
        Ok(value)
    }

    /// `key = "string"`.
    pub(crate) fn string(&self, example: &str) -> syn::Result<LitStr> {
        let value = self.value(example)?;
        syn::parse2::<LitStr>(value.clone()).map_err(|_| {
            syn::Error::new_spanned(
                value,
                format!(
                    "`{}` expects a string literal, e.g. `{} = {example}`",
                    self.name, self.name
                ),
            )
        })
    }

    /// `key = "string"` or `key = IDENT`.
    pub(crate) fn string_or_ident(&self, example: &str) -> syn::Result<Result<LitStr, Ident>> {
        let value = self.value(example)?;
        if let Ok(s) = syn::parse2::<LitStr>(value.clone()) {
            return Ok(Ok(s));
        }
        syn::parse2::<Ident>(value.clone()).map(Err).map_err(|_| {
            syn::Error::new_spanned(
                value,
                format!(
                    "`{}` expects a string literal, e.g. `{} = {example}`",
                    self.name, self.name
                ),
            )
        })
    }

    /// `key = <whole number>` (a `u32`).
    pub(crate) fn number(&self, what: &str, example: &str) -> syn::Result<(u32, Span)> {
        let value = self.value(example)?;
        let wrong = || {
            syn::Error::new_spanned(
                &value,
                format!(
                    "`{}` expects a whole number of {what}, e.g. `{} = {example}`",
                    self.name, self.name
                ),
            )
        };
        let lit = syn::parse2::<LitInt>(value.clone()).map_err(|_| wrong())?;
        let n = lit.base10_parse::<u32>().map_err(|_| wrong())?;
        Ok((n, lit.span()))
    }

    /// `key(...)`: the content inside the parentheses, which the caller must parse entirely.
    pub(crate) fn parens(&self, example: &str) -> syn::Result<ParseBuffer<'a>> {
        if !self.is_list() {
            return Err(syn::Error::new(
                self.span(),
                format!("expected `{}({example})`", self.name),
            ));
        }
        let content;
        syn::parenthesized!(content in self.input);
        Ok(content)
    }

    /// `key("a", "b")`: at least one string literal. Wrong elements are recorded in `cx` and left
    /// out.
    pub(crate) fn strings(&self, cx: &Ctxt, example: &str) -> syn::Result<Vec<LitStr>> {
        let content = self.parens(example)?;
        if content.is_empty() {
            return Err(syn::Error::new(
                self.span(),
                format!(
                    "`{}(...)` needs at least one string, e.g. `{}({example})`",
                    self.name, self.name
                ),
            ));
        }
        let (strings, _) = elements(cx, &content, |input| {
            let value = value_tokens(input);
            syn::parse2::<LitStr>(value.clone()).map_err(|_| {
                syn::Error::new_spanned(
                    value,
                    format!(
                        "`{}(...)` expects string literals, e.g. `{}({example})`",
                        self.name, self.name
                    ),
                )
            })
        });
        Ok(strings)
    }
}
