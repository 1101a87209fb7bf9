//! GitLab conformance, judged by GitLab's own schema and by gitlab-ci-local:
//!
//! 1. check-jsonschema `vendor.gitlab-ci` on every generated GitLab file;
//! 2. `gitlab-ci-local --list-json` on every file in a committed git repository: the stages and
//!    needs it resolves are the model's, and the jobs in the pipeline for each event (push,
//!    tag, merge request, schedule, manual run) are the ones the model's conditions select,
//!    with `--validate-dependency-chain` proving no job needs a job left out;
//! 3. the runnable fixture executed with `gitlab-ci-local --force-shell-executor`: files and
//!    outputs reach the jobs after, in the right order, and the manual gate holds later jobs
//!    back until it is run.
//!
//! Tools come from `scripts/install-tools` (see `pipeline_tests::tools`): a missing tool skips
//! loudly on a developer machine and fails under `CI=true`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pipeline_backends::Gitlab;
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::graph::NeedsGraph;
use pipeline_core::{Backend, GeneratedFile, Header, Pipeline, RenderContext, StepKind, Trigger};
use pipeline_tests::{TempDir, fixtures, git, tools};

/// Pipelines generated together, and where their output root is in the repository.
struct Set {
    name: &'static str,
    pipelines: Vec<Pipeline>,
    root_in_repository: &'static str,
}

fn sets() -> Vec<Set> {
    vec![
        Set {
            name: "example-service",
            pipelines: example_service::pipelines(),
            root_in_repository: "examples/service",
        },
        Set {
            name: "everything",
            pipelines: vec![fixtures::everything()],
            root_in_repository: "",
        },
        Set {
            name: "minimal",
            pipelines: vec![fixtures::minimal()],
            root_in_repository: "",
        },
        Set {
            name: "runnable",
            pipelines: vec![fixtures::runnable()],
            root_in_repository: "",
        },
        Set {
            name: "release",
            pipelines: vec![fixtures::release()],
            root_in_repository: "",
        },
        Set {
            name: "supply-chain",
            pipelines: vec![fixtures::supply_chain_release(), fixtures::supply_chain_delivery()],
            root_in_repository: "",
        },
        Set {
            name: "strategies",
            pipelines: vec![
                fixtures::strategies(),
                fixtures::codedeploy(),
                fixtures::feature_flags(),
            ],
            root_in_repository: "",
        },
        Set {
            name: "service-strategies",
            pipelines: fixtures::service_strategies(),
            root_in_repository: "",
        },
        Set {
            name: "runners",
            pipelines: vec![
                fixtures::runners_matrices(&[]),
                fixtures::runners_matrices(&[pipeline_core::Runner::macos()]),
            ],
            root_in_repository: "",
        },
        Set {
            name: "several",
            pipelines: vec![
                fixtures::everything(),
                fixtures::minimal(),
                fixtures::release(),
                fixtures::runnable(),
            ],
            root_in_repository: "",
        },
    ]
}

fn ctx(set: &Set) -> RenderContext {
    RenderContext {
        header: Header::new("conformance", "tests/conformance_gitlab.rs", "cargo test"),
        root_in_repository: set.root_in_repository.into(),
    }
}

/// The files of a set, with paths relative to the repository root.
fn render(set: &Set) -> Vec<GeneratedFile> {
    let mut diagnostics: Diagnostics = pipeline_core::validate::validate_all(&set.pipelines);
    let files = Gitlab::new().generate(&set.pipelines, &ctx(set), &mut diagnostics);
    assert!(
        !diagnostics.has_errors(),
        "{} does not render:\n{diagnostics}",
        set.name
    );
    assert!(!files.is_empty());
    files
        .into_iter()
        .map(|f| GeneratedFile::new(ctx(set).repository_path(f.path.as_str()), f.contents).expect("a relative path"))
        .collect()
}

