//! CloudFormation values that may be intrinsic functions (`Ref`, `Fn::Sub`, `Fn::GetAtt`), as
//! typed Rust, and their resolution to plain strings for the `create-pipeline` input.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A name a template refers to (a parameter, a resource, an artifact): most are fixed names
/// (`PipelineName`, `Source`), kept without an allocation of their own.
pub type Name = Cow<'static, str>;

/// One piece of an `Fn::Sub` template: literal text (its `${` is escaped on output) or a
/// reference to a parameter, resource or pseudo parameter (`${Name}`, `${AWS::Region}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubPart {
    /// Literal text.
    Text(String),
    /// `${Name}`.
    Ref(Name),
}

/// A string property of a CloudFormation resource: a literal or an intrinsic function.
///
/// ```
/// use pipeline_backends::codepipeline::model::CfnString;
/// use pipeline_core::yaml::{to_string, to_value};
///
/// let sub = CfnString::sub([CfnString::text("${literal}-"), CfnString::reference("PipelineName")]);
/// assert_eq!(to_string(&to_value(&sub).unwrap()).unwrap(), "Fn::Sub: ${!literal}-${PipelineName}\n");
/// assert_eq!(to_string(&to_value(&CfnString::Ref("ArtifactBucket".into())).unwrap()).unwrap(), "Ref: ArtifactBucket\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CfnString {
    /// A plain string.
    Lit(String),
    /// `{Ref: Name}`.
    Ref(Name),
    /// `{Fn::Sub: "..."}`, from parts.
    Sub(Vec<SubPart>),
    /// `{Fn::GetAtt: [Resource, Attribute]}`.
    GetAtt(String, String),
}

impl CfnString {
    /// A literal.
    pub fn lit(s: impl Into<String>) -> Self {
        CfnString::Lit(s.into())
    }

    /// Literal text inside [`CfnString::sub`].
    pub fn text(s: impl Into<String>) -> SubPart {
        SubPart::Text(s.into())
    }

    /// A `${Name}` reference inside [`CfnString::sub`].
    pub fn reference(name: impl Into<Name>) -> SubPart {
        SubPart::Ref(name.into())
    }

    /// An `Fn::Sub` of `parts`; adjacent texts are merged, and a value without references is a
    /// plain literal, a single reference a `Ref`.
    pub fn sub(parts: impl IntoIterator<Item = SubPart>) -> Self {
        let parts = parts.into_iter();
        let mut out: Vec<SubPart> = Vec::with_capacity(parts.size_hint().0);
        for part in parts {
            match (out.last_mut(), part) {
                (_, SubPart::Text(t)) if t.is_empty() => {}
                (Some(SubPart::Text(prev)), SubPart::Text(t)) => prev.push_str(&t),
                (_, p) => out.push(p),
            }
        }
        if out.len() > 1 {
            return CfnString::Sub(out);
        }
        match out.pop() {
            None => CfnString::Lit(String::new()),
            Some(SubPart::Text(t)) => CfnString::Lit(t),
            Some(SubPart::Ref(r)) if !r.contains('.') => CfnString::Ref(r),
            Some(part) => CfnString::Sub(vec![part]),
        }
    }

    /// The `Fn::Sub` template text (`${` in literal text written as `${!`).
    pub fn sub_template(parts: &[SubPart]) -> String {
        let size = parts
            .iter()
            .map(|p| match p {
                SubPart::Text(t) => t.len(),
                SubPart::Ref(r) => r.len() + 3,
            })
            .sum();
        let mut out = String::with_capacity(size);
        for part in parts {
            match part {
                SubPart::Text(t) => {
                    let mut rest = t.as_str();
                    while let Some(at) = rest.find("${") {
                        out.push_str(&rest[..at]);
                        out.push_str("${!");
                        rest = &rest[at + 2..];
                    }
                    out.push_str(rest);
                }
                SubPart::Ref(r) => {
                    out.push_str("${");
                    out.push_str(r);
                    out.push('}');
                }
            }
        }
        out
    }

