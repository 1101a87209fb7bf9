//! Built-in action pins: full commit SHAs read from each action's own repository, with the
//! release they correspond to. All run on node24 or are composite (node20 actions are
//! deprecated on GitHub's runners).
//!
//! Override a pin per generator with [`Github::pin`](super::Github::pin) when a newer release
//! is out; use any pin in a pipeline with `Step::action(pins::SETUP_NODE)`.
//!
//! ```
//! use pipeline_backends::github::pins;
//! use pipeline_core::prelude::*;
//! let step = Step::action(ActionStep::from(pins::SETUP_NODE).with("node-version", "22"));
//! assert!(matches!(step.kind, StepKind::Action(_)));
//! assert!(pins::ALL.iter().all(|p| p.action().is_pinned()));
//! # pipeline_core::validate::assert_valid(&Pipeline::new("ci").on(Trigger::push()).job(Job::new("build").step(step)));
//! ```

use pipeline_core::{Action, ActionStep, Step};

/// A pinned action known at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    /// `owner/repo` or `owner/repo/path`.
    pub name: &'static str,
    /// The full commit SHA (annotated tags peeled).
    pub sha: &'static str,
    /// The release, written as the `uses:` comment.
    pub version: &'static str,
}

impl Pin {
    /// The pin as a model [`Action`].
    pub fn action(self) -> Action {
        Action::new(self.name, self.sha, self.version)
    }
}

impl From<Pin> for Action {
    fn from(pin: Pin) -> Self {
        pin.action()
    }
}

impl From<Pin> for ActionStep {
    fn from(pin: Pin) -> Self {
        ActionStep::new(pin.action())
    }
}

impl From<Pin> for Step {
    fn from(pin: Pin) -> Self {
        Step::action(pin)
    }
}

