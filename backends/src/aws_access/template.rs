//! The CloudFormation template of one account: providers, roles with exact trust, service roles,
//! the alerts topic, the break-glass alert and the drift alert.

use pipeline_core::backend::Header;
use pipeline_core::yaml::{Map, Value, to_string};
use pipeline_core::{Pipeline, Trigger};

use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

use super::chain;
use super::policy::{self, Names, Parameters, Scope};
use super::usage::{RoleUse, Usage, github_subjects, gitlab_subjects};
use super::{AccessRole, AwsAccess};

/// GitHub's OIDC issuer.
pub(crate) const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}

fn s(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

fn seq<I: IntoIterator<Item = Value>>(items: I) -> Value {
    Value::Seq(items.into_iter().collect())
}

fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    seq(items.iter().map(|i| s(i.as_ref())))
}

fn sub(text: impl Into<String>) -> Value {
    map([("Fn::Sub", s(text))])
}

fn document(statements: Vec<Value>) -> Value {
    map([("Version", s("2012-10-17")), ("Statement", Value::Seq(statements))])
}

fn statement(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    map([
        ("Sid", s(sid)),
        ("Effect", s("Allow")),
        ("Action", strings(actions)),
        ("Resource", Value::Seq(resources)),
    ])
}

/// `DRIFT_ROLE_ARN` -> `DriftRole`; a literal ARN -> its role name, camel-cased.
pub(crate) fn logical_id(role: &AccessRole) -> String {
    let base = if role.variable.starts_with("arn:") {
        role.name.as_str()
    } else {
        role.variable.as_str()
    };
    let base = base.strip_suffix("_ARN").unwrap_or(base);
    let mut out = String::new();
    for word in base
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if !out.ends_with("Role") {
        out.push_str("Role");
    }
    out
}

/// The host of an issuer URL (`https://gitlab.example.com` -> `gitlab.example.com`).
pub(crate) fn host(url: &str) -> &str {
    url.trim_start_matches("https://").trim_start_matches("http://")
}

/// One trust statement of web identities from `issuer`: exact subjects with `StringEquals`,
/// patterns (`*`) with `StringLike`, always with the audience.
fn web_identity(sid: &str, provider: &str, issuer: &str, audience: &str, subjects: &[String]) -> Vec<Value> {
    let (patterns, exact): (Vec<&String>, Vec<&String>) = subjects.iter().partition(|s| s.contains(['*', '?']));
    let one = |sid: String, operator: &str, subjects: Vec<&String>| {
        let mut condition = Map::new();
        let mut equals = Map::new();
        equals.insert(format!("{issuer}:aud"), audience);
        if operator == "StringEquals" {
            equals.insert(format!("{issuer}:sub"), strings(&subjects));
            condition.insert("StringEquals", equals);
        } else {
            condition.insert("StringEquals", equals);
            let mut like = Map::new();
            like.insert(format!("{issuer}:sub"), strings(&subjects));
            condition.insert("StringLike", like);
        }
        map([
            ("Sid", s(sid)),
            ("Effect", s("Allow")),
            ("Principal", map([("Federated", map([("Ref", s(provider))]))])),
            ("Action", s("sts:AssumeRoleWithWebIdentity")),
            ("Condition", Value::Map(condition)),
        ])
    };
    let mut out = Vec::new();
    if !exact.is_empty() {
        out.push(one(sid.to_owned(), "StringEquals", exact));
    }
    if !patterns.is_empty() {
        out.push(one(format!("{sid}Patterns"), "StringLike", patterns));
    }
    out
}

fn union(into: &mut Vec<String>, items: Vec<String>) {
    for i in items {
        if !into.contains(&i) {
            into.push(i);
        }
    }
}

