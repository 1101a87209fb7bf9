//! What each [`AwsUse`] means in IAM: the actions its calls need and the resources it names, as
//! CloudFormation values; the permission policy of a role from the uses of the steps that run
//! with it plus the grants the user adds.
//!
//! Names are data. A literal name is checked against the characters AWS allows in it (never
//! `*`, `?`, `$`, `{`, `}`, so it cannot widen a grant or become template syntax); a
//! configuration variable becomes a template parameter (constrained the same way) whose value is
//! the variable's; any other value is an error naming the step.

use std::collections::BTreeMap;

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};
use pipeline_core::yaml::{Map, Value};
use pipeline_core::{AwsUse, Expr};

/// Actions IAM authorizes only on `*` (no resource-level permissions): granted in a statement of
/// their own, never mixed with scoped ones, each justified here.
pub(crate) const UNSCOPED: [&str; 3] = [
    // Takes a drift detection id, not a stack; read-only.
    "cloudformation:DescribeStackDriftDetectionStatus",
    // A registry login token; it only works with the push actions, which are scoped.
    "ecr:GetAuthorizationToken",
    // Takes a deployment id; the deployments it can find are those of the groups the role may
    // list (`codedeploy:ListDeployments` is scoped to the deployment group).
    "codedeploy:StopDeployment",
];

/// The characters a literal resource name (or ARN) may hold.
fn name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/+=@-".contains(c))
}

/// The `AllowedPattern` of a parameter carrying a resource name: the same characters.
pub(crate) const PARAMETER_PATTERN: &str = "^[A-Za-z0-9._:/+=@-]+$";

/// The template parameters that carry configuration variables' values, by parameter name.
#[derive(Default)]
pub(crate) struct Parameters(pub BTreeMap<String, String>);

impl Parameters {
    /// The parameter of variable `var` (`DEPLOY_ALARM` -> `VarDeployAlarm`).
    fn of(&mut self, var: &str) -> String {
        let mut name = String::from("Var");
        for word in var
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                name.push(first.to_ascii_uppercase());
                name.extend(chars.map(|c| c.to_ascii_lowercase()));
            }
        }
        self.0.insert(name.clone(), var.to_owned());
        name
    }
}

/// Where the resources are: the region (`${AWS::Region}` for grants the user adds), the step
/// that names them (for diagnostics).
pub(crate) struct Scope<'a> {
    pub region: &'a str,
    pub path: &'a Path,
}

/// Resolves names into `Fn::Sub` text, collecting parameters and diagnostics.
pub(crate) struct Names<'a> {
    pub params: &'a mut Parameters,
    pub diagnostics: &'a mut Diagnostics,
}

impl Names<'_> {
    /// `expr` as `Fn::Sub` text: a checked literal, `${VarX}` for a variable, `None` (and an
    /// error) for anything else.
    fn text(&mut self, expr: &Expr, what: &str, scope: &Scope<'_>) -> Option<String> {
        let parts: Vec<&Expr> = match expr {
            Expr::Concat(parts) => parts.iter().collect(),
            other => vec![other],
        };
        let mut out = String::new();
        for part in parts {
            match part {
                Expr::Literal(text) if name_ok(text) => out.push_str(text),
                Expr::Literal(text) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "aws-access-resource-name",
                            scope.path.clone(),
                            format!("{what} {text:?} is not a resource name the role's policy can name"),
                        )
                        .with_hint("use letters, digits and . _ : / + = @ - (no wildcards): the policy grants exactly the named resources"),
                    );
                    return None;
                }
                Expr::Var(var) => {
                    let param = self.params.of(var.as_str());
                    out.push_str(&format!("${{{param}}}"));
                }
                _ => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "aws-access-resource-name",
                            scope.path.clone(),
                            format!("{what} is neither a literal nor a configuration variable, so the role's policy cannot name it"),
                        )
                        .with_hint("name it literally, or with `Expr::var(\"NAME\")` (a parameter of the generated template)"),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// ARNs of `names` of one resource type: `arn:${AWS::Partition}:{service}:{region}:
    /// ${AWS::AccountId}:{kind}{name}{suffix}` for each suffix; a name that is an ARN is kept.
    fn arns(&mut self, names: &[Expr], service: &str, kind: &str, suffixes: &[&str], scope: &Scope<'_>) -> Vec<Value> {
        let mut out = Vec::new();
        for name in names {
            let Some(text) = self.text(name, &format!("{service} resource"), scope) else {
                continue;
            };
            for suffix in suffixes {
                out.push(sub(if text.starts_with("arn:") {
                    format!("{text}{suffix}")
                } else {
                    format!(
                        "arn:${{AWS::Partition}}:{service}:{}:${{AWS::AccountId}}:{kind}{text}{suffix}",
                        scope.region
                    )
                }));
            }
        }
        out
    }
}

