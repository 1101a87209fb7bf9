//! The cloud side admits exactly the jobs that assume each role: this test reads the example
//! service's generated pipelines of every backend (GitHub workflows, GitLab CI files,
//! CodePipeline templates), derives the credentials each role-assuming job presents (GitHub's
//! `sub` claim `repo:OWNER/REPO:environment:NAME` or `repo:OWNER/REPO:ref:REF`, GitLab's
//! `project_path:P:ref_type:branch|tag:ref:NAME`, CodeBuild's service role), and evaluates them
//! against the generated trust policies (`aws-access/*.template.yml`) with IAM's `StringEquals`
//! and `StringLike` semantics. Every job matches exactly its role; a pull-request run, a fork,
//! another branch and another repository match none.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use pipeline_tests::readback::to_json;
use pipeline_tests::workspace_root;
use saphyr::{LoadableYamlNode, YamlOwned};
use serde_json::Value;

const REPO: &str = "acme/payments-api";
const PROJECT: &str = "acme/payments/payments-api";

fn load(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = YamlOwned::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    to_json(&docs[0])
}

fn files(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("as generated").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// What a caller presents to STS.
#[derive(Clone, Debug)]
enum Caller {
    /// A web identity: the issuer host and its claims.
    Web(String, Vec<(String, String)>),
    /// An AWS principal (a role ARN) calling `sts:AssumeRole`.
    Aws(String),
}

/// IAM `StringLike`: `*` any run of characters, `?` one character.
fn like(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.first() {
            None => v.is_empty(),
            Some('*') => (0..=v.len()).any(|i| go(&p[1..], &v[i..])),
            Some('?') => !v.is_empty() && go(&p[1..], &v[1..]),
            Some(c) => v.first() == Some(c) && go(&p[1..], &v[1..]),
        }
    }
    go(&pattern.chars().collect::<Vec<_>>(), &value.chars().collect::<Vec<_>>())
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// One role of a template: its name, its account, the variable it serves and its trust.
struct Role {
    variable: String,
    arn: String,
    trust: Vec<Value>,
    /// Logical id of a provider -> its issuer host.
    providers: Vec<(String, String)>,
}

impl Role {
    /// Whether the trust policy allows `caller` (IAM: any Allow statement whose principal,
    /// action and every condition match; no statement here denies).
    fn admits(&self, caller: &Caller) -> bool {
        self.trust.iter().any(|st| {
            if st["Effect"] != "Allow" {
                return false;
            }
            let principal = &st["Principal"];
            let (ok, context): (bool, Vec<(String, String)>) = match caller {
                Caller::Aws(arn) => (
                    st["Action"] == "sts:AssumeRole" && as_list(&principal["AWS"]).contains(arn),
                    Vec::new(),
                ),
                Caller::Web(issuer, claims) => {
                    let provider = principal["Federated"]["Ref"].as_str().unwrap_or_default();
                    let host = self
                        .providers
                        .iter()
                        .find(|(id, _)| id == provider)
                        .map(|(_, h)| h.as_str());
                    (
                        st["Action"] == "sts:AssumeRoleWithWebIdentity" && host == Some(issuer.as_str()),
                        claims
                            .iter()
                            .map(|(k, v)| (format!("{issuer}:{k}"), v.clone()))
                            .collect(),
                    )
                }
            };
            if !ok {
                return false;
            }
            let Some(conditions) = st.get("Condition").and_then(Value::as_object) else {
                return true;
            };
            conditions.iter().all(|(operator, keys)| {
                keys.as_object().expect("as generated").iter().all(|(key, allowed)| {
                    let Some((_, value)) = context.iter().find(|(k, _)| k == key) else {
                        return false; // a missing key fails StringEquals and StringLike
                    };
                    as_list(allowed).iter().any(|a| match operator.as_str() {
                        "StringEquals" => a == value,
                        "StringLike" => like(a, value),
                        other => panic!("unexpected condition operator {other}"),
                    })
                })
            })
        })
    }
}

fn roles(root: &Path) -> Vec<Role> {
    let mut out = Vec::new();
    for path in files(&root.join("aws-access"), ".template.yml") {
        let account = path
            .file_name()
            .expect("as generated")
            .to_string_lossy()
            .replace(".template.yml", "");
        let doc = load(&path);
        let resources = doc["Resources"].as_object().expect("as generated");
        let providers: Vec<(String, String)> = resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::IAM::OIDCProvider")
            .map(|(id, r)| {
                (
                    id.clone(),
                    r["Properties"]["Url"]
                        .as_str()
                        .expect("as generated")
                        .trim_start_matches("https://")
                        .to_owned(),
                )
            })
            .collect();
        for (_, r) in resources.iter().filter(|(_, r)| r["Type"] == "AWS::IAM::Role") {
            let props = &r["Properties"];
            let description = props["Description"].as_str().expect("as generated");
            let variable = description
                .strip_prefix("Assumed by the pipeline jobs that read ")
                .unwrap_or(description)
                .to_owned();
            out.push(Role {
                variable,
                arn: format!(
                    "arn:aws:iam::{account}:role/{}",
                    props["RoleName"].as_str().expect("as generated")
                ),
                trust: props["AssumeRolePolicyDocument"]["Statement"]
                    .as_array()
                    .expect("as generated")
                    .clone(),
                providers: providers.clone(),
            });
        }
    }
    assert!(out.len() >= 5, "expected the example's roles, found {}", out.len());
    out
}

/// The roles admitting `caller`, by variable.
fn admitted(roles: &[Role], caller: &Caller) -> BTreeSet<String> {
    roles
        .iter()
        .filter(|r| r.admits(caller))
        .map(|r| r.variable.clone())
        .collect()
}

/// An instance of a ref pattern (`v*` -> `v1.2.3`).
fn instance(pattern: &str) -> String {
    pattern.replace("**", "x").replace('*', "1.2.3")
}

fn github(sub: &str) -> Caller {
    Caller::Web(
        "token.actions.githubusercontent.com".into(),
        vec![("aud".into(), "sts.amazonaws.com".into()), ("sub".into(), sub.into())],
    )
}

fn gitlab(sub: &str) -> Caller {
    Caller::Web(
        "gitlab.com".into(),
        vec![("aud".into(), "sts.amazonaws.com".into()), ("sub".into(), sub.into())],
    )
}

/// (job, role variable, subjects) of every GitHub job that assumes a role.
fn github_jobs(root: &Path) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for path in files(&root.join(".github/workflows"), ".yml") {
        let wf = load(&path);
        let on = &wf["on"];
        let mut refs = Vec::new();
        for b in as_list(&on["push"]["branches"]) {
            refs.push(format!("refs/heads/{}", instance(&b)));
        }
        for t in as_list(&on["push"]["tags"]) {
            refs.push(format!("refs/tags/{}", instance(&t)));
        }
        if on.get("schedule").is_some() || on.get("workflow_dispatch").is_some() {
            refs.push("refs/heads/main".into());
        }
        for (id, job) in wf["jobs"].as_object().expect("as generated") {
            let Some(step) = job["steps"].as_array().and_then(|steps| {
                steps.iter().find(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
                })
            }) else {
                continue;
            };
            let var = step["with"]["role-to-assume"].as_str().expect("as generated");
            let var = var.trim_start_matches("${{ vars.").trim_end_matches(" }}").to_owned();
            let environment = job["environment"]["name"].as_str().or(job["environment"].as_str());
            let workflow = path.file_name().expect("as generated").to_string_lossy();
            // The repository's subject template: repo, context, job_workflow_ref.
            let subjects = refs
                .iter()
                .map(|r| {
                    let context = match environment {
                        Some(env) => format!("environment:{env}"),
                        None => format!("ref:{r}"),
                    };
                    format!("repo:{REPO}:{context}:job_workflow_ref:{REPO}/.github/workflows/{workflow}@{r}")
                })
                .collect::<Vec<_>>();
            assert!(!subjects.is_empty(), "{}: job {id} presents no subject", path.display());
            out.push((format!("{}:{id}", path.display()), var, subjects));
        }
    }
    out
}

