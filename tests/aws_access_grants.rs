//! The permissions of the cloud side are derived from what the steps do: this test reads the
//! example service's generated GitHub workflows, follows which role each step runs with (the
//! latest `configure-aws-credentials` of its job), finds every AWS CLI call of its script,
//! translates it to the IAM action it needs, and checks the role's generated policy
//! (`aws-access/*.template.yml`) allows that action, on the named Lambda function when the call
//! names one. A call the policy does not allow, or a call made with no role, fails the test;
//! the drift role may only read.

use std::fs;

use pipeline_tests::aws_access::{files, load};
use pipeline_tests::workspace_root;
use serde_json::Value;

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(as_list).collect(),
        Value::Object(m) if m.contains_key("Fn::Sub") => as_list(&m["Fn::Sub"]),
        _ => Vec::new(),
    }
}

/// A role of the templates: the variable the jobs read it from, and its policy's statements as
/// (actions, resources).
struct Role {
    variable: String,
    statements: Vec<(Vec<String>, Vec<String>)>,
}

fn roles() -> Vec<Role> {
    let mut out = Vec::new();
    for path in files(&workspace_root().join("examples/service/aws-access"), ".template.yml") {
        let doc = load(&path);
        for resource in doc["Resources"].as_object().expect("as generated").values() {
            if resource["Type"] != "AWS::IAM::Role" {
                continue;
            }
            let description = resource["Properties"]["Description"].as_str().unwrap_or_default();
            let Some(variable) = description.strip_prefix("Assumed by the pipeline jobs that read ") else {
                continue;
            };
            let mut statements = Vec::new();
            for policy in resource["Properties"]["Policies"].as_array().into_iter().flatten() {
                for s in policy["PolicyDocument"]["Statement"].as_array().expect("as generated") {
                    assert_eq!(s["Effect"], "Allow", "{s}");
                    statements.push((as_list(&s["Action"]), as_list(&s["Resource"])));
                }
            }
            out.push(Role {
                variable: variable.to_owned(),
                statements,
            });
        }
    }
    assert!(out.len() >= 8, "expected the example's roles, found {}", out.len());
    out
}

/// The IAM action an AWS CLI call needs (`lambda update-alias` -> `lambda:UpdateAlias`).
fn action(service: &str, command: &str) -> Option<String> {
    let special = match (service, command) {
        ("sts", _) => return None,
        ("s3", "cp") => "s3:PutObject",
        ("lambda", "wait") => "lambda:GetFunction",
        ("lambda", "invoke") => "lambda:InvokeFunction",
        ("deploy", "wait") => "codedeploy:GetDeployment",
        ("bedrock-runtime", "converse") => "bedrock:InvokeModel",
        ("ecr", "get-login-password") => "ecr:GetAuthorizationToken",
        _ => "",
    };
    if !special.is_empty() {
        return Some(special.to_owned());
    }
    let prefix = match service {
        "deploy" => "codedeploy",
        other => other,
    };
    let camel: String = command
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    Some(format!("{prefix}:{camel}"))
}

/// Every `aws SERVICE COMMAND` of a script, with the literal `--function-name` when it names one.
fn calls(script: &str) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for line in script.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '(' || c == '"')
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            let (Some(service), Some(command)) = (words.get(i + 1), words.get(i + 2)) else {
                continue;
            };
            let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            if *w != "aws" || !word(service) || !word(command) {
                continue;
            }
            let function = words[i..]
                .windows(2)
                .find(|p| p[0] == "--function-name")
                .map(|p| p[1].to_owned())
                .filter(|f| !f.starts_with('$'));
            out.push(((*service).to_owned(), (*command).to_owned(), function));
        }
    }
    out
}

/// Whether `role` allows `action` (on function `function`, when given).
fn allows(role: &Role, action: &str, function: Option<&str>) -> bool {
    role.statements.iter().any(|(actions, resources)| {
        actions.iter().any(|a| a.eq_ignore_ascii_case(action))
            && match function {
                None => true,
                Some(f) => resources.iter().any(|r| {
                    r == "*" || r.ends_with(&format!(":function:{f}")) || r.ends_with(&format!(":function:{f}:*"))
                }),
            }
    })
}

