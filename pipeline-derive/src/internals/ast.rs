//! The input of a derive: a struct with named fields, each with its parsed attributes.

use syn::{Attribute, Data, DeriveInput, Fields, Ident, Type};

use super::ctxt::Ctxt;

/// A struct with named fields.
pub(crate) struct Container<'a, A> {
    /// The whole input (name, visibility, generics, struct attributes).
    pub(crate) input: &'a DeriveInput,
    /// Its fields, in declaration order.
    pub(crate) fields: Vec<Field<'a, A>>,
}

/// A named field and its parsed attributes.
pub(crate) struct Field<'a, A> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// Its attributes as written (doc comments among them).
    pub(crate) original: &'a [Attribute],
    /// Its options, parsed.
    pub(crate) attrs: A,
}

impl<'a, A> Container<'a, A> {
    /// The struct in `input`, or `None` (with the error recorded) if `input` is not a struct with
    /// named fields. `parse` reads each field's options.
    pub(crate) fn from_ast(
        cx: &Ctxt,
        input: &'a DeriveInput,
        derive: &str,
        parse: impl Fn(&Ctxt, &[Attribute]) -> A,
    ) -> Option<Self> {
        let wrong = |why: &str| format!("`#[derive({derive})]` needs a struct with named fields{why}");
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => fields,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(fields, wrong("; the fields of a tuple struct have no names"));
                    return None;
                }
                Fields::Unit => {
                    cx.error(input.ident.span(), wrong("; a unit struct has none"));
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error(data.enum_token.span, wrong(", not an enum"));
                return None;
            }
            Data::Union(data) => {
                cx.error(data.union_token.span, wrong(", not a union"));
                return None;
            }
        };
        let fields = fields
            .named
            .iter()
            .filter_map(|field| {
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    original: &field.attrs,
                    attrs: parse(cx, &field.attrs),
                })
            })
            .collect();
        Some(Container { input, fields })
    }
}
