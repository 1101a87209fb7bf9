//! The cloud side admits exactly the jobs that assume each role: this test reads the example
//! service's generated pipelines of every backend (GitHub workflows, GitLab CI files,
//! CodePipeline templates), derives the credentials each role-assuming job presents (GitHub's
//! `sub` claim `repo:OWNER/REPO:environment:NAME` or `repo:OWNER/REPO:ref:REF`, GitLab's
//! `project_path:P:ref_type:branch|tag:ref:NAME`, CodeBuild's service role), and evaluates them
//! against the generated trust policies (`aws-access/*.template.yml`) with IAM's `StringEquals`
//! and `StringLike` semantics. Every job matches exactly its role; a pull-request run, a fork,
//! another branch and another repository match none.

use std::collections::BTreeSet;
use std::path::Path;

use pipeline_tests::aws_access::{files, load};
use pipeline_tests::readback::to_json;
use pipeline_tests::workspace_root;
use saphyr::{LoadableYamlNode, YamlOwned};
use serde_json::Value;

const REPO: &str = "acme/payments-api";
const PROJECT: &str = "acme/payments/payments-api";

/// What a caller presents to STS.
#[derive(Clone, Debug)]
enum Caller {
    /// A web identity: the issuer host and its claims.
    Web(String, Vec<(String, String)>),
    /// An AWS principal (a role ARN) calling `sts:AssumeRole`, with the keys of the session tags
    /// it passes (each tag also needs `sts:TagSession`).
    Aws(String, Vec<String>),
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
    /// The statements of its permission policy.
    policy: Vec<Value>,
}

impl Role {
    /// Whether the trust policy allows `caller` (IAM: `sts:AssumeRole`, and `sts:TagSession`
    /// when it passes session tags, or `sts:AssumeRoleWithWebIdentity`, each allowed by an
    /// Allow statement whose principal, action and every condition match; no statement here
    /// denies).
    fn admits(&self, caller: &Caller) -> bool {
        match caller {
            Caller::Aws(_, tags) => {
                self.allows(caller, "sts:AssumeRole") && (tags.is_empty() || self.allows(caller, "sts:TagSession"))
            }
            Caller::Web(..) => self.allows(caller, "sts:AssumeRoleWithWebIdentity"),
        }
    }

    fn allows(&self, caller: &Caller, action: &str) -> bool {
        self.trust.iter().any(|st| {
            if st["Effect"] != "Allow" || !as_list(&st["Action"]).iter().any(|a| a == action) {
                return false;
            }
            let principal = &st["Principal"];
            let (ok, context): (bool, Vec<(String, Vec<String>)>) = match caller {
                Caller::Aws(arn, tags) => (
                    as_list(&principal["AWS"]).contains(arn),
                    vec![("aws:TagKeys".to_owned(), tags.clone())],
                ),
                Caller::Web(issuer, claims) => {
                    let provider = principal["Federated"]["Ref"].as_str().unwrap_or_default();
                    let host = self
                        .providers
                        .iter()
                        .find(|(id, _)| id == provider)
                        .map(|(_, h)| h.as_str());
                    (
                        host == Some(issuer.as_str()),
                        claims
                            .iter()
                            .map(|(k, v)| (format!("{issuer}:{k}"), vec![v.clone()]))
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
                    let allowed = as_list(allowed);
                    let values = context
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                        .filter(|v| !v.is_empty());
                    match (operator.as_str(), values) {
                        // Every value of a multi-valued key is listed; true when there is none.
                        ("ForAllValues:StringEquals", values) => {
                            values.unwrap_or_default().iter().all(|v| allowed.contains(v))
                        }
                        // A missing key fails StringEquals and StringLike.
                        (_, None) => false,
                        ("StringEquals", Some(values)) => values.iter().all(|v| allowed.contains(v)),
                        ("StringLike", Some(values)) => values.iter().all(|v| allowed.iter().any(|a| like(a, v))),
                        (other, _) => panic!("unexpected condition operator {other}"),
                    }
                })
            })
        })
    }
}

fn roles(root: &Path) -> Vec<Role> {
    let templates = files(&root.join("aws-access"), ".template.yml")
        .into_iter()
        .map(|path| {
            let account = path
                .file_name()
                .expect("as generated")
                .to_string_lossy()
                .replace(".template.yml", "");
            (account, load(&path))
        })
        .collect();
    let out = roles_of(templates);
    assert!(out.len() >= 5, "expected the example's roles, found {}", out.len());
    out
}