#[test]
fn every_aws_call_of_a_github_job_is_allowed_by_the_role_it_runs_with() {
    let roles = roles();
    let dir = workspace_root().join("examples/service/.github/workflows");
    let mut checked = 0;
    let mut problems = Vec::new();
    for path in files(&dir, ".yml") {
        let doc = load(&path);
        let workflow = path.file_name().expect("a file").to_string_lossy().into_owned();
        for (job, body) in doc["jobs"].as_object().expect("as generated") {
            let mut current: Option<String> = None;
            for step in body["steps"].as_array().into_iter().flatten() {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses.starts_with("aws-actions/configure-aws-credentials@") {
                    let arn = step["with"]["role-to-assume"].as_str().expect("a role");
                    let variable = arn.trim_start_matches("${{ vars.").trim_end_matches(" }}").to_owned();
                    current = Some(variable);
                    continue;
                }
                let Some(script) = step["run"].as_str() else { continue };
                for (service, command, function) in calls(script) {
                    let Some(action) = action(&service, &command) else {
                        continue;
                    };
                    let place = format!("{workflow} job {job}: aws {service} {command}");
                    let Some(variable) = &current else {
                        problems.push(format!("{place} runs with no role"));
                        continue;
                    };
                    let Some(role) = roles.iter().find(|r| &r.variable == variable) else {
                        problems.push(format!("{place}: no template declares role {variable}"));
                        continue;
                    };
                    if !allows(role, &action, function.as_deref()) {
                        problems.push(format!(
                            "{place} needs {action}{} which role {variable} does not allow",
                            function.map(|f| format!(" on function {f}")).unwrap_or_default()
                        ));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked >= 50, "expected the example's AWS calls, checked {checked}");
}

#[test]
fn the_drift_role_only_reads() {
    let roles = roles();
    let drift = roles
        .iter()
        .find(|r| r.variable == "DRIFT_ROLE_ARN")
        .expect("the drift role");
    let actions: Vec<&String> = drift.statements.iter().flat_map(|(a, _)| a).collect();
    assert!(!actions.is_empty(), "the drift role may detect drift");
    for a in actions {
        let name = a.split(':').nth(1).unwrap_or_default();
        assert!(
            ["Describe", "Detect", "Get", "List"]
                .iter()
                .any(|p| name.starts_with(p)),
            "the drift role may {a}"
        );
    }
}

#[test]
fn the_cli_translation_is_iam_naming() {
    assert_eq!(action("lambda", "update-alias").as_deref(), Some("lambda:UpdateAlias"));
    assert_eq!(
        action("deploy", "create-deployment").as_deref(),
        Some("codedeploy:CreateDeployment")
    );
    assert_eq!(action("sts", "assume-role"), None);
    let found =
        calls("v=\"$(aws lambda publish-version --function-name api --query Version)\"\ncommand -v aws > /dev/null");
    assert_eq!(
        found,
        [(
            "lambda".to_owned(),
            "publish-version".to_owned(),
            Some("api".to_owned())
        )]
    );
}

/// Every KMS key a CodeBuild project signs with (`cosign ... --key awskms:///alias/..` in the
/// generated CodePipeline templates, before any role is assumed) is allowed to the CodeBuild
/// service role, only when the call names that alias.
#[test]
fn the_codebuild_service_role_may_sign_with_the_keys_the_builds_use() {
    let root = workspace_root().join("examples/service");
    let mut keys = Vec::new();
    for path in files(&root.join("codepipeline"), ".template.yml") {
        let text = fs::read_to_string(&path).expect("as generated");
        for (i, _) in text.match_indices("--key awskms:///") {
            let rest = &text[i + "--key awskms:///".len()..];
            let key: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
                .collect();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    assert!(!keys.is_empty(), "the example signs on CodeBuild with a KMS key");
    let doc = load(&root.join("aws-access/222222222222.template.yml"));
    let statements =
        doc["Resources"]["CodeBuildServiceRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .expect("as generated")
            .clone();
    for key in keys {
        let signs = statements.iter().any(|s| {
            as_list(&s["Action"]).contains(&"kms:Sign".to_owned())
                && s["Condition"]["StringEquals"]["kms:RequestAlias"] == key.as_str()
        });
        assert!(
            signs,
            "the CodeBuild service role may not sign with {key}: {statements:?}"
        );
    }
}
