//! Service containers: entrypoint and command words are literal data on every platform.

use super::At;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::service::Service;

/// The entrypoint is one non-empty word of safe characters (GitHub passes it inside
/// `options:`, which Docker splits on spaces); command words are single lines without `$`
/// (GitLab would expand a variable there, the other platforms would not).
pub(super) fn command(s: &Service, path: At<'_>, out: &mut Diagnostics) {
    if let Some(e) = &s.entrypoint {
        let safe = !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c));
        if !safe {
            out.push(
                Diagnostic::error(
                    "invalid-service-entrypoint",
                    path().field("entrypoint"),
                    format!(
                        "entrypoint {e:?} of service {:?} is not one word of letters, digits and `/._-+:@`",
                        s.name
                    ),
                )
                .with_hint("name the executable only; give its arguments with `.command([...])`"),
            );
        }
    }
    for (i, word) in s.command.iter().enumerate() {
        if word.contains(['$', '\n', '\r', '\0']) {
            out.push(
                Diagnostic::error(
                    "invalid-service-command",
                    path().field(format!("command[{i}]")),
                    format!(
                        "command word {word:?} of service {:?} holds `$` or a line break; GitLab would expand a variable there and the other platforms would not",
                        s.name
                    ),
                )
                .with_hint("pass values to a service through its env (`.env(..)`), which every platform sets the same way"),
            );
        }
    }
}
