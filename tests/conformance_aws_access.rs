//! Conformance of the cloud side (`aws-access/*.template.yml` of the example service, as
//! committed): cfn-lint with zero errors, warnings and informational findings; checkov's
//! CloudFormation checks with zero failures; parliament (the IAM policy linter, community
//! auditors included) with zero findings on every inline policy (five exceptions, each justified
//! in `EXCEPTIONS`), read back from the templates with `Fn::Sub` resolved for the template's
//! account. Negative controls (`tests/conformance/selftest.sh`) prove each tool flags a
//! known-bad input.

use std::fs;
use std::path::{Path, PathBuf};

use pipeline_tests::readback::to_json;
use pipeline_tests::tools::{self, output};
use pipeline_tests::{TempDir, workspace_root};
use saphyr::{LoadableYamlNode, YamlOwned};
use serde_json::Value;

fn templates() -> Vec<PathBuf> {
    let dir = workspace_root().join("examples/service/aws-access");
    let mut out: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("as generated")
        .map(|e| e.expect("as generated").path())
        .filter(|p| p.to_string_lossy().ends_with(".template.yml"))
        .collect();
    out.sort();
    assert!(out.len() >= 2, "expected a template per account in {}", dir.display());
    out
}

#[test]
fn cfn_lint_reports_nothing() {
    let Some(mut cmd) = tools::command("cfn-lint") else {
        return;
    };
    cmd.args(["--include-checks", "I", "--"]).args(templates());
    let out = output(cmd);
    assert_eq!(out.code, 0, "cfn-lint findings:\n{}", out.text());
}

#[test]
fn checkov_reports_nothing() {
    let Some(mut cmd) = tools::command("checkov") else {
        return;
    };
    // Offline: no guideline download, no platform mapping.
    cmd.env("BC_SKIP_MAPPING", "TRUE").args([
        "--framework",
        "cloudformation",
        "--skip-download",
        "--compact",
        "--quiet",
        "-o",
        "json",
    ]);
    for t in templates() {
        cmd.arg("-f").arg(t);
    }
    let out = output(cmd);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("checkov output: {e}\n{}", out.text()));
    let summary = &report["summary"];
    assert!(
        summary["passed"].as_u64().unwrap_or(0) > 50,
        "checkov ran too few checks: {summary}"
    );
    assert_eq!(summary["failed"], 0, "checkov findings:\n{}", out.text());
    assert_eq!(out.code, 0, "{}", out.text());
}

/// A value for each template parameter (`${VarX}`: a configuration variable's value), as a
/// deployer would give it: an ARN for the variables that hold one, a name otherwise.
fn parameter(name: &str, account: &str) -> String {
    if name.ends_with("RoleArn") {
        format!("arn:aws:iam::{account}:role/sample")
    } else {
        "sample-1".to_owned()
    }
}

/// `Fn::Sub` strings resolved for `account` in eu-west-1 (template parameters with
/// [`parameter`]), other values as they are.
fn resolve(value: &Value, account: &str) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("Fn::Sub") => {
            let mut text = map["Fn::Sub"]
                .as_str()
                .expect("as generated")
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::Region}", "eu-west-1")
                .replace("${AWS::AccountId}", account);
            while let Some(start) = text.find("${") {
                let end = start + text[start..].find('}').expect("a closed parameter");
                let value = parameter(&text[start + 2..end], account);
                text.replace_range(start..=end, &value);
            }
            Value::String(text)
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(v, account))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(v, account)).collect()),
        other => other.clone(),
    }
}

fn policies(path: &Path) -> Vec<(String, Value)> {
    let account = path
        .file_name()
        .expect("as generated")
        .to_string_lossy()
        .replace(".template.yml", "");
    let docs = YamlOwned::load_from_str(&fs::read_to_string(path).expect("as generated")).expect("as generated");
    let doc = to_json(&docs[0]);
    let mut out = Vec::new();
    for (id, r) in doc["Resources"].as_object().expect("as generated") {
        for p in r["Properties"]["Policies"].as_array().into_iter().flatten() {
            out.push((
                format!("{account}-{id}-{}", p["PolicyName"].as_str().expect("as generated")),
                resolve(&p["PolicyDocument"], &account),
            ));
        }
    }
    out
}

/// parliament findings accepted, each with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "'type': 'EditExistingLambdaFunctionWithRole', 'actions': ['lambda:updatefunctioncode']",
        "a deploy role exists to update its Lambda functions' code; the grant names the functions (never `*`), \
         and only the jobs under their environment can assume the role",
    ),
    (
        "Credentials exposure - Policy grants access to API calls that can return credentials to the user -  - {'actions': ['sts:assumerole']",
        "the CodeBuild service role assumes the pipeline roles (CodePipeline's only way to OIDC-less role \
         assumption); the statement names those roles' ARNs, never `*`",
    ),
    (
        "Credentials exposure - Policy grants access to API calls that can return credentials to the user -  - {'actions': ['ecr:getauthorizationtoken']",
        "pushing an image needs a registry login token; IAM authorizes it only on `*`, and the token \
         only works with the push actions, which the grant scopes to one repository",
    ),
    (
        "Permissions management actions - Allows the principal to modify IAM, RAM, identity-based policies, or resource based policies. -  - {'actions': ['iam:passrole']",
        "an AppConfig release whose rollback alarm is read with a role of its own (`rollback_alarm_role`) \
         passes that role to AppConfig (`update-environment --monitors`); the statement names that one \
         role and allows passing it only to appconfig.amazonaws.com (`iam:PassedToService`)",
    ),
    (
        "No resources match for the given action -  - [{'action': 'bedrock:InvokeModel',",
        "a false positive: foundation-model ARNs have an empty account field \
         (`arn:aws:bedrock:REGION::foundation-model/ID`, the format parliament's own database lists), \
         which parliament 1.6 fails to match; the release-notes role names one model family",
    ),
];

#[test]
fn parliament_reports_nothing() {
    let Some(bin) = tools::require("parliament") else {
        return;
    };
    let dir = TempDir::new("parliament");
    let mut count = 0;
    for t in templates() {
        for (name, policy) in policies(&t) {
            let text = serde_json::to_string_pretty(&policy).expect("as generated");
            fs::write(dir.path().join(format!("{name}.json")), &text).expect("as generated");
            let mut cmd = std::process::Command::new(&bin);
            cmd.arg("--include-community-auditors").arg("--string").arg(&text);
            let out = output(cmd);
            let findings: Vec<&str> = out
                .stdout
                .lines()
                .filter(|l| !l.trim().is_empty())
                .filter(|l| !EXCEPTIONS.iter().any(|(finding, _)| l.contains(finding)))
                .collect();
            assert!(findings.is_empty(), "parliament findings on {name}:\n{}", out.text());
            assert!(
                out.code == 0 || !out.stdout.trim().is_empty(),
                "parliament failed on {name}:\n{}",
                out.text()
            );
            count += 1;
        }
    }
    assert!(count >= 8, "expected the roles' inline policies, found {count}");
}
