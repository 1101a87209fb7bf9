//! `#[derive(Params)]`: defaults, required parameters and setters.

use pipeline_core::prelude::*;

/// How to deploy.
#[derive(Params, Debug, PartialEq)]
struct Deploy {
    /// Where to.
    #[param(required)]
    environment: String,
    #[param(default = 20)]
    timeout: u32,
    #[param(default = "eu-west-1")]
    region: String,
    url: Option<String>,
    #[param(required)]
    tier: Tier,
    #[param(default = vec!["./smoke.sh".to_owned()])]
    checks: Vec<String>,
    #[param(default = Some(2))]
    retries: Option<u8>,
    approval: bool,
}

#[test]
fn new_takes_the_required_fields_in_order_and_the_rest_take_their_defaults() {
    let d = Deploy::new("production", Tier::Production);
    assert_eq!(
        d,
        Deploy {
            environment: "production".into(),
            timeout: 20,
            region: "eu-west-1".into(),
            url: None,
            tier: Tier::Production,
            checks: vec!["./smoke.sh".into()],
            retries: Some(2),
            approval: false,
        }
    );
}

#[test]
fn setters_convert_and_wrap_options() {
    let d = Deploy::new(String::from("staging"), Tier::Staging)
        .timeout(30)
        .region("us-east-1")
        .url("https://staging.example.com")
        .checks(["a", "b"].map(String::from).to_vec())
        .retries(0)
        .approval(true)
        .environment("review");
    assert_eq!(d.environment, "review");
    assert_eq!(d.timeout, 30);
    assert_eq!(d.region, "us-east-1");
    assert_eq!(d.url.as_deref(), Some("https://staging.example.com"));
    assert_eq!(d.checks, ["a", "b"]);
    assert_eq!(d.retries, Some(0));
    assert!(d.approval);
}

#[derive(Params, Debug, PartialEq)]
struct RustCi {
    #[param(default = "stable")]
    toolchain: String,
    #[param(default = 15)]
    timeout: u32,
    features: Vec<String>,
    image: Option<String>,
    r#type: u8,
}

#[test]
fn without_required_fields_it_implements_default() {
    assert_eq!(
        RustCi::default(),
        RustCi {
            toolchain: "stable".into(),
            timeout: 15,
            features: vec![],
            image: None,
            r#type: 0,
        }
    );
    let ci = RustCi::default().toolchain("1.85").image("rust:1.85").r#type(2);
    assert_eq!(
        (ci.toolchain.as_str(), ci.image.as_deref(), ci.r#type),
        ("1.85", Some("rust:1.85"), 2)
    );
}

#[derive(Params)]
struct Generic<T, U: Clone> {
    #[param(required)]
    value: T,
    items: Vec<U>,
}

#[test]
fn generic_params() {
    let g = Generic::<JobId, u8>::new("build").items(vec![1, 2]);
    assert_eq!(g.value, JobId::new("build"));
    assert_eq!(g.items, [1, 2]);
}

#[derive(Params)]
struct Empty {}

#[test]
fn setters_have_the_structs_visibility() {
    mod inner {
        #[derive(pipeline_core::Params)]
        pub(crate) struct Crate {
            #[param(default = 1)]
            pub(crate) n: u32,
        }
    }
    assert_eq!(inner::Crate::default().n(4).n, 4);
    let _ = Empty::default();
}
