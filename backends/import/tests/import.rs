//! Import end to end: every generated example workflow imports, compiles and generates the same
//! workflow again (after normalisation: key order, quoting, header comments); every file of the
//! corpus (`tests/import-corpus/`, hand-written in the styles real projects use) imports,
//! compiles, and regenerates output the platforms' validators accept; bad input is refused with
//! file, line and column. The features the examples do not use (step shells, checkouts of other
//! repositories, optional needs, test reports) round-trip from pipelines built here, on both
//! platforms, and their look-alikes stay escape hatches.
//!
//! The imported modules are compiled in one temporary crate per test under
//! `target/import-tests/` (path dependencies on this workspace, one shared target directory).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pipeline_tests::{TempDir, git, readback, tools, workspace_root};
use serde_json::Value;

/// Imports `files`, compiles the module with a generator for `backend` over the given
/// pipelines and writes under `out`. Returns the import and the generated files.
fn import_and_generate(label: &str, files: &[PathBuf], backend: &str, out: &Path) -> pipeline_import::Import {
    let import = pipeline_import::import(files);
    assert!(
        import.problems.is_empty(),
        "{label}: import problems:\n{}",
        import
            .problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let module = import.module.clone().expect("a module");
    let root = workspace_root();
    let krate = root.join("target/import-tests").join(label);
    std::fs::create_dir_all(krate.join("src")).expect("crate dir");
    let funcs: Vec<String> = module
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub fn ")
                .and_then(|r| r.split_once("() -> Pipeline"))
                .map(|(f, _)| f.to_string())
        })
        .collect();
    let manifest = format!(
        "[package]\nname = \"imported-{label}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\npipeline-core = {{ path = {:?} }}\npipeline-backends = {{ path = {:?} }}\n\n[workspace]\n",
        root.join("pipeline-core"),
        root.join("backends")
    );
    write_if_changed(&krate.join("Cargo.toml"), &manifest);
    write_if_changed(&krate.join("src/imported.rs"), &module);
    let main = format!(
        "mod imported;\n\nfn main() {{\n    let backend: Box<dyn pipeline_core::Backend> = match {backend:?} {{\n        \"github\" => Box::new(pipeline_backends::Github::new()),\n        _ => Box::new(pipeline_backends::Gitlab::new(){runners}),\n    }};\n    pipeline_core::generator!()\n        .backends([backend])\n        .pipelines(vec![{}])\n        .main();\n}}\n",
        funcs
            .iter()
            .map(|f| format!("imported::{f}()"))
            .collect::<Vec<_>>()
            .join(", "),
        runners = if module.contains("pub fn gitlab_runners()") {
            ".runners(imported::gitlab_runners())"
        } else {
            ""
        }
    );
    write_if_changed(&krate.join("src/main.rs"), &main);
    if !krate.join("Cargo.lock").exists() {
        std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).expect("lock");
    }
    let status = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline", "--"])
        .arg("--out")
        .arg(out)
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", root.join("target/import-tests/target"))
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("cargo run");
    assert!(
        status.status.success(),
        "{label}: the imported module does not compile or generate:\n{}\n{}\nmodule: {}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr),
        krate.join("src/imported.rs").display()
    );
    import
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("write");
    }
}

/// Every difference between two documents, as `path: original -> regenerated`.
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => differences(&format!("{path}.{k}"), v, w, out),
                    None => out.push(format!("{path}.{k}: missing from the regenerated file (was {v})")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: only in the regenerated file ({})", y[k]));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), v, w, out);
            }
            for (i, v) in x.iter().enumerate().skip(y.len()) {
                out.push(format!("{path}[{i}]: missing from the regenerated file (was {v})"));
            }
            for (i, w) in y.iter().enumerate().skip(x.len()) {
                out.push(format!("{path}[{i}]: only in the regenerated file ({w})"));
            }
        }
        _ if a != b => out.push(format!("{path}: {a} -> {b}")),
        _ => {}
    }
}

fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_generated_example_workflow_round_trips() {
    let root = workspace_root();
    let mut service = yml_files(&root.join("examples/service/.github/workflows"));
    service.extend(yml_files(&root.join(".github/workflows")));
    // Each generator's workflows are generated together again (pipeline ids are per generator).
    let groups = [
        ("round-trip", service),
        (
            "round-trip-oss-rust",
            yml_files(&root.join("examples/oss-rust/.github/workflows")),
        ),
    ];
    let mut report = Vec::new();
    let mut summary = String::new();
    for (label, originals) in &groups {
        let out = TempDir::new(&format!("import-{label}"));
        let import = import_and_generate(label, originals, "github", out.path());
        summary.extend(import.summaries.iter().map(pipeline_import::Summary::render));
        for original in originals {
            let name = original.file_name().expect("name");
            let regenerated = out.path().join(".github/workflows").join(name);
            assert!(regenerated.is_file(), "{} was not regenerated", regenerated.display());
            let mut diffs = Vec::new();
            differences(
                "",
                &readback::yaml_1_2(original),
                &readback::yaml_1_2(&regenerated),
                &mut diffs,
            );
            for d in diffs {
                report.push(format!(
                    "{}{d}",
                    original.strip_prefix(&root).unwrap_or(original).display()
                ));
            }
        }
    }
    assert!(
        report.is_empty(),
        "{} difference(s) after the round trip:\n{}\n\nimport summary:\n{summary}",
        report.len(),
        report.join("\n")
    );
}

/// A GitLab document normalised for comparison: an include's `local:` path is relative to the
/// repository, and the regenerated files sit elsewhere; only the part from `.gitlab/` counts.
fn gitlab_normalised(path: &Path) -> Value {
    let mut doc = readback::yaml_1_2(&path.to_path_buf());
    if let Some(Value::Array(items)) = doc.get_mut("include") {
        for item in items {
            if let Some(Value::String(local)) = item.get_mut("local") {
                if let Some(at) = local.find(".gitlab/") {
                    *local = local[at..].to_string();
                }
            }
        }
    }
    doc
}

#[test]
fn every_generated_example_gitlab_file_round_trips() {
    let root = workspace_root();
    let mut report = Vec::new();
    let mut summary = String::new();
    for example in ["service", "oss-rust"] {
        let dir = root.join("examples").join(example);
        let mut originals = vec![dir.join(".gitlab-ci.yml")];
        originals.extend(yml_files(&dir.join(".gitlab/ci")));
        let out = TempDir::new(&format!("import-round-trip-gitlab-{example}"));
        let import = import_and_generate(
            &format!("round-trip-gitlab-{example}"),
            &originals[..1],
            "gitlab",
            out.path(),
        );
        summary.extend(import.summaries.iter().map(pipeline_import::Summary::render));
        for original in &originals {
            let relative = original.strip_prefix(&dir).expect("under the example");
            let regenerated = out.path().join(relative);
            let shown = original.strip_prefix(&root).unwrap_or(original).display().to_string();
            if !regenerated.is_file() {
                report.push(format!("{shown}: not regenerated"));
                continue;
            }
            let mut diffs = Vec::new();
            differences(
                "",
                &gitlab_normalised(original),
                &gitlab_normalised(&regenerated),
                &mut diffs,
            );
            report.extend(diffs.into_iter().map(|d| format!("{shown}{d}")));
        }
    }
    assert!(
        report.is_empty(),
        "{} difference(s) after the round trip:\n{}\n\nimport summary:\n{summary}",
        report.len(),
        report.join("\n")
    );
}

fn corpus() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import-corpus");
    let (mut gitlab, github): (Vec<PathBuf>, Vec<PathBuf>) = yml_files(&dir)
        .into_iter()
        .partition(|p| p.to_string_lossy().ends_with(".gitlab-ci.yml"));
    gitlab.push(dir.join("gitlab-monorepo/.gitlab-ci.yml"));
    (github, gitlab)
}

#[test]
fn the_corpus_has_twenty_files_in_real_project_styles() {
    let (github, gitlab) = corpus();
    assert!(
        github.len() + gitlab.len() >= 20,
        "{} files",
        github.len() + gitlab.len()
    );
    let text: String = github
        .iter()
        .chain(&gitlab)
        .map(|f| std::fs::read_to_string(f).expect("read"))
        .collect();
    for style in [
        "windows-latest",
        "tags:",
        "uses: acme/",
        "services:",
        "changes:",
        "extends:",
        "<<: *",
        "!reference",
        "include:",
    ] {
        assert!(text.contains(style), "no corpus file uses {style}");
    }
}