/// A git repository whose `origin/main` has a README and whose `main` adds the generated
/// files (and, with `source_change`, a file under each directory a path filter watches: `src/`,
/// `config/` (the feature flags), `webhooks/`, `worker/`, `deploy/` (the example's components)),
/// so that `changes:` rules compare against `origin/main` like a push does.
fn repository(label: &str, files: &[GeneratedFile], source_change: bool) -> TempDir {
    let dir = TempDir::new(label);
    let origin = dir.path().join("origin.git");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    git(dir.path(), &["init", "-q", "--bare", "origin.git"]);
    git(&work, &["init", "-q"]);
    git(&work, &["checkout", "-q", "-b", "main"]);
    std::fs::write(work.join("README.md"), "conformance\n").expect("write");
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "initial"]);
    git(&work, &["remote", "add", "origin", &origin.to_string_lossy()]);
    git(&work, &["push", "-q", "origin", "main"]);
    git(&work, &["remote", "set-head", "origin", "main"]);
    for f in files {
        let path = work.join(f.path.as_str());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &f.contents).expect("write");
    }
    if source_change {
        std::fs::create_dir_all(work.join("src")).expect("mkdir");
        std::fs::write(work.join("src/lib.rs"), "// changed\n").expect("write");
        // The path filters of the fixtures and of the example service's components.
        for file in [
            "config/flags.json",
            "webhooks/src/lib.rs",
            "worker/Dockerfile",
            "deploy/worker-taskdef.json",
        ] {
            let path = work.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "{}\n").expect("write");
        }
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "pipelines"]);
    dir
}

fn work(dir: &TempDir) -> std::path::PathBuf {
    dir.path().join("work")
}

/// gitlab-ci-local in `repo` with a private home (no user variables leak in).
fn gitlab_ci_local(repo: &Path, args: &[&str]) -> Option<tools::Output> {
    let mut cmd = tools::gitlab_ci_local(repo)?;
    cmd.args(args);
    Some(tools::output(cmd))
}

/// The event a pipeline runs for, as gitlab-ci-local arguments.
#[derive(Clone, Copy, Debug)]
enum Event {
    PushMain,
    Tag,
    MergeRequest,
    Schedule,
    Web,
}

impl Event {
    const ALL: [Event; 5] = [
        Event::PushMain,
        Event::Tag,
        Event::MergeRequest,
        Event::Schedule,
        Event::Web,
    ];

    fn args(self, selector: Option<&str>) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Event::PushMain => vec![],
            Event::Tag => vec![
                "--variable=CI_COMMIT_TAG=v1.2.3".into(),
                "--unset-variable=CI_COMMIT_BRANCH".into(),
            ],
            Event::MergeRequest => vec![
                "--variable=CI_PIPELINE_SOURCE=merge_request_event".into(),
                "--variable=CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main".into(),
                "--variable=CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature".into(),
                "--unset-variable=CI_COMMIT_BRANCH".into(),
            ],
            Event::Schedule => vec!["--variable=CI_PIPELINE_SOURCE=schedule".into()],
            Event::Web => vec!["--variable=CI_PIPELINE_SOURCE=web".into()],
        };
        if let Some(s) = selector {
            v.push(format!("--variable=RUN_PIPELINE={s}"));
        }
        v.push(
            "--ignore-predefined-vars=CI_PIPELINE_SOURCE,CI_COMMIT_TAG,CI_COMMIT_BRANCH,CI_MERGE_REQUEST_TARGET_BRANCH_NAME,CI_MERGE_REQUEST_SOURCE_BRANCH_NAME".into(),
        );
        v
    }
}

/// An event that starts pipeline `p` (its first trigger), with the selector of included
/// pipelines.
fn event_for(p: &Pipeline, included: bool) -> (Event, Option<&str>) {
    let selector = included.then_some(p.id.as_str());
    match p.triggers.first() {
        Some(Trigger::Push(push)) if push.branches.is_empty() && !push.tags.is_empty() => (Event::Tag, None),
        Some(Trigger::Push(_)) => (Event::PushMain, None),
        Some(Trigger::PullRequest(_)) => (Event::MergeRequest, None),
        Some(Trigger::Schedule(_)) => (Event::Schedule, selector),
        Some(Trigger::Manual(_)) | None => (Event::Web, selector),
    }
}

/// One job as gitlab-ci-local resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    stage: String,
    when: String,
    needs: BTreeSet<String>,
    optional: BTreeSet<String>,
}