/// The trust policy of `role`: exactly the subjects of the jobs that assume it first (the
/// CodeBuild service role on CodePipeline), and the roles before it in a chain, with their
/// session tags ([`chain`]).
fn trust(access: &AwsAccess, role: &AccessRole, usages: &[Usage]) -> (Value, bool, bool) {
    let (mut github, mut gitlab, mut codebuild) = (Vec::new(), Vec::new(), false);
    for u in usages {
        for (i, key) in u.chain.iter().enumerate() {
            if *key != role.variable {
                continue;
            }
            if i == 0 {
                if let (true, Some(repo)) = (access.targets("github"), &access.github_repository) {
                    union(&mut github, github_subjects(repo, u));
                }
                if let (true, Some(project)) = (access.targets("gitlab"), &access.gitlab_project) {
                    union(&mut gitlab, gitlab_subjects(project, u));
                }
                codebuild |= access.targets("codepipeline");
            }
        }
    }
    let mut statements = Vec::new();
    statements.extend(web_identity(
        "GithubJobs",
        "GithubOidcProvider",
        GITHUB_ISSUER,
        "sts.amazonaws.com",
        &github,
    ));
    statements.extend(web_identity(
        "GitlabJobs",
        "GitlabOidcProvider",
        host(&access.gitlab_url),
        &access.gitlab_audience,
        &gitlab,
    ));
    if let (true, Some(arn)) = (codebuild, access.codebuild_role_arn()) {
        statements.push(map([
            ("Sid", s("PipelineRoles")),
            ("Effect", s("Allow")),
            ("Principal", map([("AWS", strings(&[arn]))])),
            ("Action", s("sts:AssumeRole")),
        ]));
    }
    let sources = chain::sources(access, &role.variable, usages);
    if !sources.is_empty() {
        statements.push(chain::trust_statement(&sources));
    }
    (document(statements), !github.is_empty(), !gitlab.is_empty())
}

fn role_resource(name: &str, trust: Value, policies: Vec<Value>, description: &str) -> Value {
    let mut props = Map::new();
    props.insert("RoleName", name);
    props.insert("Description", description);
    props.insert("MaxSessionDuration", 3600);
    props.insert("AssumeRolePolicyDocument", trust);
    if !policies.is_empty() {
        props.insert("Policies", Value::Seq(policies));
    }
    map([("Type", s("AWS::IAM::Role")), ("Properties", Value::Map(props))])
}

fn inline(name: &str, statements: Vec<Value>) -> Value {
    map([("PolicyName", s(name)), ("PolicyDocument", document(statements))])
}

fn service_trust(service: &str) -> Value {
    document(vec![map([
        ("Effect", s("Allow")),
        ("Principal", map([("Service", s(service))])),
        ("Action", s("sts:AssumeRole")),
        (
            "Condition",
            map([("StringEquals", map([("aws:SourceAccount", sub("${AWS::AccountId}"))]))]),
        ),
    ])])
}