/// The roles of templates, each with its account.
fn roles_of(templates: Vec<(String, Value)>) -> Vec<Role> {
    let mut out = Vec::new();
    for (account, doc) in templates {
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
                // Built here from what the template says (its account, the role's `RoleName`),
                // not with the library's `AccessRole::arn`: an independent oracle, so that a
                // library ARN naming another account or role than the template creates fails
                // the trust checks below instead of agreeing with itself.
                arn: format!(
                    "arn:aws:iam::{account}:role/{}",
                    props["RoleName"].as_str().expect("as generated")
                ),
                trust: props["AssumeRolePolicyDocument"]["Statement"]
                    .as_array()
                    .expect("as generated")
                    .clone(),
                providers: providers.clone(),
                policy: props["Policies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().cloned().unwrap_or_default())
                    .collect(),
            });
        }
    }
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
        Caller::Aws(
            "arn:aws:iam::333333333333:role/payments-api-codebuild".into(),
            Vec::new(),
        ),
        Caller::Aws("arn:aws:iam::222222222222:role/someone-else".into(), Vec::new()),
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
    let codebuild = Caller::Aws(
        "arn:aws:iam::222222222222:role/payments-api-codebuild".into(),
        Vec::new(),
    );
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

/// The session tag keys `aws-actions/configure-aws-credentials` passes on a chained assumption
/// (`role-chaining: true`) unless `role-skip-session-tagging` is set (its README, "Session
/// tagging"); GitLab's and CodeBuild's `aws sts assume-role` pass none.
///
/// The library's `chain::SESSION_TAG_KEYS` lists the same keys on purpose: this copy is the
/// oracle of what the action sends, written from the action's README, so that a key missing
/// from (or added to) the library's trust fails the test instead of agreeing with itself.
const GITHUB_SESSION_TAGS: [&str; 7] = [
    "GitHub",
    "Repository",
    "Workflow",
    "Action",
    "Actor",
    "Commit",
    "Branch",
];

