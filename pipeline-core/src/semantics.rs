//! The portable execution semantics (`docs/SEMANTICS.md`) as code: the limits and the output
//! encoding every backend and the local runner share, and the named divergences a pipeline
//! acknowledges.
//!
//! ```
//! use pipeline_core::semantics::{decode_output, encode_output};
//! let value = "line 1\nprice: $5 # \"quoted\" 100% \u{e9}";
//! let encoded = encode_output(value.as_bytes());
//! assert_eq!(encoded, "line%201%0Aprice:%20%245%20%23%20%22quoted%22%20100%25%20%C3%A9");
//! assert_eq!(decode_output(&encoded).as_deref(), Some(value.as_bytes()));
//! assert_eq!(encode_output(b"1.2.3+build-7"), "1.2.3+build-7");
//! ```

use std::fmt;

use crate::diagnostic::{Diagnostic, Diagnostics, Path, Segment, Severity};
use crate::pipeline::Pipeline;

/// The largest encoded output value, in bytes (see [`encode_output`]).
pub const OUTPUT_MAX_ENCODED_BYTES: usize = 1024;

/// The most outputs one job may set (GitLab's dotenv report holds 5 KiB per job).
pub const OUTPUTS_PER_JOB_MAX: usize = 4;

/// The bytes an encoded output keeps as they are; every other byte becomes `%XX`.
pub fn is_plain_output_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._~/:@+,=-".contains(&b)
}

/// The bash `case` pattern of [`is_plain_output_byte`], for the generated scripts.
pub const PLAIN_OUTPUT_PATTERN: &str = "[A-Za-z0-9._~/:@+,=-]";

/// The encoded form of an output value: bytes outside [`is_plain_output_byte`] as `%XX`
/// (upper-case hex).
pub fn encode_output(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value {
        if is_plain_output_byte(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The value of an encoded output, or `None` when `encoded` is not a valid encoding.
pub fn decode_output(encoded: &str) -> Option<Vec<u8>> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = encoded.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if is_plain_output_byte(b) => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A difference between platforms that the generator cannot remove, reported as a warning
/// naming the platform, the job and the difference, and silenced per pipeline with
/// [`Pipeline::acknowledge`].
///
/// ```
/// use pipeline_core::prelude::*;
/// use pipeline_core::semantics::Divergence;
/// let p = Pipeline::new("ci")
///     .on(Trigger::push())
///     .acknowledge(Divergence::StageLayering)
///     .job(Job::new("build").step(Step::script("make")));
/// # pipeline_core::validate::assert_valid(&p);
/// assert_eq!(p.acknowledged, vec![Divergence::StageLayering]);
/// assert_eq!(Divergence::StageLayering.codes(), ["codepipeline-stage-layering"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Divergence {
    /// CodePipeline runs the needs graph as stages in sequence: a failed job stops jobs of later
    /// stages that do not depend on it.
    StageLayering,
    /// CodeBuild's shortest timeout is 5 minutes.
    MinimumTimeout,
    /// GitHub cannot retry jobs; CodePipeline retries a failed stage once.
    Retry,
    /// GitLab reads job outputs in fields it expands itself (an environment URL, service
    /// variables) in their percent-encoded form.
    EncodedOutput,
}

impl Divergence {
    /// Every divergence.
    pub const ALL: [Divergence; 4] = [
        Divergence::StageLayering,
        Divergence::MinimumTimeout,
        Divergence::Retry,
        Divergence::EncodedOutput,
    ];

    /// The warning codes that report it.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            Divergence::StageLayering => &["codepipeline-stage-layering"],
            Divergence::MinimumTimeout => &["codepipeline-timeout"],
            Divergence::Retry => &["github-no-retry", "codepipeline-retry"],
            Divergence::EncodedOutput => &["gitlab-encoded-output"],
        }
    }

    /// The platforms (backend names) it concerns.
    pub fn platforms(self) -> &'static [&'static str] {
        match self {
            Divergence::StageLayering | Divergence::MinimumTimeout => &["codepipeline"],
            Divergence::Retry => &["github", "codepipeline"],
            Divergence::EncodedOutput => &["gitlab"],
        }
    }

    /// The divergence a diagnostic code reports, if any.
    pub fn of_code(code: &str) -> Option<Divergence> {
        Self::ALL.into_iter().find(|d| d.codes().contains(&code))
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Divergence::{self:?}")
    }
}

