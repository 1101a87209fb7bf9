//! Attributes, parsed into typed options: `#[construct(...)]` on fields ([`field`]), the `when`
//! conditions inside it ([`condition`]), `#[pipeline(...)]` on structs ([`pipeline`]) and
//! `#[param(...)]` on fields ([`param`]). Parsing only checks each option's own syntax; checks
//! between options and fields live in [`check`](super::check).

pub(crate) mod condition;
pub(crate) mod field;
pub(crate) mod param;
pub(crate) mod pipeline;

use proc_macro2::Span;

use super::ctxt::Ctxt;
use super::parse::Item;

/// An option that may be given once: where it was given and its value (`None` when the value
/// was wrong, so checks that only need to know the option is present still work).
pub(crate) struct Once<T>(Option<(Span, Option<T>)>);

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once(None)
    }
}

impl<T> Once<T> {
    /// Parses the value of `item` with `f` and keeps it; giving the option twice is an error.
    pub(crate) fn parse(
        &mut self,
        cx: &Ctxt,
        item: &Item<'_>,
        f: impl FnOnce(&Item<'_>) -> syn::Result<T>,
    ) -> syn::Result<()> {
        let duplicate = self.0.is_some();
        let value = f(item);
        if duplicate {
            cx.error(item.span(), format!("`{}` is given twice", item.name));
        }
        let (value, result) = match value {
            Ok(v) => (Some(v), Ok(())),
            Err(e) => (None, Err(e)),
        };
        if !duplicate {
            self.0 = Some((item.span(), value));
        }
        result
    }

    /// Parses a bare flag (`skip`).
    pub(crate) fn flag(&mut self, cx: &Ctxt, item: &Item<'_>) -> syn::Result<()>
    where
        T: Default,
    {
        self.parse(cx, item, |item| item.flag().map(|()| T::default()))
    }

    /// Whether the option was given (even with a wrong value).
    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Where the option was given.
    pub(crate) fn span(&self) -> Option<Span> {
        self.0.as_ref().map(|(span, _)| *span)
    }

    /// The option's value, if it was given with a correct value.
    pub(crate) fn get(&self) -> Option<&T> {
        self.0.as_ref().and_then(|(_, v)| v.as_ref())
    }

    /// The option's value, if it was given with a correct value.
    pub(crate) fn into_value(self) -> Option<T> {
        self.0.and_then(|(_, v)| v)
    }
}
