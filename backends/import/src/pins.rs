//! The library's built-in action pins, for actions imported by tag.

use crate::out::lit;

/// `(name, sha, version)` of the library's pin of action `name`.
pub(crate) fn find(name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    pipeline_backends::github::pins::ALL
        .iter()
        .find(|p| p.name == name)
        .map(|p| (p.name, p.sha, p.version))
}

/// The pinned action for `name@ref`: the ref itself when it is a full SHA (the version from the
/// `# vX` comment), else the library's pin of that action.
pub(crate) fn action(name: &str, reference: &str, comment: Option<String>) -> Option<(String, bool)> {
    if reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        let version = comment
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| reference[..7].to_string());
        return Some((
            format!("Action::new({}, {}, {})", lit(name), lit(reference), lit(&version)),
            false,
        ));
    }
    let pin = find(name)?;
    Some((
        format!("Action::new({}, {}, {})", lit(name), lit(pin.1), lit(pin.2)),
        true,
    ))
}