/// A role assumed from another (a chain, cross-account): the generated GitHub job's chained
/// step, with the session tags it passes, is admitted by the chained role's trust from exactly
/// the source role; the source role may assume exactly the chained role; another principal or
/// another tag key is refused.
#[test]
fn a_chained_role_admits_exactly_its_source_role_with_the_session_tags_passed() {
    use pipeline_backends::aws_access::{AccessRole, AwsAccess};
    use pipeline_core::prelude::*;

    let deploy = Job::new("deploy")
        .environment(Environment::new("production").tier(Tier::Production))
        .step(Step::assume_aws_role(
            AwsRole::new(Expr::var("HUB_ROLE_ARN"), "eu-west-1").chain(Expr::var("TARGET_ROLE_ARN")),
        ))
        .step(Step::script("./deploy.sh").uses_aws(AwsUse::codedeploy("api", "api-production")));
    let pipeline = Pipeline::new("delivery")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::pull_request())
        .job(deploy);
    let access = AwsAccess::new("api")
        .platforms(["github", "gitlab"])
        .github_repository(REPO)
        .gitlab_project(PROJECT)
        .role(AccessRole::new("HUB_ROLE_ARN", "111111111111", "api-hub"))
        .role(AccessRole::new("TARGET_ROLE_ARN", "333333333333", "api-target"));
    let rendered = pipeline_core::Generator::new("chain", ".")
        .backend(pipeline_backends::Github::new())
        .backend(pipeline_backends::Gitlab::new())
        .backend(access)
        .pipeline(pipeline)
        .render(&[])
        .expect("renders");
    let file = |path: &str| -> Value {
        let (_, f) = rendered
            .files
            .iter()
            .find(|(_, f)| f.path.as_str() == path)
            .unwrap_or_else(|| panic!("no {path}"));
        to_json(&YamlOwned::load_from_str(&f.contents).expect("as generated")[0])
    };
    let roles = roles_of(
        ["111111111111", "333333333333"]
            .iter()
            .map(|a| ((*a).to_owned(), file(&format!("aws-access/{a}.template.yml"))))
            .collect(),
    );
    let arn = |var: &str| roles.iter().find(|r| r.variable == var).expect("a role").arn.clone();
    let (hub, target) = (arn("HUB_ROLE_ARN"), arn("TARGET_ROLE_ARN"));

    // The chained step of the GitHub job, and the tags it passes.
    let workflow = file(".github/workflows/delivery.yml");
    let steps: Vec<&Value> = workflow["jobs"]["deploy"]["steps"]
        .as_array()
        .expect("as generated")
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
        })
        .collect();
    assert_eq!(steps.len(), 2, "{workflow}");
    assert_eq!(steps[0]["with"]["role-to-assume"], "${{ vars.HUB_ROLE_ARN }}");
    assert_eq!(steps[1]["with"]["role-to-assume"], "${{ vars.TARGET_ROLE_ARN }}");
    assert_eq!(steps[1]["with"]["role-chaining"], true);
    let tags: Vec<String> = if steps[1]["with"]["role-skip-session-tagging"] == true {
        Vec::new()
    } else {
        GITHUB_SESSION_TAGS.iter().map(|t| (*t).to_owned()).collect()
    };
    assert!(
        !tags.is_empty(),
        "the chained step passes session tags: the trust must allow them"
    );

    let only = |v: &str| BTreeSet::from([v.to_owned()]);
    // GitHub's chained step, and GitLab's `aws sts assume-role` (no tags).
    assert_eq!(
        admitted(&roles, &Caller::Aws(hub.clone(), tags.clone())),
        only("TARGET_ROLE_ARN")
    );
    assert_eq!(
        admitted(&roles, &Caller::Aws(hub.clone(), Vec::new())),
        only("TARGET_ROLE_ARN")
    );
    let gitlab_ci = rendered
        .files
        .iter()
        .find(|(_, f)| f.path.as_str() == ".gitlab-ci.yml")
        .map(|(_, f)| f.contents.clone())
        .expect("a GitLab file");
    assert!(gitlab_ci.contains("aws sts assume-role \\"), "{gitlab_ci}");
    assert!(!gitlab_ci.contains("--tags"), "{gitlab_ci}");
    // Another tag key, another principal, the chained role itself: refused.
    let mut more = tags.clone();
    more.push("Team".into());
    assert!(admitted(&roles, &Caller::Aws(hub.clone(), more)).is_empty());
    for other in ["arn:aws:iam::111111111111:role/other", target.as_str()] {
        assert!(
            admitted(&roles, &Caller::Aws(other.to_owned(), tags.clone())).is_empty(),
            "{other}"
        );
    }
    // The job's GitHub identity is admitted by the source role only; a pull request by none.
    let sub = format!(
        "repo:{REPO}:environment:production:job_workflow_ref:{REPO}/.github/workflows/delivery.yml@refs/heads/main"
    );
    assert_eq!(admitted(&roles, &github(&sub)), only("HUB_ROLE_ARN"));
    let pr =
        format!("repo:{REPO}:pull_request:job_workflow_ref:{REPO}/.github/workflows/delivery.yml@refs/pull/1/merge");
    assert!(admitted(&roles, &github(&pr)).is_empty());

    // The source role may assume exactly the chained role, with the tags; the step's use is the
    // chained role's.
    let role = |var: &str| roles.iter().find(|r| r.variable == var).expect("a role");
    let chained: Vec<&Value> = role("HUB_ROLE_ARN")
        .policy
        .iter()
        .filter(|s| as_list(&s["Action"]).contains(&"sts:AssumeRole".to_owned()))
        .collect();
    assert_eq!(chained.len(), 1, "{chained:?}");
    assert_eq!(as_list(&chained[0]["Resource"]), std::slice::from_ref(&target));
    assert!(as_list(&chained[0]["Action"]).contains(&"sts:TagSession".to_owned()));
    let grants = |var: &str| {
        role(var)
            .policy
            .iter()
            .flat_map(|s| as_list(&s["Action"]))
            .collect::<Vec<_>>()
    };
    assert!(grants("TARGET_ROLE_ARN").contains(&"codedeploy:CreateDeployment".to_owned()));
    assert!(!grants("HUB_ROLE_ARN").contains(&"codedeploy:CreateDeployment".to_owned()));
}
