//! `#[param(...)]` on a field of a `#[derive(Params)]` struct.
//!
//! ```text
//! option := default = <expression> | required
//! ```

use proc_macro2::TokenStream;
use syn::Attribute;

use super::Once;
use crate::internals::ctxt::Ctxt;
use crate::internals::parse;
use crate::internals::suggest::hint;

/// The options of one parameter.
#[derive(Default)]
pub(crate) struct ParamAttrs {
    /// The default value's expression.
    pub(crate) default: Once<TokenStream>,
    pub(crate) required: Once<()>,
}

impl ParamAttrs {
    /// Parses every `#[param(...)]` of a field.
    pub(crate) fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = ParamAttrs::default();
        parse::attributes(cx, attrs, "param", |item| match item.name.as_str() {
            "default" => out.default.parse(cx, item, |item| item.value("<expression>")),
            "required" => out.required.flag(cx, item),
            other => Err(syn::Error::new(
                item.span(),
                format!(
                    "unknown option `{other}` in `#[param(...)]`{}",
                    hint(other, &["default", "required"])
                ),
            )),
        });
        out
    }
}
