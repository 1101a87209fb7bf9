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
/// [`Pipeline::acknowledge`](crate::Pipeline::acknowledge).
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
    /// GitLab's job token reaches what the project's job token settings allow, not the scopes a
    /// [`PlatformToken`](crate::PlatformToken) asks for.
    JobTokenScope,
}

impl Divergence {
    /// Every divergence.
    pub const ALL: [Divergence; 5] = [
        Divergence::StageLayering,
        Divergence::MinimumTimeout,
        Divergence::Retry,
        Divergence::EncodedOutput,
        Divergence::JobTokenScope,
    ];

    /// The warning codes that report it.
    pub fn codes(self) -> &'static [&'static str] {
        match self {
            Divergence::StageLayering => &["codepipeline-stage-layering"],
            Divergence::MinimumTimeout => &["codepipeline-timeout"],
            Divergence::Retry => &["github-no-retry", "codepipeline-retry"],
            Divergence::EncodedOutput => &["gitlab-encoded-output"],
            Divergence::JobTokenScope => &["gitlab-job-token-scope"],
        }
    }

    /// The platforms (backend names) it concerns.
    pub fn platforms(self) -> &'static [&'static str] {
        match self {
            Divergence::StageLayering | Divergence::MinimumTimeout => &["codepipeline"],
            Divergence::Retry => &["github", "codepipeline"],
            Divergence::EncodedOutput | Divergence::JobTokenScope => &["gitlab"],
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
            Divergence::JobTokenScope => 4,
        };
        for (i, d) in Divergence::ALL.into_iter().enumerate() {
            assert_eq!(place(d), i);
            assert!(d.codes().iter().all(|c| Divergence::of_code(c) == Some(d)));
        }
    }
}