fn pipeline_of(path: &Path) -> Option<&str> {
    match path.segments().first() {
        Some(Segment::Pipeline(id)) => Some(id),
        _ => None,
    }
}

/// Removes the warnings of divergences each pipeline acknowledged, and reports every
/// acknowledgement that silenced nothing although every platform it concerns was generated
/// (`generated` holds the backend names that ran).
pub fn apply_acknowledgements(pipelines: &[Pipeline], generated: &[&str], diagnostics: &mut Diagnostics) {
    let mut used: Vec<(&str, Divergence)> = Vec::new();
    let all = std::mem::take(diagnostics);
    for d in all.into_iter() {
        let silenced = (d.severity == Severity::Warning)
            .then(|| Divergence::of_code(d.code))
            .flatten()
            .and_then(|div| {
                let id = pipeline_of(&d.path)?;
                let p = pipelines.iter().find(|p| p.id.as_str() == id)?;
                p.acknowledged.contains(&div).then_some((p.id.as_str(), div))
            });
        match silenced {
            Some(key) => {
                if !used.contains(&key) {
                    used.push(key);
                }
            }
            None => diagnostics.push(d),
        }
    }
    for p in pipelines {
        for &div in &p.acknowledged {
            let covered = div.platforms().iter().all(|name| generated.contains(name));
            if covered && !used.contains(&(p.id.as_str(), div)) {
                diagnostics.push(
                    Diagnostic::warning(
                        "unused-acknowledgement",
                        Path::pipeline(p.id.as_str()).field("acknowledge"),
                        format!(
                            "pipeline {:?} acknowledges {div}, but no job of it diverges that way on {}",
                            p.id.as_str(),
                            div.platforms().join(" or ")
                        ),
                    )
                    .with_hint("remove the acknowledgement"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (1..=255).collect();
        let e = encode_output(&all);
        assert!(e.bytes().all(is_plain_output_byte_or_percent));
        assert_eq!(decode_output(&e), Some(all));
        assert_eq!(decode_output("%4"), None);
        assert_eq!(decode_output("a b"), None);
    }

    fn is_plain_output_byte_or_percent(b: u8) -> bool {
        b == b'%' || is_plain_output_byte(b)
    }

    #[test]
    fn all_lists_every_divergence_once() {
        // A new variant is a compile error here until it has a place in `ALL`.
        let place = |d: Divergence| match d {
            Divergence::StageLayering => 0,
            Divergence::MinimumTimeout => 1,
            Divergence::Retry => 2,
            Divergence::EncodedOutput => 3,
        };
        for (i, d) in Divergence::ALL.into_iter().enumerate() {
            assert_eq!(place(d), i);
            assert!(d.codes().iter().all(|c| Divergence::of_code(c) == Some(d)));
        }
    }

    #[test]
    fn acknowledgements_silence_and_unused_ones_are_reported() {
        let p = Pipeline::new("ci")
            .acknowledge(Divergence::StageLayering)
            .acknowledge(Divergence::Retry);
        let mut d = Diagnostics::new();
        d.push(Diagnostic::warning(
            "codepipeline-stage-layering",
            Path::pipeline("ci").job("a"),
            "x",
        ));
        d.push(Diagnostic::warning(
            "codepipeline-stage-layering",
            Path::pipeline("other").job("a"),
            "x",
        ));
        let mut only_github = d.clone();
        apply_acknowledgements(std::slice::from_ref(&p), &["github"], &mut only_github);
        // Retry concerns CodePipeline too, which was not generated: not reported as unused.
        assert_eq!(only_github.len(), 1, "{only_github}");
        apply_acknowledgements(&[p], &["github", "codepipeline"], &mut d);
        let codes: Vec<(&str, String)> = d.iter().map(|d| (d.code, d.path.to_string())).collect();
        assert_eq!(
            codes,
            vec![
                (
                    "codepipeline-stage-layering",
                    "pipeline \"other\" > job \"a\"".to_owned()
                ),
                ("unused-acknowledgement", "pipeline \"ci\" > acknowledge".to_owned()),
            ]
        );
    }
}
