//! Generics of the generated impls: the struct's own, plus `T: Trait` for each type parameter
//! a field's type mentions.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Generics, Ident, Type};

/// A `where` clause: the struct's own predicates, plus `T: #bound` for every type parameter `T`
/// that one of `types` mentions.
pub(crate) fn where_clause<'a>(
    generics: &Generics,
    types: impl IntoIterator<Item = &'a Type>,
    bound: &TokenStream,
) -> TokenStream {
    let streams: Vec<TokenStream> = types.into_iter().map(ToTokens::to_token_stream).collect();
    let bounded: Vec<&Ident> = generics
        .type_params()
        .map(|p| &p.ident)
        .filter(|p| streams.iter().any(|s| mentions(s.clone(), p)))
        .collect();
    let own: Vec<TokenStream> = generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter())
        .map(ToTokens::to_token_stream)
        .collect();
    if own.is_empty() && bounded.is_empty() {
        return TokenStream::new();
    }
    quote!(where #(#own,)* #(#bounded: #bound,)*)
}

fn mentions(tokens: TokenStream, name: &Ident) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => ident == *name,
        TokenTree::Group(group) => mentions(group.stream(), name),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}
