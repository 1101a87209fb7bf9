//! Command-line tools the practices' scripts install where no platform action does it: a pinned
//! release, downloaded over HTTPS and checked against its SHA-256 before it runs (never
//! `curl | sh`).

/// A tool release for Linux on x86-64 and ARM64, with the SHA-256 of each download.
///
/// ```
/// use pipeline_templates::practices::supply_chain::tools;
/// for tool in tools::ALL {
///     assert_eq!(tool.sha256_amd64.len(), 64);
///     assert!(tool.url_amd64.contains(tool.version) && tool.url_arm64.contains(tool.version));
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinnedTool {
    /// The executable's name.
    pub name: &'static str,
    /// The release (as the project tags it).
    pub version: &'static str,
    /// The x86-64 download.
    pub url_amd64: &'static str,
    /// Its SHA-256 (lower-case hex).
    pub sha256_amd64: &'static str,
    /// The ARM64 download.
    pub url_arm64: &'static str,
    /// Its SHA-256 (lower-case hex).
    pub sha256_arm64: &'static str,
    /// The executable inside a `.tar.gz` download; `None` when the download is the executable.
    pub archive_member: Option<&'static str>,
}

/// cosign v3.0.6 (the release `sigstore/cosign-installer` v4.1.2 installs by default). The
/// checksums are those the installer's own script pins for its bootstrap release, generated
/// from cosign's `cosign_checksums.txt`.
pub const COSIGN: PinnedTool = PinnedTool {
    name: "cosign",
    version: "v3.0.6",
    url_amd64: "https://github.com/sigstore/cosign/releases/download/v3.0.6/cosign-linux-amd64",
    sha256_amd64: "c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74",
    url_arm64: "https://github.com/sigstore/cosign/releases/download/v3.0.6/cosign-linux-arm64",
    sha256_arm64: "bedac92e8c3729864e13d4a17048007cfafa79d5deca993a43a90ffe018ef2b8",
    archive_member: None,
};

/// syft v1.42.3 (Anchore's SBOM generator; `anchore/sbom-action` is told to use the same
/// release). Checksums from the release's `syft_1.42.3_checksums.txt`.
pub const SYFT: PinnedTool = PinnedTool {
    name: "syft",
    version: "v1.42.3",
    url_amd64: "https://github.com/anchore/syft/releases/download/v1.42.3/syft_1.42.3_linux_amd64.tar.gz",
    sha256_amd64: "0d6be741479eddd2c8644a288990c04f3df0d609bbc1599a005532a9dff63509",
    url_arm64: "https://github.com/anchore/syft/releases/download/v1.42.3/syft_1.42.3_linux_arm64.tar.gz",
    sha256_arm64: "dc630590c953347789d08f8ebf57c7d8094db89100785fcd94b1cddeac791804",
    archive_member: Some("syft"),
};

/// sops v3.13.3. Checksums from the release's `sops-v3.13.3.checksums.txt`.
pub const SOPS: PinnedTool = PinnedTool {
    name: "sops",
    version: "v3.13.3",
    url_amd64: "https://github.com/getsops/sops/releases/download/v3.13.3/sops-v3.13.3.linux.amd64",
    sha256_amd64: "e5bec3346a873ae91d871550f3e698c1aad962aff462a080e40f25fde17fef6b",
    url_arm64: "https://github.com/getsops/sops/releases/download/v3.13.3/sops-v3.13.3.linux.arm64",
    sha256_arm64: "53b0abacd38ef1b12a66d6c100956691b9cefce018d91f81e73ddf7438b94d77",
    archive_member: None,
};

/// Every pinned tool.
pub const ALL: [PinnedTool; 3] = [COSIGN, SYFT, SOPS];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_pinned_by_https_url_and_sha256() {
        for tool in ALL {
            for (url, sha) in [(tool.url_amd64, tool.sha256_amd64), (tool.url_arm64, tool.sha256_arm64)] {
                assert!(url.starts_with("https://github.com/"), "{url}");
                assert!(url.contains(tool.version.trim_start_matches('v')), "{url}");
                assert_eq!(sha.len(), 64, "{}", tool.name);
                assert!(
                    sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "{}",
                    tool.name
                );
            }
            assert_ne!(tool.sha256_amd64, tool.sha256_arm64, "{}", tool.name);
            assert!(tool.version.starts_with('v'), "{}", tool.name);
        }
    }
}