/// `--list-json` of `file` (matrix cells folded into their job), every job including
/// `when: never` ones.
fn list(repo: &Path, file: &str, event: Event, selector: Option<&str>) -> Option<BTreeMap<String, Listed>> {
    let mut args = vec!["--list-json".to_owned(), format!("--file={file}")];
    args.extend(event.args(selector));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = gitlab_ci_local(repo, &args)?;
    assert_eq!(
        out.code,
        0,
        "gitlab-ci-local --list-json {file} ({event:?}):\n{}",
        out.text()
    );
    let json_start = out
        .stdout
        .find("\n[")
        .map(|i| i + 1)
        .or_else(|| out.stdout.starts_with('[').then_some(0))
        .unwrap_or_else(|| panic!("no JSON list in:\n{}", out.text()));
    let jobs: serde_json::Value = serde_json::from_str(&out.stdout[json_start..])
        .unwrap_or_else(|e| panic!("bad JSON ({e}) in:\n{}", out.text()));
    let mut map = BTreeMap::new();
    for job in jobs.as_array().expect("a list") {
        let name = job["name"].as_str().expect("name");
        // `test: [stable,default]` is a cell of job `test`.
        let base = name.split(": [").next().unwrap_or(name).to_owned();
        let needs = job["needs"].as_array().cloned().unwrap_or_default();
        let listed = Listed {
            stage: job["stage"].as_str().expect("stage").to_owned(),
            when: job["when"].as_str().expect("when").to_owned(),
            needs: needs
                .iter()
                .map(|n| n["job"].as_str().expect("job").to_owned())
                .collect(),
            optional: needs
                .iter()
                .filter(|n| n["optional"].as_bool() == Some(true))
                .map(|n| n["job"].as_str().expect("job").to_owned())
                .collect(),
        };
        if let Some(previous) = map.insert(base.clone(), listed.clone()) {
            assert_eq!(previous, listed, "matrix cells of {base} differ");
        }
    }
    Some(map)
}

fn jobs_present(listed: &BTreeMap<String, Listed>) -> BTreeMap<&str, &str> {
    listed
        .iter()
        .filter(|(_, j)| j.when != "never")
        .map(|(n, j)| (n.as_str(), j.when.as_str()))
        .collect()
}

#[test]
fn every_file_matches_gitlabs_schema() {
    for set in sets() {
        let files = render(&set);
        let dir = TempDir::new(&format!("schema-{}", set.name));
        let mut paths = Vec::new();
        for f in &files {
            let path = dir.path().join(f.path.as_str());
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &f.contents).expect("write");
            paths.push(path);
        }
        let Some(mut cmd) = tools::command("check-jsonschema") else {
            return;
        };
        cmd.args(["--builtin-schema", "vendor.gitlab-ci", "--"]).args(&paths);
        let out = tools::output(cmd);
        assert_eq!(out.code, 0, "{}: {}", set.name, out.text());
        assert!(out.stdout.contains("ok -- validation done"), "{}", out.text());
    }
}

/// The GitLab job name of a model job in a set.
fn job_name(set: &Set, pipeline: &Pipeline, job: &str) -> String {
    if set.pipelines.len() == 1 {
        job.to_owned()
    } else {
        format!("{}:{job}", pipeline.id)
    }
}