fn sub(text: String) -> Value {
    let mut m = Map::new();
    m.insert("Fn::Sub", text);
    Value::Map(m)
}

/// One statement's worth of access: actions, resources, an optional condition.
pub(crate) struct Access {
    pub actions: Vec<&'static str>,
    pub owned: Vec<String>,
    pub resources: Vec<Value>,
    pub condition: Option<Value>,
}

impl Access {
    fn new(actions: &[&'static str], resources: Vec<Value>) -> Self {
        Self {
            actions: actions.to_vec(),
            owned: Vec::new(),
            resources,
            condition: None,
        }
    }
}

/// What `usage` needs in IAM, in `scope`.
pub(crate) fn access(usage: &AwsUse, scope: &Scope<'_>, names: &mut Names<'_>) -> Vec<Access> {
    let stacks =
        |names: &mut Names<'_>, stacks: &[Expr]| names.arns(stacks, "cloudformation", "stack/", &["/*"], scope);
    let functions =
        |names: &mut Names<'_>, f: &[Expr], suffixes: &[&str]| names.arns(f, "lambda", "function:", suffixes, scope);
    match usage {
        AwsUse::CloudFormationDeploy { stacks: s } => vec![Access::new(
            &[
                "cloudformation:CreateChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:GetTemplate",
            ],
            stacks(names, s),
        )],
        AwsUse::DriftDetection { stacks: s } => vec![Access::new(
            &[
                "cloudformation:DescribeStackDriftDetectionStatus",
                "cloudformation:DescribeStackResourceDrifts",
                "cloudformation:DescribeStacks",
                "cloudformation:DetectStackDrift",
                "cloudformation:DetectStackResourceDrift",
            ],
            stacks(names, s),
        )],
        AwsUse::LambdaDeploy { functions: f } => vec![Access::new(
            &[
                "lambda:CreateAlias",
                "lambda:GetAlias",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:ListVersionsByFunction",
                "lambda:PublishVersion",
                "lambda:UpdateAlias",
                "lambda:UpdateFunctionCode",
            ],
            functions(names, f, &["", ":*"]),
        )],
        AwsUse::LambdaInvoke { functions: f } => {
            vec![Access::new(
                &["lambda:InvokeFunction"],
                functions(names, f, &["", ":*"]),
            )]
        }
        AwsUse::LambdaConcurrency { functions: f } => vec![Access::new(
            &["lambda:DeleteFunctionConcurrency", "lambda:PutFunctionConcurrency"],
            functions(names, f, &[""]),
        )],
        AwsUse::ReadAlarms { alarms } => vec![Access::new(
            &["cloudwatch:DescribeAlarms"],
            names.arns(alarms, "cloudwatch", "alarm:", &[""], scope),
        )],
        AwsUse::CodeDeploy {
            application,
            group,
            config,
        } => {
            let (Some(app), Some(group)) = (
                names.text(application, "CodeDeploy application", scope),
                names.text(group, "CodeDeploy deployment group", scope),
            ) else {
                return Vec::new();
            };
            let base = format!(
                "arn:${{AWS::Partition}}:codedeploy:{}:${{AWS::AccountId}}",
                scope.region
            );
            let config = match config {
                Some(c) => names.text(c, "CodeDeploy deployment configuration", scope),
                None => Some("*".to_owned()),
            };
            let mut out = vec![
                Access::new(
                    &[
                        "codedeploy:CreateDeployment",
                        "codedeploy:GetDeployment",
                        "codedeploy:ListDeployments",
                    ],
                    vec![sub(format!("{base}:deploymentgroup:{app}/{group}"))],
                ),
                Access::new(
                    &[
                        "codedeploy:GetApplicationRevision",
                        "codedeploy:RegisterApplicationRevision",
                    ],
                    vec![sub(format!("{base}:application:{app}"))],
                ),
                Access::new(&["codedeploy:StopDeployment"], Vec::new()),
            ];
            if let Some(config) = config {
                out.push(Access::new(
                    &["codedeploy:GetDeploymentConfig"],
                    vec![sub(format!("{base}:deploymentconfig:{config}"))],
                ));
            }
            out
        }
        AwsUse::AppConfig {
            application,
            environment,
            profile,
            strategy,
        } => {
            let (Some(app), Some(env), Some(profile), Some(strategy)) = (
                names.text(application, "AppConfig application", scope),
                names.text(environment, "AppConfig environment", scope),
                names.text(profile, "AppConfig configuration profile", scope),
                names.text(strategy, "AppConfig deployment strategy", scope),
            ) else {
                return Vec::new();
            };
            let base = format!("arn:${{AWS::Partition}}:appconfig:{}:${{AWS::AccountId}}", scope.region);
            vec![Access::new(
                &[
                    "appconfig:CreateHostedConfigurationVersion",
                    "appconfig:GetDeployment",
                    "appconfig:ListDeployments",
                    "appconfig:StartDeployment",
                    "appconfig:StopDeployment",
                    "appconfig:UpdateEnvironment",
                ],
                vec![
                    sub(format!("{base}:application/{app}")),
                    sub(format!("{base}:application/{app}/environment/{env}")),
                    sub(format!("{base}:application/{app}/environment/{env}/deployment/*")),
                    sub(format!("{base}:application/{app}/configurationprofile/{profile}")),
                    sub(format!("{base}:deploymentstrategy/{strategy}")),
                ],
            )]
        }
        AwsUse::PassRole { roles, service } => {
            let resources = roles
                .iter()
                .filter_map(|r| names.text(r, "role passed", scope))
                .map(sub)
                .collect();
            let mut equals = Map::new();
            equals.insert("iam:PassedToService", service.as_str());
            let mut condition = Map::new();
            condition.insert("StringEquals", equals);
            vec![Access {
                condition: Some(Value::Map(condition)),
                ..Access::new(&["iam:PassRole"], resources)
            }]
        }
        AwsUse::S3Objects { bucket, prefix, write } => {
            let Some(bucket) = names.text(bucket, "S3 bucket", scope) else {
                return Vec::new();
            };
            let prefix = prefix.trim_end_matches('/');
            if !prefix.is_empty() && !name_ok(prefix) {
                names.diagnostics.push(
                    Diagnostic::error(
                        "aws-access-resource-name",
                        scope.path.clone(),
                        format!("S3 key prefix {prefix:?} is not a prefix the role's policy can name"),
                    )
                    .with_hint("use letters, digits and . _ : / + = @ - (no wildcards)"),
                );
                return Vec::new();
            }
            let objects = if prefix.is_empty() {
                format!("arn:${{AWS::Partition}}:s3:::{bucket}/*")
            } else {
                format!("arn:${{AWS::Partition}}:s3:::{bucket}/{prefix}/*")
            };
            let actions: &[&'static str] = if *write {
                &["s3:GetObject", "s3:PutObject"]
            } else {
                &["s3:GetObject"]
            };
            vec![Access::new(actions, vec![sub(objects)])]
        }
        AwsUse::EcrPush { repositories } => vec![
            Access::new(
                &[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:CompleteLayerUpload",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                names.arns(repositories, "ecr", "repository/", &[""], scope),
            ),
            Access::new(&["ecr:GetAuthorizationToken"], Vec::new()),
        ],
        AwsUse::KmsSign { key } => {
            let Some(key) = names.text(key, "KMS key", scope) else {
                return Vec::new();
            };
            let actions = &["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"];
            match key.strip_prefix("alias/") {
                // IAM authorizes KMS calls on the key, never on its alias: any key of the
                // account, only when the call names that alias (cosign's `awskms:///alias/..`
                // sends it as the key id).
                Some(_) => {
                    let mut equals = Map::new();
                    equals.insert("kms:RequestAlias", key.as_str());
                    let mut condition = Map::new();
                    condition.insert("StringEquals", equals);
                    vec![Access {
                        condition: Some(Value::Map(condition)),
                        ..Access::new(
                            actions,
                            vec![sub(format!(
                                "arn:${{AWS::Partition}}:kms:{}:${{AWS::AccountId}}:key/*",
                                scope.region
                            ))],
                        )
                    }]
                }
                None if key.starts_with("arn:") => vec![Access::new(actions, vec![sub(key)])],
                None => vec![Access::new(
                    actions,
                    vec![sub(format!(
                        "arn:${{AWS::Partition}}:kms:{}:${{AWS::AccountId}}:key/{key}",
                        scope.region
                    ))],
                )],
            }
        }
        AwsUse::Statement { actions, resources } => vec![Access {
            actions: Vec::new(),
            owned: actions.clone(),
            resources: resources.iter().map(|r| Value::from(r.as_str())).collect(),
            condition: None,
        }],
    }
}

/// The CloudTrail event source whose write calls change what `usage` covers (the drift alert
/// watches them).
pub(crate) fn event_source(usage: &AwsUse) -> Option<&'static str> {
    match usage {
        AwsUse::CloudFormationDeploy { .. } | AwsUse::DriftDetection { .. } => Some("aws.cloudformation"),
        AwsUse::LambdaDeploy { .. } | AwsUse::LambdaInvoke { .. } | AwsUse::LambdaConcurrency { .. } => {
            Some("aws.lambda")
        }
        AwsUse::CodeDeploy { .. } => Some("aws.codedeploy"),
        AwsUse::AppConfig { .. } => Some("aws.appconfig"),
        AwsUse::ReadAlarms { .. }
        | AwsUse::PassRole { .. }
        | AwsUse::S3Objects { .. }
        | AwsUse::EcrPush { .. }
        | AwsUse::KmsSign { .. }
        | AwsUse::Statement { .. } => None,
    }
}

fn shown(e: &Expr) -> String {
    match e {
        Expr::Literal(s) => s.clone(),
        Expr::Var(v) => format!("${}", v.as_str()),
        Expr::Concat(parts) => parts.iter().map(shown).collect(),
        other => format!("{other:?}"),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(shown).collect::<Vec<_>>().join(", ")
}

/// What a reader of the docs page sees.
pub(crate) fn describe(usage: &AwsUse) -> String {
    match usage {
        AwsUse::CloudFormationDeploy { stacks } => format!("CloudFormation deploy of {}", list(stacks)),
        AwsUse::DriftDetection { stacks } => format!("drift detection (read-only) of {}", list(stacks)),
        AwsUse::LambdaDeploy { functions } => format!("Lambda deploy of {}", list(functions)),
        AwsUse::LambdaInvoke { functions } => format!("Lambda invocation of {}", list(functions)),
        AwsUse::LambdaConcurrency { functions } => format!("Lambda concurrency of {}", list(functions)),
        AwsUse::ReadAlarms { alarms } => format!("alarm states (read-only) of {}", list(alarms)),
        AwsUse::CodeDeploy { application, group, .. } => {
            format!("CodeDeploy {}/{}", shown(application), shown(group))
        }
        AwsUse::AppConfig {
            application,
            environment,
            profile,
            ..
        } => format!(
            "AppConfig deployments of {}/{} to {}",
            shown(application),
            shown(profile),
            shown(environment)
        ),
        AwsUse::PassRole { roles, service } => format!("pass {} to {service}", list(roles)),
        AwsUse::S3Objects { bucket, prefix, write } => format!(
            "S3 objects s3://{}/{prefix} ({})",
            shown(bucket),
            if *write { "read and write" } else { "read-only" }
        ),
        AwsUse::EcrPush { repositories } => format!("ECR push to {}", list(repositories)),
        AwsUse::KmsSign { key } => format!("KMS signing with {}", shown(key)),
        AwsUse::Statement { actions, resources } => format!("{} on {}", actions.join(", "), resources.join(", ")),
    }
}

/// The statements of a permission policy: scoped accesses with the same actions and condition
/// share a statement (resources merged, in order); actions without resource-level permission go
/// to one statement on `*`.
pub(crate) fn statements(accesses: Vec<Access>) -> Vec<Value> {
    let mut scoped: Vec<(Vec<String>, Option<Value>, Vec<Value>)> = Vec::new();
    let mut unscoped: Vec<String> = Vec::new();
    for access in accesses {
        let mut actions: Vec<String> = Vec::new();
        for a in access.actions.iter().map(|a| (*a).to_owned()).chain(access.owned) {
            if UNSCOPED.contains(&a.as_str()) {
                if !unscoped.contains(&a) {
                    unscoped.push(a);
                }
            } else if !actions.contains(&a) {
                actions.push(a);
            }
        }
        if actions.is_empty() || access.resources.is_empty() {
            continue;
        }
        match scoped
            .iter_mut()
            .find(|(a, c, _)| *a == actions && *c == access.condition)
        {
            Some((_, _, resources)) => {
                for r in access.resources {
                    if !resources.contains(&r) {
                        resources.push(r);
                    }
                }
            }
            None => scoped.push((actions, access.condition, access.resources)),
        }
    }
    let mut out = Vec::new();
    for (i, (actions, condition, resources)) in scoped.into_iter().enumerate() {
        let mut m = Map::new();
        m.insert("Sid", format!("Access{}", i + 1));
        m.insert("Effect", "Allow");
        m.insert("Action", Value::Seq(actions.into_iter().map(Value::from).collect()));
        m.insert("Resource", Value::Seq(resources));
        if let Some(c) = condition {
            m.insert("Condition", c);
        }
        out.push(Value::Map(m));
    }
    if !unscoped.is_empty() {
        let mut m = Map::new();
        m.insert("Sid", "NoResourceLevel");
        m.insert("Effect", "Allow");
        m.insert("Action", Value::Seq(unscoped.into_iter().map(Value::from).collect()));
        m.insert("Resource", Value::Seq(vec![Value::from("*")]));
        out.push(Value::Map(m));
    }
    out
}

/// Whether `region` is a region name (`eu-west-1`) or the stack's own (`${AWS::Region}`).
pub(crate) fn region_ok(region: &str) -> bool {
    region == "${AWS::Region}"
        || (!region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}
