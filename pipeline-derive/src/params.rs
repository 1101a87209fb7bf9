//! `#[derive(Params)]`: a builder for a construct's parameters. Setters for every field, and
//! either `impl Default` or, when some fields are `required`, `new(required...)`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;
use syn::{DeriveInput, GenericArgument, Ident, LitStr, PathArguments, Type};

use crate::bound;
use crate::internals::ast::{Container, Field};
use crate::internals::attr::param::ParamAttrs;
use crate::internals::check;
use crate::internals::ctxt::Ctxt;

/// `#[derive(Params)]`.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    check::no_struct_attrs(&cx, input, "param", "");
    let container = Container::from_ast(&cx, input, "Params", ParamAttrs::from_attrs);
    if let Some(container) = &container {
        check::params(&cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => expand(&container),
        (result, _) => result.err().unwrap_or_default(),
    }
}

/// `T` if `ty` is `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether `ty` is a number, `bool` or `char`: taken as it is, since `impl Into<u32>` would not
/// accept a literal like `30` (an integer literal does not pick a type from an `Into` bound).
fn is_primitive(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "bool",
        "char",
    ];
    match ty {
        Type::Path(path) => path.qself.is_none() && PRIMITIVES.iter().any(|p| path.path.is_ident(p)),
        _ => false,
    }
}

/// The parameter type that accepts a value for a field of type `ty` (`T` for `Option<T>`),
/// and the expression that stores `value` (of that parameter type) in the field.
fn accept(ty: &Type, value: &Ident) -> (TokenStream, TokenStream) {
    let (inner, optional) = match option_inner(ty) {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    let (arg, converted) = if is_primitive(inner) {
        (quote!(#inner), quote!(#value))
    } else {
        (
            quote!(impl ::core::convert::Into<#inner>),
            quote!(::core::convert::Into::into(#value)),
        )
    };
    let store = if optional {
        quote!(::core::option::Option::Some(#converted))
    } else {
        converted
    };
    (arg, store)
}

/// The value a field starts with: its `default`, or `Default::default()`.
fn initial(field: &Field<'_, ParamAttrs>) -> TokenStream {
    match field.attrs.default.get() {
        // A string literal becomes whatever string type the field has.
        Some(value) if syn::parse2::<LitStr>(value.clone()).is_ok() => quote!(::core::convert::Into::into(#value)),
        Some(value) => value.clone(),
        None => quote!(::core::default::Default::default()),
    }
}

/// The field's doc comments, to repeat on its setter.
fn docs<'a>(field: &Field<'a, ParamAttrs>) -> Vec<&'a syn::Attribute> {
    field.original.iter().filter(|a| a.path().is_ident("doc")).collect()
}

fn expand(container: &Container<'_, ParamAttrs>) -> TokenStream {
    let input = container.input;
    let ident = &input.ident;
    let vis = &input.vis;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();

    let setters = container.fields.iter().map(|field| {
        let name = field.ident;
        let ty = field.ty;
        let plain = name.unraw().to_string();
        let docs = docs(field);
        let default_doc = if field.attrs.required.is_set() {
            " Required: given to `new`.".to_owned()
        } else {
            match field.attrs.default.get() {
                Some(value) => format!(" Default: `{value}`."),
                None => " Default: `Default::default()`.".to_owned(),
            }
        };
        let summary = format!(" Sets `{plain}`.");
        let (arg, store) = accept(ty, &format_ident!("value"));
        let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
        quote! {
            #[doc = #summary]
            #separator
            #(#docs)*
            #[doc = ""]
            #[doc = #default_doc]
            #[must_use]
            #vis fn #name(mut self, value: #arg) -> Self {
                self.#name = #store;
                self
            }
        }
    });

    let required: Vec<&Field<'_, ParamAttrs>> = container.fields.iter().filter(|f| f.attrs.required.is_set()).collect();
    let inits = container.fields.iter().map(|field| {
        let name = field.ident;
        let value = if field.attrs.required.is_set() {
            accept(field.ty, name).1
        } else {
            initial(field)
        };
        quote!(#name: #value)
    });
    let inits = quote!(Self { #(#inits),* });

    let constructor = if required.is_empty() {
        let where_default = bound::where_clause(
            &input.generics,
            container
                .fields
                .iter()
                .filter(|f| f.attrs.default.get().is_none())
                .map(|f| f.ty),
            &quote!(::core::default::Default),
        );
        quote! {
            #[automatically_derived]
            impl #impl_generics ::core::default::Default for #ident #ty_generics #where_default {
                fn default() -> Self {
                    #inits
                }
            }
        }
    } else {
        let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.ident.unraw())).collect();
        let doc = format!(
            " Creates `{ident}` from its required parameters ({}); the others take their defaults.",
            names.join(", ")
        );
        let args = required.iter().map(|field| {
            let name = field.ident;
            let (arg, _) = accept(field.ty, name);
            quote!(#name: #arg)
        });
        quote! {
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc = #doc]
                #[must_use]
                #[allow(clippy::too_many_arguments)]
                #vis fn new(#(#args),*) -> Self {
                    #inits
                }
            }
        }
    };

    quote! {
        #constructor

        impl #impl_generics #ident #ty_generics #where_clause {
            #(#setters)*
        }
    }
}
