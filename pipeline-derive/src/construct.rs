//! `#[derive(Construct)]` and `#[derive(Pipeline)]`: `impl Construct` (each field added to the
//! scope under its name, configured, ordered with `needs`) and `impl ToPipeline`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use crate::bound;
use crate::internals::ast::Container;
use crate::internals::attr::condition::Condition;
use crate::internals::attr::field::{FieldAttrs, Role};
use crate::internals::attr::pipeline::{PipelineAttrs, Trigger};
use crate::internals::check::{self, Placement};
use crate::internals::ctxt::Ctxt;

/// `#[derive(Construct)]`.
pub(crate) fn derive_construct(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    check::no_struct_attrs(&cx, input, "construct", "");
    let container = Container::from_ast(&cx, input, "Construct", FieldAttrs::from_attrs);
    if let Some(container) = &container {
        check::construct(&cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => impl_construct(&container),
        (result, _) => {
            let errors = result.err().unwrap_or_default();
            let dummy = dummy_construct(input);
            quote!(#errors #dummy)
        }
    }
}

/// `#[derive(Pipeline)]`.
pub(crate) fn derive_pipeline(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    check::no_struct_attrs(&cx, input, "construct", "; pipeline options go in `#[pipeline(...)]`");
    let attrs = PipelineAttrs::from_attrs(&cx, &input.attrs);
    check::pipeline(&cx, input, &attrs);
    let container = Container::from_ast(&cx, input, "Pipeline", FieldAttrs::from_attrs);
    if let Some(container) = &container {
        check::construct(&cx, container);
    }
    match (cx.check(), container) {
        (Ok(()), Some(container)) => {
            let construct = impl_construct(&container);
            let to_pipeline = impl_to_pipeline(&container, attrs);
            quote!(#construct #to_pipeline)
        }
        (result, _) => {
            let errors = result.err().unwrap_or_default();
            let dummy = dummy_construct(input);
            let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
            let ident = &input.ident;
            quote! {
                #errors
                #dummy
                impl #impl_generics ::pipeline_core::ToPipeline for #ident #ty_generics #where_clause {
                    fn to_pipeline(&self) -> ::pipeline_core::Pipeline {
                        ::core::unimplemented!()
                    }
                }
            }
        }
    }
}

/// An impl that adds nothing, emitted beside the errors so that uses of the struct elsewhere do
/// not add "`Construct` is not implemented" to them.
fn dummy_construct(input: &DeriveInput) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let ident = &input.ident;
    quote! {
        impl #impl_generics ::pipeline_core::Construct for #ident #ty_generics #where_clause {
            fn build(&self, _: &mut ::pipeline_core::Scope<'_>) {}
        }
    }
}

fn where_clause(container: &Container<'_, FieldAttrs>) -> TokenStream {
    let types = container.fields.iter().filter(|f| !f.attrs.skip.is_set()).map(|f| f.ty);
    bound::where_clause(&container.input.generics, types, &quote!(::pipeline_core::Construct))
}

/// The variable holding what field `ident` added.
fn built(ident: &Ident) -> Ident {
    format_ident!("__built_{}", ident.unraw())
}

fn impl_construct(container: &Container<'_, FieldAttrs>) -> TokenStream {
    let ident = &container.input.ident;
    let (impl_generics, ty_generics, _) = container.input.generics.split_for_impl();
    let where_clause = where_clause(container);
    let needed: Vec<String> = container
        .fields
        .iter()
        .flat_map(|f| f.attrs.needs.get().into_iter().flatten())
        .map(|n| n.unraw().to_string())
        .collect();

    let mut adds = Vec::new();
    let mut edges = Vec::new();
    for field in &container.fields {
        let member = field.ident;
        // Spanned at the field's type, so "not a construct" points at it.
        let value = quote_spanned!(field.ty.span()=> &self.#member);
        let add = match check::placement(field) {
            Placement::Skip => continue,
            Placement::Flatten => quote!(__scope.add_here(#value)),
            Placement::Named(name) => quote!(__scope.add(#name, #value)),
        };
        let edits = edits(&field.attrs);
        let needs = field.attrs.needs.get().map(Vec::as_slice).unwrap_or_default();
        let var = built(field.ident);
        if edits.is_empty() && needs.is_empty() && !needed.contains(&field.ident.unraw().to_string()) {
            adds.push(quote!(#add;));
            continue;
        }
        adds.push(quote!(let #var = #add;));
        if !edits.is_empty() {
            adds.push(quote! {
                __scope.configure(&#var, |__job: &mut ::pipeline_core::Job| {
                    #(#edits)*
                });
            });
        }
        for earlier in needs {
            let earlier = built(earlier);
            edges.push(quote!(__scope.needs(&#var, &#earlier);));
        }
    }
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pipeline_core::Construct for #ident #ty_generics #where_clause {
            fn build(&self, __scope: &mut ::pipeline_core::Scope<'_>) {
                #(#adds)*
                #(#edges)*
            }
        }
    }
}

/// The statements that apply a field's options to one of its jobs (`__job`).
fn edits(attrs: &FieldAttrs) -> Vec<TokenStream> {
    let mut out = Vec::new();
    if let Some(name) = attrs.environment.get() {
        let tier = attrs.tier.get().map(|variant| {
            let variant = format_ident!("{}", variant);
            quote!(.tier(::pipeline_core::Tier::#variant))
        });
        let url = attrs.url.get().map(|url| quote!(.url(#url)));
        let approval = attrs.approval.get().map(|a| {
            let instructions = a.instructions.as_ref().map(|s| quote!(.instructions(#s)));
            let review_url = a.review_url.as_ref().map(|s| quote!(.review_url(#s)));
            let notify = a.notify.then(|| quote!(.notify()));
            quote!(.approval(::pipeline_core::Approval::new() #instructions #review_url #notify))
        });
        out.push(quote! {
            __job.environment = ::core::option::Option::Some(
                ::pipeline_core::Environment::new(#name) #tier #url #approval
            );
        });
    }
    if let Some(minutes) = attrs.timeout.get() {
        out.push(quote!(__job.timeout_minutes = ::core::option::Option::Some(#minutes);));
    }
    if let Some(role) = attrs.role.get() {
        let role = match role {
            Role::Constant(constant) => {
                let constant = format_ident!("{}", constant);
                quote!(::pipeline_core::JobRole::#constant)
            }
            Role::Custom(name) => quote!(::pipeline_core::JobRole::new(#name)),
        };
        out.push(quote! {
            let __role = #role;
            if !__job.has_role(&__role) {
                __job.roles.push(__role);
            }
        });
    }
    if let Some(Some(condition)) = attrs.when.get() {
        let condition = condition_tokens(condition);
        // The field's condition narrows the job's own, if it has one.
        out.push(quote! {
            let __when = #condition;
            __job.condition = ::core::option::Option::Some(match __job.condition.take() {
                ::core::option::Option::Some(__own) => __own & __when,
                ::core::option::Option::None => __when,
            });
        });
    }
    out
}

fn condition_tokens(condition: &Condition) -> TokenStream {
    let c = quote!(::pipeline_core::Condition);
    match condition {
        Condition::Always => quote!(#c::always()),
        Condition::Failure => quote!(#c::failure()),
        Condition::Tag => quote!(#c::tag()),
        Condition::Branch(name) => quote!(#c::branch(#name)),
        Condition::Event(variant) => {
            let variant = format_ident!("{}", variant);
            quote!(#c::event(::pipeline_core::Event::#variant))
        }
        Condition::Input(name, value) => {
            let name = name.unraw().to_string();
            quote!(#c::input_equals(#name, #value))
        }
        Condition::All(all) => {
            let all = all.iter().map(condition_tokens);
            quote!(#c::And(::std::vec![#(#all),*]))
        }
        Condition::Any(any) => {
            let any = any.iter().map(condition_tokens);
            quote!(#c::Or(::std::vec![#(#any),*]))
        }
        Condition::Not(inner) => {
            let inner = condition_tokens(inner);
            quote!(#c::Not(::std::boxed::Box::new(#inner)))
        }
    }
}

fn impl_to_pipeline(container: &Container<'_, FieldAttrs>, attrs: PipelineAttrs) -> TokenStream {
    let ident = &container.input.ident;
    let (impl_generics, ty_generics, _) = container.input.generics.split_for_impl();
    let where_clause = where_clause(container);
    let id = attrs.id.get();
    let name = attrs.name.get().map(|name| quote!(.name(#name)));
    let timeout = attrs
        .timeout
        .get()
        .map(|minutes| quote!(.default_timeout_minutes(#minutes)));
    let triggers = attrs.on.into_value().unwrap_or_default();
    let triggers = triggers.iter().map(trigger_tokens);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::pipeline_core::ToPipeline for #ident #ty_generics #where_clause {
            fn to_pipeline(&self) -> ::pipeline_core::Pipeline {
                ::pipeline_core::Pipeline::new(#id)
                    #name
                    #(.on(#triggers))*
                    #timeout
                    .with(self)
            }
        }
    }
}

fn trigger_tokens(trigger: &Trigger) -> TokenStream {
    let t = quote!(::pipeline_core::Trigger);
    let filter = |method: &str, patterns: &[syn::LitStr]| {
        let method = format_ident!("{}", method);
        (!patterns.is_empty()).then(|| quote!(.#method([#(#patterns),*])))
    };
    match trigger {
        Trigger::Push { branches, tags, paths } => {
            let (b, t2, p) = (
                filter("branches", branches),
                filter("tags", tags),
                filter("paths", paths),
            );
            quote!(#t::push() #b #t2 #p)
        }
        Trigger::PullRequest { branches, paths } => {
            let (b, p) = (filter("branches", branches), filter("paths", paths));
            quote!(#t::pull_request() #b #p)
        }
        Trigger::Schedule(cron) => quote!(#t::schedule(#cron)),
        Trigger::Manual => quote!(#t::manual()),
    }
}