/// (job, role variable, subjects) of every GitLab job that assumes a role, its refs read from the
/// root file's `include` rules.
fn gitlab_jobs(root: &Path) -> Vec<(String, String, Vec<String>)> {
    let top = load(&root.join(".gitlab-ci.yml"));
    let mut out = Vec::new();
    for include in top["include"].as_array().expect("as generated") {
        let local = include["local"].as_str().expect("as generated");
        let mut refs = Vec::new();
        for rule in include["rules"].as_array().into_iter().flatten() {
            let cond = rule["if"].as_str().unwrap_or_default();
            if let Some(b) = cond.split("$CI_COMMIT_BRANCH == \"").nth(1) {
                refs.push(format!(
                    "ref_type:branch:ref:{}",
                    b.split('"').next().expect("as generated")
                ));
            } else if let Some(t) = cond.split("$CI_COMMIT_TAG =~ /^").nth(1) {
                let pattern = t.trim_end_matches("$/").replace("[^\\/]*", "1.2.3");
                refs.push(format!("ref_type:tag:ref:{pattern}"));
            } else if cond.contains("\"schedule\"") || cond.contains("\"web\"") {
                refs.push("ref_type:branch:ref:main".into());
            }
        }
        let path = root.join(local.trim_start_matches("examples/service/"));
        let file = load(&path);
        for (id, job) in file.as_object().expect("as generated") {
            // The ID token for AWS (others, such as `sigstore` for signing, assume no role).
            let Some(audience) = job["id_tokens"]["AWS_ID_TOKEN"]["aud"].as_str() else {
                continue;
            };
            assert_eq!(audience, "sts.amazonaws.com", "{local}: job {id}");
            let script = job["script"].to_string();
            let var = script
                .split("--role-arn \\\"${")
                .nth(1)
                .and_then(|s| s.split('}').next())
                .unwrap_or_else(|| panic!("{local}: job {id} has an ID token but no role"))
                .to_owned();
            let subjects = refs.iter().map(|r| format!("project_path:{PROJECT}:{r}")).collect();
            out.push((format!("{local}:{id}"), var, subjects));
        }
    }
    out
}

