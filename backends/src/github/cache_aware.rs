//! Actions that keep a cache of their own (the `cache:` input of `actions/setup-node`,
//! `setup-go`'s default cache, `Swatinem/rust-cache`...). In a release pipeline such a cache can
//! have been written by a pull request run and poison the release build, exactly like
//! [`Step::cache`](pipeline_core::Step::cache); the release-cache guard covers both. The table
//! follows the actions' `action.yml` inputs and defaults (and zizmor's `cache-poisoning` audit,
//! which the conformance tests run).

use pipeline_core::{ActionStep, Expr};

/// How an action's inputs turn its cache on.
enum Control {
    /// The action always caches.
    Always,
    /// A boolean input: the cache is on when it is `true`, `default` when it is absent.
    Flag(&'static str, bool),
    /// The cache is on unless this input holds one of the values (case-insensitive).
    OffWhen(&'static str, &'static [&'static str]),
    /// The cache is on when this input is set: to any non-empty value (`None`) or to one of the
    /// values.
    Set(&'static str, Option<&'static [&'static str]>),
    /// On when any of these is on.
    Any(&'static [Control]),
    /// On when all of these are on.
    All(&'static [Control]),
}

const TRUE: &[&str] = &["true"];

/// Cache-aware actions by name (`owner/repo` or `owner/repo/path`, compared case-insensitively).
const CACHE_AWARE: &[(&str, Control)] = &[
    ("actions/cache", Control::OffWhen("lookup-only", TRUE)),
    ("actions/setup-java", Control::Set("cache", None)),
    ("actions/setup-go", Control::Flag("cache", true)),
    (
        "actions/setup-node",
        Control::Any(&[
            Control::Set("cache", Some(&["npm", "yarn", "pnpm"])),
            Control::Flag("package-manager-cache", true),
        ]),
    ),
    ("actions/setup-python", Control::Set("cache", None)),
    ("actions/setup-dotnet", Control::Flag("cache", false)),
    ("astral-sh/setup-uv", Control::OffWhen("enable-cache", &["false"])),
    ("Swatinem/rust-cache", Control::OffWhen("lookup-only", TRUE)),
    ("ruby/setup-ruby", Control::Flag("bundler-cache", false)),
    ("PyO3/maturin-action", Control::Flag("sccache", false)),
    ("mlugg/setup-zig", Control::Flag("use-cache", true)),
    ("oven-sh/setup-bun", Control::OffWhen("no-cache", TRUE)),
    (
        "DeterminateSystems/magic-nix-cache-action",
        Control::Flag("use-gha-cache", true),
    ),
    ("graalvm/setup-graalvm", Control::Set("cache", None)),
    ("gradle/actions/setup-gradle", Control::OffWhen("cache-disabled", TRUE)),
    (
        "docker/setup-buildx-action",
        Control::All(&[Control::Flag("cache-binary", true), Control::Set("version", None)]),
    ),
    ("actions-rust-lang/setup-rust-toolchain", Control::Flag("cache", true)),
    ("Mozilla-Actions/sccache-action", Control::Always),
    ("nix-community/cache-nix-action", Control::Always),
    ("jdx/mise-action", Control::Flag("cache", true)),
    (
        "ramsey/composer-install",
        Control::OffWhen("ignore-cache", &["yes", "true", "1"]),
    ),
    ("awalsh128/cache-apt-pkgs-action", Control::Always),
];

/// Whether `step`'s action writes a cache with its inputs as given. A value that is not a literal
/// (a matrix value, an input...) counts as turning the cache on: it can.
pub(crate) fn caches(step: &ActionStep) -> bool {
    let name = step.action.name.to_ascii_lowercase();
    CACHE_AWARE
        .iter()
        .find(|(action, _)| name == action.to_ascii_lowercase())
        .is_some_and(|(_, control)| on(control, step))
}

fn on(control: &Control, step: &ActionStep) -> bool {
    // `Some(None)`: set to something not known before the run.
    let value = |input: &str| -> Option<Option<String>> {
        step.with
            .get(input)
            .map(|v: &Expr| v.as_literal().map(|s| s.trim().to_ascii_lowercase()))
    };
    match control {
        Control::Always => true,
        Control::Flag(input, default) => match value(input) {
            None => *default,
            Some(Some(v)) => v == "true",
            Some(None) => true,
        },
        Control::OffWhen(input, values) => match value(input) {
            Some(Some(v)) => !values.contains(&v.as_str()),
            _ => true,
        },
        Control::Set(input, values) => match (value(input), values) {
            (None, _) => false,
            (Some(Some(v)), None) => !v.is_empty(),
            (Some(Some(v)), Some(values)) => values.contains(&v.as_str()),
            (Some(None), _) => true,
        },
        Control::Any(all) => all.iter().any(|c| on(c, step)),
        Control::All(all) => all.iter().all(|c| on(c, step)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::pins;
    use crate::github::pins::Pin;
    use pipeline_core::Expr;

    fn step(action: Pin, with: &[(&str, &str)]) -> ActionStep {
        with.iter().fold(ActionStep::from(action), |s, (k, v)| s.with(*k, *v))
    }

    #[test]
    fn setup_actions_cache_by_their_own_defaults_and_inputs() {
        // setup-go caches unless told not to.
        assert!(caches(&step(pins::SETUP_GO, &[])));
        assert!(!caches(&step(pins::SETUP_GO, &[("cache", "false")])));
        // setup-node: `cache:` names a package manager; `package-manager-cache` defaults to on.
        assert!(caches(&step(
            pins::SETUP_NODE,
            &[("package-manager-cache", "false"), ("cache", "npm")]
        )));
        assert!(caches(&step(pins::SETUP_NODE, &[])));
        assert!(!caches(&step(pins::SETUP_NODE, &[("package-manager-cache", "false")])));
        // setup-python and setup-java cache only when `cache:` names something.
        assert!(!caches(&step(pins::SETUP_PYTHON, &[])));
        assert!(caches(&step(pins::SETUP_PYTHON, &[("cache", "pip")])));
        assert!(caches(&step(pins::SETUP_JAVA, &[("cache", "maven")])));
        assert!(!caches(&step(pins::SETUP_JAVA, &[("distribution", "temurin")])));
        // Always-on caches, and values known only at run time.
        assert!(caches(&step(pins::RUST_CACHE, &[])));
        assert!(caches(
            &ActionStep::from(pins::SETUP_GO).with("cache", Expr::matrix("cache"))
        ));
        // Other actions do not cache.
        assert!(!caches(&step(pins::RUST_TOOLCHAIN, &[])));
    }
}