#[test]
fn the_github_corpus_regenerates_workflows_actionlint_and_zizmor_accept() {
    let (github, _) = corpus();
    let out = TempDir::new("import-corpus-github");
    let import = import_and_generate("corpus-github", &github, "github", out.path());
    let steps: usize = import.summaries.iter().map(|s| s.steps).sum();
    let typed: usize = import.summaries.iter().map(|s| s.steps_typed).sum();
    assert!(typed * 10 > steps * 9, "{typed}/{steps} steps typed");
    let files = yml_files(&out.path().join(".github/workflows"));
    assert_eq!(files.len(), github.len());
    tools::assert_actionlint_clean(&files, &[]);
    tools::assert_zizmor_clean(&files);
}

#[test]
fn the_gitlab_corpus_regenerates_files_gitlab_ci_local_accepts() {
    let (_, gitlab) = corpus();
    let out = TempDir::new("import-corpus-gitlab");
    let import = import_and_generate("corpus-gitlab", &gitlab, "gitlab", out.path());
    let jobs: usize = import.summaries.iter().map(|s| s.jobs).sum();
    assert!(jobs >= 15, "{jobs} jobs imported");
    // The escape hatches land on the jobs, whose keys carry the pipeline id here (several
    // pipelines generated together): nothing is silently dropped.
    let read = |f: &str| std::fs::read_to_string(out.path().join(".gitlab/ci").join(f)).expect("generated");
    assert!(
        read("gitlab-rules-changes-gitlab-ci.yml").contains("      changes:\n        - backend/**/*\n"),
        "the backend job's rules (an escape hatch) are missing"
    );
    assert!(
        read("gitlab-reports-gitlab-ci.yml").contains("  coverage: /TOTAL"),
        "the coverage key (an escape hatch) is missing"
    );
    git(out.path(), &["init", "-q"]);
    git(out.path(), &["add", "-A"]);
    git(out.path(), &["commit", "-q", "-m", "generated"]);
    // `rules: changes:` compare with the default branch of `origin` (here: the same commit).
    git(out.path(), &["branch", "-M", "main"]);
    git(out.path(), &["remote", "add", "origin", "."]);
    git(out.path(), &["fetch", "-q", "origin"]);
    git(out.path(), &["remote", "set-head", "origin", "main"]);
    let mut listed = BTreeMap::new();
    for file in std::iter::once(".gitlab-ci.yml".to_string()) {
        let Some(mut cmd) = tools::gitlab_ci_local(out.path()) else {
            return;
        };
        cmd.args([
            "--list-json",
            &format!("--file={file}"),
            "--variable=CI_PIPELINE_SOURCE=push",
            "--variable=CI_COMMIT_BRANCH=main",
        ]);
        let o = tools::output(cmd);
        assert_eq!(o.code, 0, "gitlab-ci-local {file}:\n{}", o.text());
        listed.insert(file, o.stdout);
    }
    assert!(!listed.is_empty());
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn bad_input_is_refused_with_file_line_and_column_and_the_rest_imports() {
    let dir = TempDir::new("import-bad");
    let good = write(
        dir.path(),
        "good.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    );
    let broken = write(dir.path(), "broken.yml", "on: push\njobs:\n  a: [1\n");
    let no_steps = write(
        dir.path(),
        "no-steps.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n",
    );
    let dup = write(dir.path(), "dup.yml", "on: push\non: pull_request\njobs: {}\n");
    let gitlab_stage = write(
        dir.path(),
        "x.gitlab-ci.yml",
        "stages: [test]\nbuild:\n  stage: build\n  script: [make]\n",
    );
    let import = pipeline_import::import(&[good, broken, no_steps.clone(), dup, gitlab_stage]);
    assert_eq!(import.summaries.len(), 1, "{:?}", import.problems);
    let module = import.module.expect("the good file imports");
    assert!(module.contains("pub fn good()"), "{module}");
    assert!(!module.contains("pub fn broken()"), "{module}");
    let at: Vec<(String, usize, usize)> = import
        .problems
        .iter()
        .map(|p| {
            let at = pipeline_import::Location::of(p).unwrap_or_else(|| panic!("no file:line:col in {p}"));
            (
                Path::new(&at.file)
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                at.line,
                at.col,
            )
        })
        .collect();
    assert_eq!(at.len(), 4, "{:?}", import.problems);
    assert_eq!(at[0].0, "broken.yml");
    assert!(at[0].1 >= 3, "{:?}", import.problems[0]);
    assert_eq!(at[1], ("no-steps.yml".to_string(), 4, 5), "{}", import.problems[1]);
    assert_eq!(at[2], ("dup.yml".to_string(), 2, 1), "{}", import.problems[2]);
    assert_eq!(at[3], ("x.gitlab-ci.yml".to_string(), 3, 10), "{}", import.problems[3]);
    assert!(
        import.problems[3].message.contains("stage \"build\""),
        "{}",
        import.problems[3]
    );
    // One diagnostic type: an error with a code, the place as `file:line:column` and a hint.
    let codes: Vec<&str> = import.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        ["import-yaml", "import-rejected", "import-yaml", "import-rejected"]
    );
    for p in &import.problems {
        assert!(p.is_error() && p.hint.is_some(), "{p}");
        let at = pipeline_import::Location::of(p).expect("location");
        assert!(
            p.to_string()
                .contains(&format!("  --> {}:{}:{}\n", at.file, at.line, at.col)),
            "{p}"
        );
    }
    let _ = no_steps;
}

/// Generates `pipelines` for `backend` under a temporary directory, imports what was generated,
/// generates the import again and returns every difference (empty: the round trip is exact)
/// with the import's summary and module. `ROUND_TRIP_SHOW=1` prints the generated files.
fn round_trip(label: &str, pipelines: Vec<pipeline_core::Pipeline>, backend: &str) -> (Vec<String>, String, String) {
    use pipeline_core::generate::Generator;
    let original = TempDir::new(&format!("import-{label}-original"));
    let generator = Generator::new("round-trip", original.path())
        .source("tests")
        .pipelines(pipelines);
    let generator = match backend {
        "github" => generator.backend(pipeline_backends::Github::new()),
        _ => generator.backend(pipeline_backends::Gitlab::new()),
    };
    let rendered = generator
        .render(&[])
        .unwrap_or_else(|d| panic!("{label} does not render:\n{d}"));
    let mut written = Vec::new();
    for (_, file) in rendered.files {
        let path = original.path().join(file.path.as_str());
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write");
        written.push(path);
    }
    let imported: Vec<PathBuf> = match backend {
        "github" => written
            .iter()
            .filter(|p| p.to_string_lossy().contains(".github/workflows/"))
            .cloned()
            .collect(),
        _ => vec![original.path().join(".gitlab-ci.yml")],
    };
    let out = TempDir::new(&format!("import-{label}-regenerated"));
    let import = import_and_generate(label, &imported, backend, out.path());
    let summary: String = import.summaries.iter().map(pipeline_import::Summary::render).collect();
    let mut report = Vec::new();
    for path in &written {
        let relative = path.strip_prefix(original.path()).expect("under the root");
        if !relative.to_string_lossy().ends_with(".yml") {
            continue;
        }
        let regenerated = out.path().join(relative);
        if !regenerated.is_file() {
            report.push(format!("{}: not regenerated", relative.display()));
            continue;
        }
        let mut diffs = Vec::new();
        differences(
            "",
            &gitlab_normalised(path),
            &gitlab_normalised(&regenerated),
            &mut diffs,
        );
        report.extend(diffs.into_iter().map(|d| format!("{}{d}", relative.display())));
    }
    if std::env::var_os("ROUND_TRIP_SHOW").is_some() {
        for path in &written {
            eprintln!(
                "==== {}\n{}",
                path.display(),
                std::fs::read_to_string(path).unwrap_or_default()
            );
        }
    }
    (report, summary, import.module.unwrap_or_default())
}

/// Asserts the round trip is exact and that no escape hatch was needed; returns the imported
/// module. On GitLab a second,
/// trivial pipeline is generated too: the library's layout of several pipelines (a root file
/// including one file per pipeline) is the one that imports back under the pipelines' names.
fn assert_round_trips(label: &str, pipeline: pipeline_core::Pipeline, backend: &str) -> String {
    use pipeline_core::prelude::*;
    let mut pipelines = vec![pipeline];
    if backend == "gitlab" {
        pipelines.push(
            Pipeline::new("other")
                .on(Trigger::push())
                .job(Job::new("noop").step(Step::script("true"))),
        );
    }
    let (report, summary, module) = round_trip(label, pipelines, backend);
    assert!(
        report.is_empty(),
        "{label}: {} difference(s) after the round trip:\n{}\n\nimport summary:\n{summary}",
        report.len(),
        report.join("\n")
    );
    assert!(!summary.contains("escape hatch at"), "{label}: {summary}");
    module
}

fn shells_pipeline(windows: bool) -> pipeline_core::Pipeline {
    use pipeline_core::prelude::*;
    let job = Job::new("build")
        .step(Step::checkout())
        .step(Step::script("echo posix").shell(Shell::Sh))
        .step(Step::script("Write-Output pwsh").shell(Shell::Pwsh))
        .step(Step::script("echo bash"));
    let pipeline = Pipeline::new("shells").on(Trigger::push()).job(job);
    if !windows {
        return pipeline;
    }
    pipeline.job(
        Job::new("windows")
            .runner(Runner::windows())
            .step(Step::script("echo cmd").shell(Shell::Cmd))
            .step(Step::script("Write-Output pwsh").shell(Shell::Pwsh)),
    )
}

#[test]
fn step_shells_round_trip() {
    for (label, pipeline, backend, typed) in [
        ("shells-github", shells_pipeline(true), "github", 4),
        ("shells-gitlab", shells_pipeline(false), "gitlab", 2),
    ] {
        let module = assert_round_trips(label, pipeline, backend);
        // Read back as the typed shells, not as scripts that happen to regenerate the same text.
        let shells = module.matches(".shell(Shell::").count();
        assert_eq!(shells, typed, "{label}: {module}");
        assert!(module.contains(".shell(Shell::Pwsh)"), "{label}: {module}");
    }
}

/// The reasons of the escape hatches of importing `text` as `name`, in order.
fn hatches(name: &str, text: &str) -> Vec<String> {
    let dir = TempDir::new("import-hatches");
    let import = pipeline_import::import(&[write(dir.path(), name, text)]);
    assert!(import.problems.is_empty(), "{:?}", import.problems);
    import.summaries[0].hatches.iter().map(|(_, why)| why.clone()).collect()
}

#[test]
fn shells_without_the_models_meaning_stay_escape_hatches() {
    let why = hatches(
        "shells.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: print(1)\n        shell: python\n      - run: Write-Output ${{ github.sha }}\n        shell: pwsh\n      - uses: actions/cache@v4\n        shell: sh\n      - run: echo ok\n        shell: sh\n      - run: dir\n        shell: cmd\n",
    );
    assert_eq!(
        why,
        [
            "step shell `python` has no typed form",
            "an expression inside a `pwsh` or `cmd` script has no typed form",
            "a `shell` on a step without `run`",
            "a `cmd` step on a runner not known as Windows (`windows-2025`) has no typed form",
        ]
    );
}

fn checkouts_pipeline() -> pipeline_core::Pipeline {
    use pipeline_core::prelude::*;
    let job = Job::new("build")
        .step(Step::checkout())
        .step(Step::checkout_with(
            Checkout::repository("acme/schemas").git_ref("v2").path("schemas"),
        ))
        .step(Step::checkout_with(
            Checkout::repository("acme/private")
                .path("private")
                .token(Expr::secret("PRIVATE_REPO_TOKEN"))
                .fetch_depth(0),
        ))
        .step(Step::checkout_with(Checkout::default().git_ref("main").path("base")))
        .step(Step::checkout_with(
            Checkout::repository("acme/tools")
                .path("tools")
                .token(PlatformToken::new()),
        ))
        .step(Step::script("make"));
    Pipeline::new("checkouts")
        .on(Trigger::push())
        .secret(Secret::new("PRIVATE_REPO_TOKEN"))
        .job(job)
}

#[test]
fn checkouts_of_other_repositories_refs_and_paths_round_trip() {
    for (label, backend) in [("checkouts-github", "github"), ("checkouts-gitlab", "gitlab")] {
        let module = assert_round_trips(label, checkouts_pipeline(), backend);
        assert_eq!(module.matches("Step::checkout_with(").count(), 4, "{label}: {module}");
    }
}

#[test]
fn checkouts_without_the_models_meaning_stay_escape_hatches() {
    let why = hatches(
        "checkouts.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n          repository: acme/x\n          token: ${{ inputs.token }}\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n          ref: ${{ github.head_ref }}\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n          repository: acme/x\n          token: ${{ secrets.X }}\n",
    );
    assert_eq!(
        why,
        [
            "a checkout token other than a secret or the job token has no typed form",
            "a checkout `ref` with an expression has no typed form",
        ]
    );
}

fn optional_needs_pipeline() -> pipeline_core::Pipeline {
    use pipeline_core::prelude::*;
    let docs = Job::new("docs")
        .when(Condition::branch("main"))
        .step(Step::script("mdbook build"));
    let build = Job::new("build").step(Step::script("make"));
    let publish = Job::new("publish")
        .needs(&build)
        .needs_optional(&docs)
        .when(!Condition::branch("main"))
        .step(Step::script("./publish.sh"));
    // After a job with an optional need: GitHub tests its needs' results too.
    let announce = Job::new("announce").needs(&publish).step(Step::script("./announce.sh"));
    Pipeline::new("optional")
        .on(Trigger::push())
        .job(docs)
        .job(build)
        .job(publish)
        .job(announce)
}

#[test]
fn optional_needs_round_trip() {
    for (label, backend) in [("optional-github", "github"), ("optional-gitlab", "gitlab")] {
        let module = assert_round_trips(label, optional_needs_pipeline(), backend);
        assert!(module.contains(".needs_optional(\"docs\")"), "{label}: {module}");
    }
}

#[test]
fn tests_of_need_results_that_are_not_optional_needs_stay_escape_hatches() {
    // No optional need before it: this is not what the generator writes for one, and reading it
    // as a plain need would trade its meaning for GitHub's implicit `success()`.
    let why = hatches(
        "results.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  b:\n    needs: [a]\n    if: ${{ !cancelled() && !failure() && needs.a.result == 'success' }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    );
    assert_eq!(why, ["condition: function `cancelled` has no typed condition"]);
    // An optional need whose dependent job has no explicit test: nothing is read back.
    let why = hatches(
        "partial.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  b:\n    needs: [a]\n    if: ${{ !cancelled() && !failure() && (needs.a.result == 'success' || needs.a.result == 'skipped') }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  c:\n    needs: [b]\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
    );
    assert_eq!(why, ["condition: function `cancelled` has no typed condition"]);
}

fn test_reports_pipeline() -> pipeline_core::Pipeline {
    use pipeline_core::prelude::*;
    let test = Job::new("test")
        .step(Step::checkout())
        .step(Step::script("cargo nextest run --profile ci"))
        .test_report(TestReport::junit("target/nextest/ci/junit.xml").path("reports/*.xml"))
        .test_report(TestReport::junit("e2e/junit.xml"));
    let cells = Job::new("cells")
        .matrix(Matrix::new().axis("shard", ["1", "2"]))
        .step(Step::script("make test"))
        .test_report(TestReport::junit("junit.xml"));
    Pipeline::new("reports").on(Trigger::push()).job(test).job(cells)
}

#[test]
fn test_reports_round_trip() {
    for (label, backend) in [("reports-github", "github"), ("reports-gitlab", "gitlab")] {
        let module = assert_round_trips(label, test_reports_pipeline(), backend);
        // One report per job: the platforms keep the paths, not how they were grouped.
        assert_eq!(module.matches("TestReport::junit(").count(), 2, "{label}: {module}");
        assert!(!module.contains("upload-artifact"), "{label}: {module}");
    }
}

#[test]
fn test_reports_that_are_not_the_generators_stay_as_they_are() {
    // Not the last step, or another artifact name: an upload like any other (typed as an action).
    let dir = TempDir::new("import-reports");
    let step = "      - name: Upload test reports\n        if: ${{ !cancelled() }}\n        uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0\n        with:\n          name: NAME\n          path: |\n            junit.xml\n          if-no-files-found: warn\n";
    let workflow = |name: &str, after: &str| {
        format!(
            "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n{}{after}",
            step.replace("NAME", name)
        )
    };
    for (file, text, typed) in [
        ("last.yml", workflow("test-reports-test", ""), true),
        ("other-name.yml", workflow("reports", ""), false),
        (
            "not-last.yml",
            workflow("test-reports-test", "      - run: echo done\n"),
            false,
        ),
    ] {
        let import = pipeline_import::import(&[write(dir.path(), file, &text)]);
        let module = import.module.expect("imports");
        assert_eq!(module.contains(".test_report("), typed, "{file}: {module}");
    }
    // GitLab: an empty list of reports is no report (and no panic).
    let why = hatches(
        "x.gitlab-ci.yml",
        "test:\n  script: [make]\n  artifacts:\n    when: always\n    reports:\n      junit: []\n",
    );
    assert_eq!(why, ["artifacts with reports, untracked, when or exclude"]);
}