/// The service roles of CodePipeline, CodeBuild and the schedules, in the CodePipeline account;
/// `derived`: the statements of the uses CodeBuild jobs make before assuming any role.
fn service_roles(
    access: &AwsAccess,
    pipelines: &[Pipeline],
    usages: &[Usage],
    derived: Vec<Value>,
    resources: &mut Map,
) {
    let prefix = &access.prefix;
    let bucket = access.artifact_bucket.as_deref().unwrap_or_default();
    let objects = || vec![sub(format!("arn:${{AWS::Partition}}:s3:::{bucket}/*"))];
    let projects: Vec<Value> = pipelines
        .iter()
        .map(|p| {
            sub(format!(
                "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/{}-*",
                p.id
            ))
        })
        .collect();
    resources.insert(
        "CodePipelineServiceRole",
        role_resource(
            &format!("{prefix}-codepipeline"),
            service_trust("codepipeline.amazonaws.com"),
            vec![inline(
                "pipelines",
                vec![
                    statement(
                        "Artifacts",
                        &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                        objects(),
                    ),
                    statement(
                        "Builds",
                        &["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                        projects,
                    ),
                    statement(
                        "Source",
                        &["codestar-connections:UseConnection"],
                        vec![sub(
                            "arn:${AWS::Partition}:codestar-connections:${AWS::Region}:${AWS::AccountId}:connection/*",
                        )],
                    ),
                ],
            )],
            "Service role of the CodePipeline pipelines",
        ),
    );
    let assumed: Vec<String> = {
        let mut out = Vec::new();
        for u in usages {
            if let Some(role) = u.chain.first().and_then(|k| access.find(k)) {
                union(&mut out, vec![role.arn()]);
            }
        }
        out
    };
    let mut statements = vec![
        statement(
            "Logs",
            &["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            vec![sub(
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/*",
            )],
        ),
        statement(
            "Artifacts",
            &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            objects(),
        ),
    ];
    // Test reports go into each pipeline's report groups, `<pipeline>-<job>-tests`.
    let reporting: Vec<Value> = pipelines
        .iter()
        .filter(|p| p.jobs.iter().any(|j| !j.test_reports.is_empty()))
        .map(|p| {
            sub(format!(
                "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:report-group/{}-*",
                p.id
            ))
        })
        .collect();
    if !reporting.is_empty() {
        statements.push(statement(
            "TestReports",
            &[
                "codebuild:CreateReport",
                "codebuild:UpdateReport",
                "codebuild:BatchPutTestCases",
            ],
            reporting,
        ));
    }
    statements.extend(derived);
    if !assumed.is_empty() {
        statements.push(statement(
            "PipelineRoles",
            &["sts:AssumeRole"],
            assumed.iter().map(s).collect(),
        ));
    }
    resources.insert(
        "CodeBuildServiceRole",
        role_resource(
            &format!("{prefix}-codebuild"),
            service_trust("codebuild.amazonaws.com"),
            vec![inline("builds", statements)],
            "Service role of the CodeBuild projects; it assumes the pipeline roles",
        ),
    );
    let scheduled: Vec<Value> = pipelines
        .iter()
        .filter(|p| p.triggers.iter().any(|t| matches!(t, Trigger::Schedule(_))))
        .map(|p| {
            sub(format!(
                "arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:{}",
                p.id
            ))
        })
        .collect();
    if !scheduled.is_empty() {
        resources.insert(
            "ScheduleRole",
            role_resource(
                &format!("{prefix}-schedule"),
                service_trust("events.amazonaws.com"),
                vec![inline(
                    "schedules",
                    vec![statement("Start", &["codepipeline:StartPipelineExecution"], scheduled)],
                )],
                "Role EventBridge assumes to start the scheduled pipelines",
            ),
        );
    }
}

/// The alerts topic (encrypted with its own key, which EventBridge may use) and its policy.
fn alerts_topic(access: &AwsAccess, resources: &mut Map) {
    let key_policy = document(vec![
        map([
            ("Sid", s("Account")),
            ("Effect", s("Allow")),
            (
                "Principal",
                map([("AWS", sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root"))]),
            ),
            ("Action", s("kms:*")),
            ("Resource", s("*")),
        ]),
        map([
            ("Sid", s("EventBridge")),
            ("Effect", s("Allow")),
            ("Principal", map([("Service", s("events.amazonaws.com"))])),
            ("Action", strings(&["kms:Decrypt", "kms:GenerateDataKey"])),
            ("Resource", s("*")),
            (
                "Condition",
                map([("StringEquals", map([("aws:SourceAccount", sub("${AWS::AccountId}"))]))]),
            ),
        ]),
    ]);
    resources.insert(
        "AlertsKey",
        map([
            ("Type", s("AWS::KMS::Key")),
            // Retained: messages still in flight, or archived elsewhere, stay readable.
            ("DeletionPolicy", s("Retain")),
            ("UpdateReplacePolicy", s("Retain")),
            (
                "Properties",
                map([
                    (
                        "Description",
                        s(format!("Encrypts the alerts topic of {}", access.prefix)),
                    ),
                    ("EnableKeyRotation", Value::Bool(true)),
                    ("KeyPolicy", key_policy),
                ]),
            ),
        ]),
    );
    resources.insert(
        "AlertsTopic",
        map([
            ("Type", s("AWS::SNS::Topic")),
            (
                "Properties",
                map([
                    ("TopicName", s(format!("{}-alerts", access.prefix))),
                    ("KmsMasterKeyId", map([("Ref", s("AlertsKey"))])),
                ]),
            ),
        ]),
    );
    resources.insert(
        "AlertsTopicPolicy",
        map([
            ("Type", s("AWS::SNS::TopicPolicy")),
            (
                "Properties",
                map([
                    ("Topics", seq([map([("Ref", s("AlertsTopic"))])])),
                    (
                        "PolicyDocument",
                        document(vec![map([
                            ("Sid", s("EventBridge")),
                            ("Effect", s("Allow")),
                            ("Principal", map([("Service", s("events.amazonaws.com"))])),
                            ("Action", s("sns:Publish")),
                            ("Resource", map([("Ref", s("AlertsTopic"))])),
                            (
                                "Condition",
                                map([("StringEquals", map([("aws:SourceAccount", sub("${AWS::AccountId}"))]))]),
                            ),
                        ])]),
                    ),
                ]),
            ),
        ]),
    );
}

fn rule(description: &str, pattern: Value) -> Value {
    map([
        ("Type", s("AWS::Events::Rule")),
        (
            "Properties",
            map([
                ("Description", s(description)),
                ("State", s("ENABLED")),
                ("EventPattern", pattern),
                (
                    "Targets",
                    seq([map([("Id", s("alerts")), ("Arn", map([("Ref", s("AlertsTopic"))]))])]),
                ),
            ]),
        ),
    ])
}

/// The template of `account`.
pub(crate) fn render(
    access: &AwsAccess,
    account: &str,
    pipelines: &[Pipeline],
    usages: &[Usage],
    role_uses: &[RoleUse],
    header: &Header,
    diagnostics: &mut Diagnostics,
) -> String {
    let mut params = Parameters::default();
    let mut resources = Map::spaced();
    let mut outputs = Map::new();
    let roles: Vec<&AccessRole> = access
        .roles
        .iter()
        .filter(|r| r.account == account && usages.iter().any(|u| u.chain.contains(&r.variable)))
        .collect();
    let mut role_resources = Vec::new();
    let (mut needs_github, mut needs_gitlab) = (false, false);
    for role in &roles {
        let (trust, github, gitlab) = trust(access, role, usages);
        needs_github |= github;
        needs_gitlab |= gitlab;
        let mut accesses = Vec::new();
        let mut names = Names {
            params: &mut params,
            diagnostics: &mut *diagnostics,
        };
        for u in role_uses
            .iter()
            .filter(|u| u.role.as_deref() == Some(role.variable.as_str()))
        {
            if !policy::region_ok(&u.region) {
                names.diagnostics.push(
                    Diagnostic::error(
                        "aws-access-region",
                        u.path.clone(),
                        format!("{:?} is not an AWS region name", u.region),
                    )
                    .with_hint("give `AwsRole::new` a region such as \"eu-west-1\""),
                );
                continue;
            }
            let scope = Scope {
                region: &u.region,
                path: &u.path,
            };
            accesses.extend(policy::access(&u.usage, &scope, &mut names));
        }
        let path = Path::root()
            .field("aws-access")
            .field("role")
            .field(role.variable.as_str());
        for grant in &role.grants {
            let scope = Scope {
                region: "${AWS::Region}",
                path: &path,
            };
            accesses.extend(policy::access(grant, &scope, &mut names));
        }
        let mut statements = policy::statements(accesses);
        let chained = chain::targets(access, &role.variable, usages);
        if !chained.is_empty() {
            statements.push(chain::policy_statement(&chained));
        }
        let policies = if statements.is_empty() {
            Vec::new()
        } else {
            vec![inline("grants", statements)]
        };
        let description = format!("Assumed by the pipeline jobs that read {}", role.variable);
        role_resources.push((
            logical_id(role),
            role_resource(&role.name, trust, policies, &description),
        ));
        outputs.insert(
            logical_id(role),
            map([
                ("Description", s(format!("Value of {}", role.variable))),
                (
                    "Value",
                    map([("Fn::GetAtt", strings(&[logical_id(role).as_str(), "Arn"]))]),
                ),
            ]),
        );
    }
    if needs_github {
        resources.insert(
            "GithubOidcProvider",
            map([
                ("Type", s("AWS::IAM::OIDCProvider")),
                (
                    "Properties",
                    map([
                        ("Url", s(format!("https://{GITHUB_ISSUER}"))),
                        ("ClientIdList", strings(&["sts.amazonaws.com"])),
                    ]),
                ),
            ]),
        );
    }
    if needs_gitlab {
        resources.insert(
            "GitlabOidcProvider",
            map([
                ("Type", s("AWS::IAM::OIDCProvider")),
                (
                    "Properties",
                    map([
                        ("Url", s(access.gitlab_url.as_str())),
                        ("ClientIdList", strings(&[access.gitlab_audience.as_str()])),
                    ]),
                ),
            ]),
        );
    }
    for (id, resource) in role_resources {
        resources.insert(id, resource);
    }
    if access.targets("codepipeline") && access.codepipeline_account.as_deref() == Some(account) {
        let mut names = Names {
            params: &mut params,
            diagnostics: &mut *diagnostics,
        };
        let mut accesses = Vec::new();
        for u in role_uses.iter().filter(|u| u.role.is_none()) {
            let scope = Scope {
                region: &u.region,
                path: &u.path,
            };
            accesses.extend(policy::access(&u.usage, &scope, &mut names));
        }
        service_roles(access, pipelines, usages, policy::statements(accesses), &mut resources);
    }
    let break_glass: Vec<String> = roles
        .iter()
        .filter(|r| usages.iter().any(|u| u.break_glass && u.chain.contains(&r.variable)))
        .map(|r| r.arn())
        .collect();
    let mut sources: Vec<&str> = Vec::new();
    for role in &roles {
        let derived = role_uses
            .iter()
            .filter(|u| u.role.as_deref() == Some(role.variable.as_str()))
            .map(|u| &u.usage);
        for source in role.grants.iter().chain(derived).filter_map(policy::event_source) {
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
    }
    if !break_glass.is_empty() || !sources.is_empty() {
        alerts_topic(access, &mut resources);
        outputs.insert(
            "AlertsTopic",
            map([
                ("Description", s("Subscribe the on-call to this topic")),
                ("Value", map([("Ref", s("AlertsTopic"))])),
            ]),
        );
    }
    if !break_glass.is_empty() {
        let detail = map([
            ("eventSource", strings(&["sts.amazonaws.com"])),
            ("eventName", strings(&["AssumeRole", "AssumeRoleWithWebIdentity"])),
            ("requestParameters", map([("roleArn", strings(&break_glass))])),
        ]);
        resources.insert(
            "BreakGlassAlert",
            rule(
                "Notifies the alerts topic whenever the break-glass role is assumed",
                map([
                    ("source", strings(&["aws.sts"])),
                    ("detail-type", strings(&["AWS API Call via CloudTrail"])),
                    ("detail", detail),
                ]),
            ),
        );
    }
    if !sources.is_empty() {
        let pipeline_sessions: Vec<String> = roles
            .iter()
            .map(|r| format!("arn:aws:sts::{account}:assumed-role/{}/*", r.name))
            .collect();
        let detail = map([
            ("readOnly", seq([Value::Bool(false)])),
            (
                "userIdentity",
                map([(
                    "arn",
                    seq([map([(
                        "anything-but",
                        map([("wildcard", strings(&pipeline_sessions))]),
                    )])]),
                )]),
            ),
        ]);
        resources.insert(
            "DriftAlert",
            rule(
                "Notifies the alerts topic when a principal other than the pipeline roles changes the services the pipelines deploy (a console change)",
                map([
                    ("source", strings(&sources)),
                    ("detail-type", strings(&["AWS API Call via CloudTrail"])),
                    ("detail", detail),
                ]),
            ),
        );
    }
    let mut doc = Map::new();
    doc.insert("AWSTemplateFormatVersion", "2010-09-09");
    doc.insert(
        "Description",
        format!(
            "{}: least-privilege access of the pipelines to account {account}",
            access.prefix
        ),
    );
    if !params.0.is_empty() {
        let mut parameters = Map::new();
        for (name, var) in &params.0 {
            parameters.insert(
                name.as_str(),
                map([
                    ("Type", s("String")),
                    (
                        "Description",
                        s(format!("The value of the pipelines' configuration variable {var}")),
                    ),
                    ("AllowedPattern", s(policy::PARAMETER_PATTERN)),
                ]),
            );
        }
        doc.insert("Parameters", parameters);
    }
    doc.insert("Resources", resources);
    if !outputs.is_empty() {
        doc.insert("Outputs", outputs);
    }
    let mut out = header.comment("# ");
    out.push('\n');
    out.push_str(&to_string(&Value::Map(doc)).expect("a template serializes"));
    out
}