    /// The literal text, if this is a literal.
    pub fn as_lit(&self) -> Option<&str> {
        match self {
            CfnString::Lit(s) => Some(s),
            _ => None,
        }
    }

    /// The names this value references (parameters, resources, pseudo parameters).
    pub fn references(&self) -> Vec<&str> {
        match self {
            CfnString::Lit(_) => Vec::new(),
            CfnString::Ref(r) => vec![r.as_ref()],
            CfnString::Sub(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    SubPart::Ref(r) => Some(r.as_ref()),
                    SubPart::Text(_) => None,
                })
                .collect(),
            CfnString::GetAtt(r, _) => vec![r.as_str()],
        }
    }

    /// The plain string this value has once `values` (parameter name to value) are known.
    ///
    /// # Errors
    /// The first reference that `values` lacks.
    pub fn resolve(&self, values: &BTreeMap<String, String>) -> Result<String, UnresolvedReference> {
        let lookup = |name: &str| {
            values
                .get(name)
                .cloned()
                .ok_or_else(|| UnresolvedReference(name.to_owned()))
        };
        match self {
            CfnString::Lit(s) => Ok(s.clone()),
            CfnString::Ref(r) => lookup(r),
            CfnString::Sub(parts) => parts
                .iter()
                .map(|p| match p {
                    SubPart::Text(t) => Ok(t.clone()),
                    SubPart::Ref(r) => lookup(r),
                })
                .collect(),
            CfnString::GetAtt(r, a) => lookup(&format!("{r}.{a}")),
        }
    }
}

impl From<&str> for CfnString {
    fn from(s: &str) -> Self {
        CfnString::Lit(s.to_owned())
    }
}

impl From<String> for CfnString {
    fn from(s: String) -> Self {
        CfnString::Lit(s)
    }
}

impl Serialize for CfnString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CfnString::Lit(s) => serializer.serialize_str(s),
            CfnString::Ref(r) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Ref", r)?;
                map.end()
            }
            CfnString::Sub(parts) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Fn::Sub", &CfnString::sub_template(parts))?;
                map.end()
            }
            CfnString::GetAtt(r, a) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Fn::GetAtt", &[r, a])?;
                map.end()
            }
        }
    }
}

/// A reference [`CfnString::resolve`] could not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedReference(pub String);

impl fmt::Display for UnresolvedReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no value for {}", self.0)
    }
}

impl std::error::Error for UnresolvedReference {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_collapses_to_literal_or_ref() {
        assert_eq!(
            CfnString::sub([CfnString::text("a"), CfnString::text("b")]),
            CfnString::lit("ab")
        );
        assert_eq!(CfnString::sub([CfnString::reference("X")]), CfnString::Ref("X".into()));
        assert_eq!(
            CfnString::sub([CfnString::reference("AWS::Region")]),
            CfnString::Ref("AWS::Region".into())
        );
        let s = CfnString::sub([CfnString::text("x-"), CfnString::reference("P.Arn")]);
        assert!(matches!(s, CfnString::Sub(_)));
    }

    #[test]
    fn sub_templates_escape_every_placeholder_in_text_and_not_in_references() {
        let parts = [
            CfnString::text("${a}-${b} $x {y} $"),
            CfnString::reference("PipelineName"),
            CfnString::text("${"),
        ];
        assert_eq!(
            CfnString::sub_template(&parts),
            "${!a}-${!b} $x {y} $${PipelineName}${!"
        );
        assert_eq!(CfnString::sub_template(&[]), "");
    }

    #[test]
    fn resolves_with_values() {
        let values = BTreeMap::from([("Name".to_owned(), "svc".to_owned())]);
        let s = CfnString::sub([CfnString::text("${x}-"), CfnString::reference("Name")]);
        assert_eq!(s.resolve(&values), Ok("${x}-svc".to_owned()));
        assert_eq!(
            CfnString::Ref("Other".into()).resolve(&values),
            Err(UnresolvedReference("Other".into()))
        );
    }
}
