//! Container image references, and pinning them by digest.
//!
//! A tag (`postgres:17`) can be moved to another image by whoever controls the registry; a digest
//! (`postgres:17@sha256:…`) names one image forever. Images are plain strings in the model
//! ([`Runner::image`](crate::runner::Runner::image), [`Service`](crate::service::Service)); this
//! module parses them (validation reports a malformed reference with its path), builds pinned
//! references with [`pinned`], and the policy
//! [`ImagesPinnedByDigest`](crate::policy::ImagesPinnedByDigest) requires a digest everywhere.

/// A parsed image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The repository, with its registry host when one is given (`ghcr.io/acme/app`).
    pub name: &'a str,
    /// The tag (`17`), if any.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:` and 64 hex digits), if any.
    pub digest: Option<&'a str>,
}

impl ImageRef<'_> {
    /// Whether the reference names one image forever (it has a digest).
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }
}

/// Parses an image reference, or says what is wrong with it.
///
/// ```
/// use pipeline_core::image::parse;
/// let r = parse("ghcr.io/acme/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
/// assert_eq!((r.name, r.tag), ("ghcr.io/acme/app", Some("1.2")));
/// assert!(r.is_pinned());
/// assert!(!parse("postgres:17").unwrap().is_pinned());
/// assert!(parse("postgres@sha256:abc").is_err());
/// assert!(parse("Postgres:17").is_err());
/// assert!(parse("${{ matrix.image }}").is_err());
/// ```
pub fn parse(s: &str) -> Result<ImageRef<'_>, String> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let hex = d
            .strip_prefix("sha256:")
            .map(|h| (h, 64))
            .or_else(|| d.strip_prefix("sha512:").map(|h| (h, 128)));
        match hex {
            Some((h, len)) if h.len() == len && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) => {
            }
            _ => {
                return Err(format!(
                    "digest {d:?} is not `sha256:` followed by 64 lowercase hex digits"
                ));
            }
        }
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        let mut chars = t.chars();
        let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && t.len() <= 128;
        if !ok {
            return Err(format!(
                "tag {t:?} is not valid (letters, digits, '_', '.', '-', at most 128)"
            ));
        }
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && (components[0].contains(['.', ':']) || components[0] == "localhost") {
        let host = components.remove(0);
        let valid_host = host
            .split_once(':')
            .is_none_or(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
            && host.split(':').next().is_some_and(|h| {
                !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            });
        if !valid_host {
            return Err(format!("registry {host:?} is not a host name with an optional port"));
        }
    }
    for c in &components {
        let separators_ok = !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit());
        if !separators_ok
            || !c
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-'))
        {
            return Err(format!(
                "repository component {c:?} is not valid (lowercase letters, digits and '.', '_', '-' inside)"
            ));
        }
    }
    Ok(ImageRef { name, tag, digest })
}

/// `image` pinned to `digest`: `pinned("postgres:17", "sha256:…")` is `postgres:17@sha256:…`
/// (validation checks the digest's form).
pub fn pinned(image: &str, digest: &str) -> String {
    [image, "@", digest].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn references() {
        for ok in [
            "postgres",
            "postgres:17",
            "library/postgres:17-alpine",
            "localhost:5000/x",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1",
            "public.ecr.aws/docker/library/rust:1.95-bookworm",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
            assert!(parse(&pinned(ok, D)).is_ok_and(|r| r.is_pinned()), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "App",
            "x:",
            "x:-1",
            "x@sha256:ABC",
            "x@md5:00",
            "a//b",
            "-a",
            "$IMAGE",
            "#{x}",
            "host:port/x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