#[test]
fn gitlab_ci_local_resolves_the_models_stages_and_needs_in_every_file() {
    for set in sets() {
        let files = render(&set);
        let repo = repository(&format!("list-{}", set.name), &files, true);
        let repo = work(&repo);
        for p in &set.pipelines {
            let graph = NeedsGraph::new(p);
            let layers = graph.layers().expect("no cycle");
            let producers: BTreeMap<&str, usize> = p
                .jobs
                .iter()
                .enumerate()
                .flat_map(|(i, j)| {
                    j.steps.iter().filter_map(move |s| match &s.kind {
                        StepKind::Upload(u) => Some((u.artifact.as_str(), i)),
                        _ => None,
                    })
                })
                .collect();
            // The pipeline's own file (included alone) and the root file that includes it.
            let mut targets = vec![ctx(&set).repository_path(Gitlab::ROOT)];
            if set.pipelines.len() > 1 {
                targets.push(ctx(&set).repository_path(&Gitlab::included_path(p)));
            }
            let (event, selector) = event_for(p, set.pipelines.len() > 1);
            for target in &targets {
                let Some(listed) = list(&repo, target, event, selector) else {
                    return;
                };
                for (layer, jobs) in layers.iter().enumerate() {
                    for &j in jobs {
                        let job = &p.jobs[j];
                        let name = job_name(&set, p, job.id.as_str());
                        let got = listed
                            .get(&name)
                            .unwrap_or_else(|| panic!("{}: {target} lacks job {name}: {listed:#?}", set.name));
                        assert_eq!(
                            got.stage,
                            format!("stage-{}", layer + 1),
                            "{}: stage of {name}",
                            set.name
                        );
                        let direct: BTreeSet<String> =
                            job.needs.iter().map(|n| job_name(&set, p, n.as_str())).collect();
                        assert!(
                            got.needs.is_superset(&direct),
                            "{}: {name} needs {:?}, the model {direct:?}",
                            set.name,
                            got.needs
                        );
                        // Extra needs are ancestors whose artifacts the job downloads.
                        for extra in got.needs.difference(&direct) {
                            let downloads_from = job.steps.iter().any(|s| match &s.kind {
                                StepKind::Download(d) => producers
                                    .get(d.artifact.as_str())
                                    .is_some_and(|&a| job_name(&set, p, p.jobs[a].id.as_str()) == *extra),
                                _ => false,
                            });
                            assert!(downloads_from, "{}: {name} needs {extra} for no reason", set.name);
                        }
                    }
                }
            }
        }
    }
}

/// Which jobs of `everything` are in the pipeline, and how they run, for each event.
fn everything_expected(event: Event) -> BTreeMap<&'static str, &'static str> {
    let always = [("build", "on_success"), ("test", "on_success"), ("lint", "on_success")];
    let more: &[(&str, &str)] = match event {
        // publish: main push or tag; deploy: main (and publish); rollback follows deploy.
        Event::PushMain => &[
            ("publish", "on_success"),
            ("deploy", "manual"),
            ("rollback", "on_failure"),
        ],
        Event::Tag => &[("publish", "on_success")],
        Event::MergeRequest => &[],
        Event::Schedule | Event::Web => &[("notify", "always")],
    };
    always.iter().chain(more).copied().collect()
}

#[test]
fn jobs_in_the_pipeline_follow_the_conditions_for_every_event() {
    let set = Set {
        name: "everything",
        pipelines: vec![fixtures::everything()],
        root_in_repository: "",
    };
    let repo = repository("events", &render(&set), true);
    let repo = work(&repo);
    for event in Event::ALL {
        let Some(listed) = list(&repo, Gitlab::ROOT, event, None) else {
            return;
        };
        assert_eq!(jobs_present(&listed), everything_expected(event), "{event:?}");
        // A job that always runs ignores a need the event left out.
        if matches!(event, Event::Schedule | Event::Web) {
            assert_eq!(listed["notify"].optional, BTreeSet::from(["deploy".to_owned()]));
        }
    }
}

