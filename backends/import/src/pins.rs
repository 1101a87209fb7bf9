//! The library's built-in action pins, for actions imported by tag.

/// `(name, sha, version)` of the library's pin of action `name`.
pub(crate) fn find(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    pipeline_backends::github::pins::ALL
        .iter()
        .find(|p| p.name == name)
        .map(|p| (p.name, p.sha, p.version))
}