/// Every job's subject is admitted by exactly the roles of the jobs that present that same
/// subject, its own included: exactly its role, unless two jobs present identical credentials
/// (GitHub: jobs of one workflow without environments on one ref, the named warning
/// `aws-access-shared-subject`; GitLab: jobs of the project on one ref,
/// `aws-access-gitlab-environment`).
fn check_jobs(platform: &str, jobs: &[(String, String, Vec<String>)], caller: fn(&str) -> Caller) -> usize {
    let roles = roles(&workspace_root().join("examples/service"));
    assert!(
        jobs.len() >= 10,
        "{platform}: expected the example's role-assuming jobs, found {}",
        jobs.len()
    );
    let mut by_subject: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for (_, var, subjects) in jobs {
        for sub in subjects {
            by_subject.entry(sub.clone()).or_default().insert(var.clone());
        }
    }
    let mut exact = 0;
    for (job, var, subjects) in jobs {
        assert!(!subjects.is_empty(), "{platform} job {job} presents no subject");
        for sub in subjects {
            let got = admitted(&roles, &caller(sub));
            assert!(
                got.contains(var),
                "{platform} job {job} presenting {sub:?} is not admitted by {var}: {got:?}"
            );
            assert_eq!(&got, &by_subject[sub], "{platform} job {job} presenting {sub:?}");
            exact += usize::from(got.len() == 1);
        }
    }
    exact
}

#[test]
fn every_github_job_matches_exactly_its_role() {
    let jobs = github_jobs(&workspace_root().join("examples/service"));
    let exact = check_jobs("github", &jobs, github);
    // Environments and workflows separate most jobs: only the two jobs of workflow `worker` on
    // `main` without an environment (image push, task definition) share a subject.
    let shared: Vec<_> = jobs
        .iter()
        .filter(|(job, ..)| {
            job.ends_with("worker.yml:image")
                || job.ends_with("worker.yml:task-definition")
                || job.ends_with("worker.yml:smoke-test")
        })
        .collect();
    assert!(
        exact >= jobs.len() - shared.len(),
        "{exact} of {} jobs matched exactly one role",
        jobs.len()
    );
    // Every job under an environment matches exactly its role.
    let envs = jobs
        .iter()
        .filter(|(_, _, subjects)| subjects.iter().all(|s| s.contains(":environment:")));
    let roles = roles(&workspace_root().join("examples/service"));
    for (job, var, subjects) in envs {
        for sub in subjects {
            assert_eq!(
                admitted(&roles, &github(sub)),
                BTreeSet::from([var.clone()]),
                "job {job} presenting {sub:?}"
            );
        }
    }
}

#[test]
fn every_gitlab_job_matches_exactly_the_roles_of_its_subject() {
    check_jobs(
        "gitlab",
        &gitlab_jobs(&workspace_root().join("examples/service")),
        gitlab,
    );
}