/// GitLab refuses a pipeline in which a job needs a job its rules left out (unless the need
/// is optional). gitlab-ci-local resolves the rules of every job for each event; every need of a
/// job in the pipeline must be in it too. (`--validate-dependency-chain` would say the same but
/// also rejects needs on manual jobs, which GitLab allows: the job waits.)
#[test]
fn no_job_needs_a_job_left_out_for_any_event() {
    for set in sets() {
        let files = render(&set);
        let repo = repository(&format!("chain-{}", set.name), &files, true);
        let repo = work(&repo);
        let root = ctx(&set).repository_path(Gitlab::ROOT);
        let selectors: Vec<Option<&str>> = if set.pipelines.len() > 1 {
            set.pipelines.iter().map(|p| Some(p.id.as_str())).collect()
        } else {
            vec![None]
        };
        for event in Event::ALL {
            // The selector only picks among manual runs and schedules.
            let selectors = match event {
                Event::Schedule | Event::Web => selectors.clone(),
                Event::PushMain | Event::Tag | Event::MergeRequest => vec![None],
            };
            for &selector in &selectors {
                let Some(listed) = list(&repo, &root, event, selector) else {
                    return;
                };
                for (name, job) in listed.iter().filter(|(_, j)| j.when != "never") {
                    for need in job.needs.difference(&job.optional) {
                        let present = listed.get(need).is_some_and(|n| n.when != "never");
                        assert!(
                            present,
                            "{} {event:?} {selector:?}: {name} needs {need}, which is not in the pipeline",
                            set.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn several_pipelines_are_included_by_their_own_triggers() {
    let set = &sets()[0];
    assert_eq!(set.name, "example-service");
    let repo = repository("include", &render(set), false);
    let repo = work(&repo);
    let root = ctx(set).repository_path(Gitlab::ROOT);
    let pipeline_of = |listed: &BTreeMap<String, Listed>| -> BTreeSet<String> {
        jobs_present(listed)
            .keys()
            .map(|n| n.split(':').next().unwrap_or_default().to_owned())
            .collect()
    };
    let Some(push) = list(&repo, &root, Event::PushMain, None) else {
        return;
    };
    assert_eq!(pipeline_of(&push), BTreeSet::from(["delivery".to_owned()]));
    assert_eq!(push["delivery:production-deploy"].when, "manual");
    let Some(schedule) = list(&repo, &root, Event::Schedule, Some("nightly")) else {
        return;
    };
    assert_eq!(pipeline_of(&schedule), BTreeSet::from(["nightly".to_owned()]));
    let Some(manual) = list(&repo, &root, Event::Web, Some("nightly")) else {
        return;
    };
    assert_eq!(pipeline_of(&manual), BTreeSet::from(["nightly".to_owned()]));
    let Some(manual) = list(&repo, &root, Event::Web, Some("delivery")) else {
        return;
    };
    assert_eq!(pipeline_of(&manual), BTreeSet::from(["delivery".to_owned()]));
    let Some(mr) = list(&repo, &root, Event::MergeRequest, None) else {
        return;
    };
    // Deploys are for `main` only; the merge request pipeline tests, builds and checks that the
    // generated files are up to date.
    assert_eq!(
        jobs_present(&mr).keys().copied().collect::<Vec<_>>(),
        [
            "delivery:build",
            "delivery:definition-check",
            "delivery:integration-tests",
            "delivery:lint",
            "delivery:security-scan",
            "delivery:unit-tests"
        ]
    );
}

#[test]
fn path_filters_decide_whether_an_included_pipeline_runs() {
    let set = Set {
        name: "several",
        pipelines: vec![fixtures::everything(), fixtures::minimal()],
        root_in_repository: "",
    };
    let files = render(&set);
    let pipelines_present = |source_change: bool| -> Option<BTreeSet<String>> {
        let repo = repository("changes", &files, source_change);
        let listed = list(&work(&repo), Gitlab::ROOT, Event::PushMain, None)?;
        Some(
            jobs_present(&listed)
                .keys()
                .map(|n| n.split(':').next().unwrap_or_default().to_owned())
                .collect(),
        )
    };
    let Some(with_source) = pipelines_present(true) else {
        return;
    };
    assert_eq!(
        with_source,
        BTreeSet::from(["everything".to_owned(), "minimal".to_owned()])
    );
    let Some(without) = pipelines_present(false) else {
        return;
    };
    assert_eq!(without, BTreeSet::from(["minimal".to_owned()]));
}

/// The job names in the order gitlab-ci-local started them.
fn start_order(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(char::is_whitespace)?;
            rest.trim_start().starts_with("starting").then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn the_runnable_pipeline_runs_and_passes_files_and_outputs_along() {
    let set = Set {
        name: "runnable",
        pipelines: vec![fixtures::runnable()],
        root_in_repository: "",
    };
    let files = render(&set);

    // Without approval, the gate holds the job after it back (gitlab-ci-local refuses to run a
    // pipeline whose job needs a manual job nobody started).
    let held = repository("run-held", &files, false);
    let held = work(&held);
    let Some(out) = gitlab_ci_local(&held, &["--force-shell-executor", "--shell-isolation"]) else {
        return;
    };
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(
        out.text().contains("deploy is when:manual, its needed by verify"),
        "{}",
        out.text()
    );
    assert!(start_order(&out.stdout).is_empty(), "{}", out.text());

    // Approved (the manual job run, as GitLab does when someone approves).
    let repo = repository("run", &files, false);
    let repo = work(&repo);
    let Some(out) = gitlab_ci_local(
        &repo,
        &["--force-shell-executor", "--shell-isolation", "--manual", "deploy"],
    ) else {
        return;
    };
    let log = out.text();
    assert_eq!(out.code, 0, "{log}");
    assert_eq!(start_order(&out.stdout), ["build", "test", "deploy", "verify"], "{log}");
    for job in ["build", "test", "deploy", "verify"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.contains("PASS") && l.split_whitespace().any(|w| w == job)),
            "{job} did not pass:\n{log}"
        );
    }

    // The artifact reached the test job; the output and the artifact reached deploy.
    let read =
        |rel: &str| std::fs::read_to_string(repo.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}\n{log}"));
    assert_eq!(
        read(".gitlab-ci-local/artifacts/build/dist/greeting.txt"),
        "hello from build\n"
    );
    assert_eq!(
        read(".gitlab-ci-local/artifacts/deploy/out/deployed.txt"),
        "1.2.3 hello from build\n"
    );
    assert!(out.stdout.contains("verified: 1.2.3 hello from build"), "{log}");

    // Step lowering: working directory and environment (a literal `$HOME` stays literal), the
    // branch condition, continue on error, and the steps that run on failure or always.
    let where_txt = read(".gitlab-ci-local/artifacts/test/dist/where.txt");
    let mut lines = where_txt.lines();
    assert!(lines.next().is_some_and(|l| l.ends_with("/dist")), "{where_txt}");
    assert_eq!(lines.next(), Some("hi: yes, on, $HOME"));
    assert_eq!(
        read(".gitlab-ci-local/artifacts/test/main-only.txt"),
        "main-only step ran\n"
    );
    assert!(
        !repo.join(".gitlab-ci-local/builds/test/tag-only.txt").exists(),
        "{log}"
    );
    assert!(out.stdout.contains("a flaky check fails"), "{log}");
    assert!(log.contains("continuing (continue on error)"), "{log}");
    assert!(!out.stdout.contains("not reached"), "{log}");
    assert!(!out.stdout.contains("failure-only step ran"), "{log}");
    assert!(out.stdout.contains("cleanup always runs"), "{log}");
}

/// A job whose steps GitLab does itself (its clone, artifact downloads) gets a script GitLab
/// accepts (an empty `script:` fails the schema and the pipeline) and succeeds after them
/// (issue 10).
#[test]
fn a_job_without_script_steps_is_valid_and_passes() {
    use pipeline_core::{Job, Step};
    let pipeline = Pipeline::new("clone")
        .on(Trigger::push().branches(["main"]))
        .job(
            Job::new("build")
                .step(Step::checkout())
                .step(Step::script("mkdir -p dist && echo built > dist/app.txt"))
                .step(Step::upload("app", ["dist/app.txt"])),
        )
        .job(Job::new("clone").step(Step::checkout()))
        .job(
            Job::new("fetch")
                .needs("build")
                .step(Step::checkout())
                .step(Step::download("app")),
        );
    let set = Set {
        name: "clone",
        pipelines: vec![pipeline],
        root_in_repository: "",
    };
    let files = render(&set);
    let repo = repository("no-script", &files, false);
    let repo = work(&repo);
    if let Some(mut cmd) = tools::command("check-jsonschema") {
        cmd.args(["--builtin-schema", "vendor.gitlab-ci", "--"])
            .arg(repo.join(".gitlab-ci.yml"));
        let out = tools::output(cmd);
        assert_eq!(out.code, 0, "{}", out.text());
    }
    let Some(out) = gitlab_ci_local(&repo, &["--force-shell-executor", "--shell-isolation"]) else {
        return;
    };
    let log = out.text();
    assert_eq!(out.code, 0, "{log}");
    for job in ["build", "clone", "fetch"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.contains("PASS") && l.split_whitespace().any(|w| w == job)),
            "{job} did not pass:\n{log}"
        );
    }
}
