//! What every derive shares, split as serde_derive splits it: the input ([`ast`]), attribute
//! options ([`attr`], with the syntax helpers of [`parse`]), checks between them ([`check`]) and
//! the error context that collects every mistake ([`ctxt`]).

pub(crate) mod ast;
pub(crate) mod attr;
pub(crate) mod check;
pub(crate) mod ctxt;
pub(crate) mod parse;
pub(crate) mod suggest;