macro_rules! pins {
    ($($(#[$meta:meta])* $const:ident = $name:literal @ $sha:literal # $version:literal;)*) => {
        $($(#[$meta])* pub const $const: Pin = Pin { name: $name, sha: $sha, version: $version };)*
        /// Every built-in pin.
        pub const ALL: &[Pin] = &[$($const),*];
    };
}

pins! {
    /// `actions/checkout` (used for [`Step::checkout`], always with `persist-credentials: false`).
    CHECKOUT = "actions/checkout" @ "3d3c42e5aac5ba805825da76410c181273ba90b1" # "v7.0.1";
    /// `actions/upload-artifact` (used for [`Step::upload`]).
    UPLOAD_ARTIFACT = "actions/upload-artifact" @ "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" # "v7.0.0";
    /// `actions/download-artifact` (used for [`Step::download`]).
    DOWNLOAD_ARTIFACT = "actions/download-artifact" @ "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c" # "v8.0.1";
    /// `actions/cache` (used for [`Step::cache`]).
    CACHE = "actions/cache" @ "27d5ce7f107fe9357f9df03efb73ab90386fccae" # "v5.0.5";
    /// `aws-actions/configure-aws-credentials` (used for [`Step::assume_aws_role`]).
    CONFIGURE_AWS_CREDENTIALS = "aws-actions/configure-aws-credentials" @ "e6de054238d6b7531b4efff3b6587d9aade6a06c" # "v6.2.3";
    /// `actions/setup-node`.
    SETUP_NODE = "actions/setup-node" @ "820762786026740c76f36085b0efc47a31fe5020" # "v7.0.0";
    /// `actions/setup-python`.
    SETUP_PYTHON = "actions/setup-python" @ "5fda3b95a4ea91299a34e894583c3862153e4b97" # "v7.0.0";
    /// `actions/setup-go`.
    SETUP_GO = "actions/setup-go" @ "b7ad1dad31e06c5925ef5d2fc7ad053ef454303e" # "v7.0.0";
    /// `actions/setup-java`.
    SETUP_JAVA = "actions/setup-java" @ "b6effb05e454b25005698d916606bdc6ffcbf961" # "v5.7.0";
    /// `actions/attest` (build provenance and SBOM attestations; supersedes
    /// `attest-build-provenance` and `attest-sbom`).
    ATTEST = "actions/attest" @ "1e69f48acb82d1966a394da916b4c1698aa569d6" # "v4.2.2";
    /// `sigstore/cosign-installer`.
    COSIGN_INSTALLER = "sigstore/cosign-installer" @ "6f9f17788090df1f26f669e9d70d6ae9567deba6" # "v4.1.2";
    /// `anchore/sbom-action`.
    SBOM_ACTION = "anchore/sbom-action" @ "e22c389904149dbc22b58101806040fa8d37a610" # "v0.24.0";
    /// `dtolnay/rust-toolchain` at the head of its `stable` branch (the repository has no
    /// release tags).
    RUST_TOOLCHAIN = "dtolnay/rust-toolchain" @ "29eef336d9b2848a0b548edc03f92a220660cdb8" # "stable";
    /// `Swatinem/rust-cache`.
    RUST_CACHE = "Swatinem/rust-cache" @ "6323deb102c322ba6fcbdcafc7e3dddab59af2b6" # "v2.9.2";
    /// `github/codeql-action/init`.
    CODEQL_INIT = "github/codeql-action/init" @ "8aad20d150bbac5944a9f9d289da16a4b0d87c1e" # "v4.36.2";
    /// `github/codeql-action/analyze`.
    CODEQL_ANALYZE = "github/codeql-action/analyze" @ "8aad20d150bbac5944a9f9d289da16a4b0d87c1e" # "v4.36.2";
    /// `github/codeql-action/upload-sarif`.
    CODEQL_UPLOAD_SARIF = "github/codeql-action/upload-sarif" @ "8aad20d150bbac5944a9f9d289da16a4b0d87c1e" # "v4.36.2";
    /// `github/codeql-action/autobuild`.
    CODEQL_AUTOBUILD = "github/codeql-action/autobuild" @ "8aad20d150bbac5944a9f9d289da16a4b0d87c1e" # "v4.36.2";
    /// `docker/setup-buildx-action`.
    DOCKER_SETUP_BUILDX = "docker/setup-buildx-action" @ "37fe631027851001ddb9b187196cc803df7f5f0e" # "v4.3.0";
    /// `docker/login-action`.
    DOCKER_LOGIN = "docker/login-action" @ "4907a6ddec9925e35a0a9e82d7399ccc52663121" # "v4.1.0";
    /// `docker/build-push-action`.
    DOCKER_BUILD_PUSH = "docker/build-push-action" @ "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a" # "v7.3.0";
    /// `hashicorp/setup-terraform`.
    SETUP_TERRAFORM = "hashicorp/setup-terraform" @ "dfe3c3f87815947d99a8997f908cb6525fc44e9e" # "v4.0.1";
    /// `aws-actions/amazon-ecr-login`.
    AMAZON_ECR_LOGIN = "aws-actions/amazon-ecr-login" @ "03f1aad4c6c7ffd436567f42f9384779290529bd" # "v2.1.7";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_pin_is_a_full_sha_with_a_version() {
        for pin in ALL {
            assert_eq!(pin.sha.len(), 40, "{}", pin.name);
            assert!(
                pin.sha
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{}",
                pin.name
            );
            assert!(
                pin.version.starts_with('v') || pin.version == "stable",
                "{}: {}",
                pin.name,
                pin.version
            );
            assert!(pin.action().is_pinned(), "{}", pin.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ALL.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    /// The pin snapshot each built-in was read from (`data/action-pins.tsv`: action, tag, commit,
    /// runtime, date, notes); a typo in a constant fails here.
    #[test]
    fn built_in_pins_match_the_snapshot() {
        let table = include_str!("../../data/action-pins.tsv");
        let rows: Vec<Vec<&str>> = table
            .lines()
            .skip(1)
            .map(|l| l.split('\t').map(str::trim).collect())
            .collect();
        for pin in ALL {
            let row = rows
                .iter()
                .find(|r| r[0] == pin.name && r[1] == pin.version)
                .unwrap_or_else(|| panic!("{} {} is not in the snapshot", pin.name, pin.version));
            assert_eq!(row[2], pin.sha, "{}", pin.name);
            assert!(
                row[3] == "node24" || row[3] == "composite",
                "{} runs on {}",
                pin.name,
                row[3]
            );
        }
    }
}