#[test]
fn pull_requests_forks_other_branches_and_repositories_match_no_role() {
    let root = workspace_root().join("examples/service");
    let roles = roles(&root);
    let strangers = [
        github(&format!(
            "repo:{REPO}:pull_request:job_workflow_ref:{REPO}/.github/workflows/delivery.yml@refs/pull/7/merge"
        )),
        github(
            "repo:mallory/payments-api:ref:refs/heads/main:job_workflow_ref:mallory/payments-api/.github/workflows/infra-drift.yml@refs/heads/main",
        ),
        github(&format!(
            "repo:mallory/payments-api:environment:production:job_workflow_ref:{REPO}/.github/workflows/delivery.yml@refs/heads/main"
        )),
        github(&format!(
            "repo:{REPO}:ref:refs/heads/feature:job_workflow_ref:{REPO}/.github/workflows/infra-drift.yml@refs/heads/feature"
        )),
        github(&format!(
            "repo:{REPO}:environment:production:job_workflow_ref:{REPO}/.github/workflows/delivery.yml@refs/heads/feature"
        )),
        github(&format!(
            "repo:{REPO}:environment:production:job_workflow_ref:{REPO}/.github/workflows/nightly.yml@refs/heads/main"
        )),
        github(&format!("repo:{REPO}:environment:production")),
        github(&format!("repo:{REPO}:ref:refs/heads/main")),
        github(
            "repo:acme/other-service:environment:production:job_workflow_ref:acme/other-service/.github/workflows/delivery.yml@refs/heads/main",
        ),
        gitlab("project_path:mallory/payments-api:ref_type:branch:ref:main"),
        gitlab(&format!("project_path:{PROJECT}:ref_type:branch:ref:feature")),
        gitlab("project_path:acme/payments/other:ref_type:branch:ref:main"),
        gitlab(&format!("project_path:{PROJECT}-fork:ref_type:branch:ref:main")),
        Caller::Aws("arn:aws:iam::333333333333:role/payments-api-codebuild".into()),
        Caller::Aws("arn:aws:iam::222222222222:role/someone-else".into()),
    ];
    for caller in &strangers {
        assert_eq!(
            admitted(&roles, caller),
            BTreeSet::new(),
            "{caller:?} must match no role"
        );
    }
    // The wrong audience fails even with the right subject.
    let wrong_audience = Caller::Web(
        "token.actions.githubusercontent.com".into(),
        vec![
            ("aud".into(), "other".into()),
            ("sub".into(), format!("repo:{REPO}:environment:production")),
        ],
    );
    assert_eq!(admitted(&roles, &wrong_audience), BTreeSet::new());
}

/// CodeBuild jobs present their project's service role: it is admitted by exactly the roles the
/// CodePipeline jobs assume (all CodeBuild projects share one service role: the named warning
/// `aws-access-codebuild-pull-request` says so).
#[test]
fn codebuild_service_role_is_admitted_by_exactly_the_roles_codepipeline_jobs_assume() {
    let root = workspace_root().join("examples/service");
    let roles = roles(&root);
    let mut assumed = BTreeSet::new();
    for path in files(&root.join("codepipeline"), ".template.yml") {
        let doc = load(&path);
        for (_, r) in doc["Resources"]
            .as_object()
            .expect("as generated")
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::CodeBuild::Project")
        {
            assert_eq!(
                r["Properties"]["ServiceRole"]["Ref"],
                "CodeBuildRoleArn",
                "{}",
                path.display()
            );
            for var in r["Properties"]["Environment"]["EnvironmentVariables"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let Some(param) = var["Value"]["Ref"].as_str() else {
                    continue;
                };
                if let Some(role) = roles.iter().find(|role| {
                    let camel: String = role
                        .variable
                        .split('_')
                        .map(|w| w[..1].to_owned() + &w[1..].to_lowercase())
                        .collect();
                    camel == param
                }) {
                    assumed.insert(role.variable.clone());
                }
            }
        }
    }
    assert!(assumed.len() >= 5, "{assumed:?}");
    let codebuild = Caller::Aws("arn:aws:iam::222222222222:role/payments-api-codebuild".into());
    assert_eq!(admitted(&roles, &codebuild), assumed);
    assert!(roles.iter().any(|r| r.arn.ends_with(":role/payments-api-codebuild")));
}

#[test]
fn the_evaluator_follows_iam_string_like() {
    assert!(like("refs/tags/v*", "refs/tags/v1.2.3"));
    assert!(like("a?c", "abc"));
    assert!(!like("a?c", "ac"));
    assert!(!like("refs/heads/main", "refs/heads/main2"));
    assert!(like("*", ""));
}
