//! The portable semantics (docs/SEMANTICS.md), proved by running what the backends generate:
//! the GitLab file under `gitlab-ci-local --force-shell-executor` (GitLab's own job semantics),
//! the GitHub `run:` scripts each in its own `bash --noprofile --norc -eo pipefail` (GitHub's
//! `shell: bash`), and the CodeBuild buildspec commands one after the other in one bash, as
//! CodeBuild runs a phase. One test per divergence of issue 9; each fails on the lowering
//! before it was fixed.

use std::path::Path;

use pipeline_backends::{CodePipeline, Github};
use pipeline_core::Severity;
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::prelude::*;
use pipeline_tests::TempDir;

#[path = "semantics_harness.rs"]
mod harness;
use harness::{codebuild_run, file, generate, github_job, gitlab_run, read_bytes, yaml};

// ---------------------------------------------------------------------------------------------
// Probes.

/// A command printing exactly `value` (script text, never a spliced value).
fn printf_command(value: &[u8]) -> String {
    let mut s = String::from("printf '%b' '");
    for &b in value {
        if b.is_ascii_alphanumeric() || b == b' ' {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\0{b:03o}"));
        }
    }
    s.push('\'');
    s
}

/// Values that break naive transports: newlines, `$`, `#`, quotes, `=`, backslashes, unicode,
/// delimiter-looking lines, percent signs, spaces at both ends (trailing newlines are removed
/// by definition, so none end with one).
fn hazards() -> Vec<Vec<u8>> {
    vec![
        b"line 1\nline 2\n\nline 4".to_vec(),
        b"$HOME ${PATH} $(id) `id` \\$x \\n \\".to_vec(),
        b"# not a comment = \"double\" 'single' ;&|<>*?[]{}~!".to_vec(),
        b"EOF\nPIPELINE_OUTPUT_EOF\nPIPELINE_SCRIPT\nPIPELINE_COMMAND\nOTHER=injected".to_vec(),
        "\u{e9}t\u{e9} \u{6f22}\u{5b57} \u{1f680} \ttab \rcr"
            .as_bytes()
            .to_vec(),
        b"  spaces at both ends  ".to_vec(),
        b"%41%%25 already%encoded".to_vec(),
        vec![b'x'; 1000],
    ]
}

/// Two producers of four hazard outputs each, and a consumer writing each value to a file.
fn outputs_probe() -> Pipeline {
    let values = hazards();
    let mut producers: Vec<Job> = Vec::new();
    for (n, chunk) in values.chunks(4).enumerate() {
        let mut job = Job::new(format!("produce{}", n + 1).as_str());
        for (k, v) in chunk.iter().enumerate() {
            job = job.step(Step::set_output(
                format!("v{}", n * 4 + k + 1).as_str(),
                printf_command(v),
            ));
        }
        producers.push(job);
    }
    let mut consume = Job::new("consume").step(Step::checkout());
    let mut script = String::from("mkdir -p out\n");
    for (n, p) in producers.iter().enumerate() {
        consume = consume.needs(p);
        for k in 0..4 {
            let i = n * 4 + k + 1;
            consume = consume.env(format!("V{i}").as_str(), p.output(format!("v{i}").as_str()));
            script.push_str(&format!("printf '%s' \"$V{i}\" > out/v{i}\n"));
        }
    }
    consume = consume.step(Step::script(script)).step(Step::upload("values", ["out"]));
    Pipeline::new("probe")
        .on(Trigger::push().branches(["main"]))
        .jobs(producers)
        .job(consume)
}

// ---------------------------------------------------------------------------------------------
// 1. Step isolation.

const ISOLATION_STEP_1: &str = "mkdir -p sub\ncd sub\nexport LEAKED=yes\nset +e\necho first > ../trace.txt\nexit 0\n";
const ISOLATION_STEP_2: &str = "errexit=off\ncase $- in *e*) errexit=on ;; esac\necho \"leaked=${LEAKED:-no} workspace=$([ -d sub ] && echo yes || echo no) errexit=$errexit\" >> trace.txt\n";
const ISOLATION_STEP_3: &str =
    "if read -r line; then echo \"stdin=$line\" >> trace.txt; else echo 'stdin=empty' >> trace.txt; fi\n";
const ISOLATION_TRACE: &str = "first\nleaked=no workspace=yes errexit=on\nstdin=empty\n";

fn isolation_probe() -> Pipeline {
    let job = Job::new("isolation")
        .step(Step::checkout())
        .step(Step::script(ISOLATION_STEP_1))
        .step(Step::script(ISOLATION_STEP_2))
        .step(Step::script(ISOLATION_STEP_3))
        .step(Step::upload("trace", ["trace.txt"]));
    Pipeline::new("probe").on(Trigger::push().branches(["main"])).job(job)
}

#[test]
fn each_step_runs_in_its_own_shell_on_gitlab() {
    let dir = TempDir::new("semantics-isolation");
    let Some((out, work)) = gitlab_run("gitlab", &isolation_probe(), &dir) else {
        return;
    };
    let log = out.text();
    assert_eq!(out.code, 0, "{log}");
    let trace = read_bytes(&work.join(".gitlab-ci-local/artifacts/isolation/trace.txt"), &log);
    assert_eq!(String::from_utf8_lossy(&trace), ISOLATION_TRACE, "{log}");
}

#[test]
fn each_step_runs_in_its_own_shell_on_codebuild() {
    let (files, _) = generate(&CodePipeline::new(), &isolation_probe());
    let template = file(&files, ".template.yml");
    let dir = TempDir::new("semantics-isolation-cb");
    let (ws, scripts) = (dir.path().join("ws"), dir.path().join("scripts"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    let (out, _) = codebuild_run(template, "IsolationProject", &ws, &scripts, &[]);
    assert_eq!(out.code, 0, "{}", out.text());
    assert_eq!(
        std::fs::read_to_string(ws.join("trace.txt")).expect("trace"),
        ISOLATION_TRACE
    );
}

#[test]
fn each_step_runs_in_its_own_shell_on_github() {
    let (files, _) = generate(&Github::new(), &isolation_probe());
    let dir = TempDir::new("semantics-isolation-gh");
    let (ws, temp) = (dir.path().join("ws"), dir.path().join("temp"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    std::fs::create_dir_all(&temp).expect("mkdir");
    let run = github_job(file(&files, "probe.yml"), "isolation", &ws, &temp);
    assert!(run.codes.iter().flatten().all(|o| o.code == 0));
    assert_eq!(
        std::fs::read_to_string(ws.join("trace.txt")).expect("trace"),
        ISOLATION_TRACE
    );
}

// ---------------------------------------------------------------------------------------------
// 2. A failure inside the set-output command: the same everywhere.

fn substitution_probe(command: &str) -> Pipeline {
    Pipeline::new("probe").on(Trigger::push().branches(["main"])).job(
        Job::new("produce")
            .step(Step::set_output("v", command))
            .step(Step::script("echo after")),
    )
}

/// (GitHub succeeded, CodeBuild succeeded, value on GitHub, value on CodeBuild).
fn substitution_results(command: &str) -> (bool, bool, Option<String>, Option<String>) {
    let p = substitution_probe(command);
    let dir = TempDir::new("semantics-subst");
    let (ws, temp) = (dir.path().join("ws"), dir.path().join("temp"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    std::fs::create_dir_all(&temp).expect("mkdir");
    let (files, _) = generate(&Github::new(), &p);
    let gh = github_job(file(&files, "probe.yml"), "produce", &ws, &temp);
    let gh_ok = gh.codes.iter().flatten().all(|o| o.code == 0);
    let gh_value = gh.outputs.get("output-v").and_then(|o| o.get("v").cloned());
    let (files, _) = generate(&CodePipeline::new(), &p);
    let (out, exported) = codebuild_run(file(&files, ".template.yml"), "ProduceProject", &ws, &temp, &[]);
    let cb_value = exported
        .get("v")
        .filter(|_| out.code == 0)
        .map(|v| String::from_utf8(pipeline_core::semantics::decode_output(v).expect("encoded")).expect("utf-8"));
    (gh_ok, out.code == 0, gh_value, cb_value)
}

#[test]
fn a_failing_set_output_command_fails_the_step_everywhere() {
    // A failing command of the set-output step's script: the step fails on every platform.
    let (gh, cb, _, _) = substitution_results("false\necho after");
    assert!(!gh && !cb, "github ok: {gh}, codebuild ok: {cb}");
    // A failing substitution used as an argument: ignored everywhere (no inherit_errexit).
    let (gh, cb, gv, cv) = substitution_results("echo \"x$(false)y\"");
    assert!(gh && cb);
    assert_eq!((gv.as_deref(), cv.as_deref()), (Some("xy"), Some("xy")));

    let dir = TempDir::new("semantics-subst-gl");
    let Some((out, _)) = gitlab_run("gitlab", &substitution_probe("false\necho after"), &dir) else {
        return;
    };
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(
        !out.stdout.contains("\nafter") && !out.stdout.contains(" after\n"),
        "{}",
        out.text()
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Inputs hold their default on other events.

#[test]
fn inputs_hold_their_default_on_github_push_runs() {
    let job = Job::new("deploy")
        .when(Condition::input_equals("target", "staging"))
        .env("TARGET", Expr::input("target"))
        .env("DRY_RUN", Expr::input("dry_run"))
        .step(Step::script("./deploy.sh"));
    let p = Pipeline::new("probe")
        .on(Trigger::push().branches(["main"]))
        .on(Trigger::manual()
            .input(Input::choice("target", "Where", ["staging", "production"]))
            .input(Input::boolean("dry_run", "Dry run", true)))
        .job(job);
    let (files, _) = generate(&Github::new(), &p);
    let doc = yaml(file(&files, "probe.yml"));
    let job = &doc["jobs"]["deploy"];
    assert_eq!(
        job["if"],
        "(github.event_name == 'workflow_dispatch' && inputs.target || github.event_name != 'workflow_dispatch' && 'staging' || '') == 'staging'"
    );
    assert_eq!(
        job["env"]["TARGET"],
        "${{ github.event_name == 'workflow_dispatch' && inputs.target || github.event_name != 'workflow_dispatch' && 'staging' || '' }}"
    );
    assert_eq!(
        job["env"]["DRY_RUN"],
        "${{ github.event_name != 'workflow_dispatch' || inputs.dry_run }}"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. One artifact layout.

const ARTIFACT_FILES: [&str; 3] = ["dist/app.zip", "docs/guide/readme.txt", "nested/deep/x.txt"];

fn artifact_probe() -> Pipeline {
    let make = ARTIFACT_FILES
        .iter()
        .map(|f| format!("mkdir -p \"$(dirname {f})\" && echo {f} > {f}"))
        .collect::<Vec<_>>()
        .join("\n");
    let build = Job::new("build")
        .step(Step::script(make))
        .step(Step::upload("bundle", ["dist/app.zip", "docs/**/*.txt", "nested/deep"]));
    let check = ARTIFACT_FILES
        .iter()
        .map(|f| format!("test \"$(cat {f})\" = {f}"))
        .collect::<Vec<_>>()
        .join("\n");
    let use_it = Job::new("use")
        .needs(&build)
        .step(Step::download("bundle"))
        .step(Step::script(check));
    Pipeline::new("probe")
        .on(Trigger::push().branches(["main"]))
        .job(build)
        .job(use_it)
}

fn relative_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), base, out);
            } else {
                out.push(
                    e.path()
                        .strip_prefix(base)
                        .expect("below")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn artifacts_keep_workspace_relative_paths_on_github_and_codebuild() {
    let p = artifact_probe();
    // GitHub: the staged directory is what upload-artifact uploads (its root is that directory).
    let (files, _) = generate(&Github::new(), &p);
    let workflow = file(&files, "probe.yml");
    let dir = TempDir::new("semantics-artifacts");
    let (ws, temp) = (dir.path().join("ws"), dir.path().join("temp"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    std::fs::create_dir_all(&temp).expect("mkdir");
    let run = github_job(workflow, "build", &ws, &temp);
    assert!(run.codes.iter().flatten().all(|o| o.code == 0), "{workflow}");
    let doc = yaml(workflow);
    let upload = doc["jobs"]["build"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload step")
        .clone();
    assert_eq!(upload["with"]["path"], "${{ runner.temp }}/pipeline-artifacts/bundle");
    assert_eq!(relative_files(&temp.join("pipeline-artifacts/bundle")), ARTIFACT_FILES);

    // CodeBuild: the staged directory is the artifact's base-directory.
    let (files, _) = generate(&CodePipeline::new(), &p);
    let template = file(&files, ".template.yml");
    let ws2 = dir.path().join("ws2");
    std::fs::create_dir_all(&ws2).expect("mkdir");
    let (out, _) = codebuild_run(template, "BuildProject", &ws2, &temp, &[]);
    assert_eq!(out.code, 0, "{}", out.text());
    assert_eq!(relative_files(&ws2.join(".pipeline-artifacts/bundle")), ARTIFACT_FILES);
}

#[test]
fn artifacts_keep_workspace_relative_paths_on_gitlab() {
    let dir = TempDir::new("semantics-artifacts-gl");
    let Some((out, _)) = gitlab_run("gitlab", &artifact_probe(), &dir) else {
        return;
    };
    assert_eq!(out.code, 0, "{}", out.text());
}

// ---------------------------------------------------------------------------------------------
// 5. Any output value arrives byte for byte.

#[test]
fn hazardous_output_values_arrive_unchanged_on_gitlab() {
    let dir = TempDir::new("semantics-outputs-gl");
    let Some((out, work)) = gitlab_run("gitlab", &outputs_probe(), &dir) else {
        return;
    };
    let log = out.text();
    assert_eq!(out.code, 0, "{log}");
    for (i, want) in hazards().iter().enumerate() {
        let got = read_bytes(
            &work.join(format!(".gitlab-ci-local/artifacts/consume/out/v{}", i + 1)),
            &log,
        );
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "value {}",
            i + 1
        );
    }
}

#[test]
fn hazardous_output_values_arrive_unchanged_on_github_and_codebuild() {
    let p = outputs_probe();
    let dir = TempDir::new("semantics-outputs");
    let (ws, temp) = (dir.path().join("ws"), dir.path().join("temp"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    std::fs::create_dir_all(&temp).expect("mkdir");
    let values = hazards();

    let (files, _) = generate(&Github::new(), &p);
    let workflow = file(&files, "probe.yml");
    for (n, job) in ["produce1", "produce2"].iter().enumerate() {
        let run = github_job(workflow, job, &ws, &temp);
        assert!(run.codes.iter().flatten().all(|o| o.code == 0));
        for k in 0..4 {
            let i = n * 4 + k + 1;
            let got = &run.outputs[&format!("output-v{i}")][&format!("v{i}")];
            assert_eq!(got.as_bytes(), values[i - 1].as_slice(), "github value {i}");
        }
    }

    let (files, _) = generate(&CodePipeline::new(), &p);
    let template = file(&files, ".template.yml");
    let mut carried: Vec<(String, String)> = Vec::new();
    for (n, project) in ["Produce1Project", "Produce2Project"].iter().enumerate() {
        let (out, exported) = codebuild_run(template, project, &ws, &temp, &[]);
        assert_eq!(out.code, 0, "{}", out.text());
        for k in 0..4 {
            let i = n * 4 + k + 1;
            // CodePipeline hands the exported value to the consumer's carrier variable.
            carried.push((format!("V{i}_1"), exported[&format!("v{i}")].clone()));
        }
    }
    let (out, _) = codebuild_run(template, "ConsumeProject", &ws, &temp, &carried);
    assert_eq!(out.code, 0, "{}", out.text());
    for (i, want) in values.iter().enumerate() {
        let got = std::fs::read(ws.join(format!("out/v{}", i + 1))).expect("value file");
        assert_eq!(got, *want, "codebuild value {}", i + 1);
    }
}

#[test]
fn an_output_too_large_fails_its_step() {
    let big = vec![b'#'; 400]; // 1200 bytes encoded
    let (gh, cb, _, _) = substitution_results(&printf_command(&big));
    assert!(!gh && !cb);
    let fits = vec![b'x'; 1024];
    let (gh, cb, gv, _) = substitution_results(&printf_command(&fits));
    assert!(gh && cb && gv.is_some_and(|v| v.len() == 1024));
}

// ---------------------------------------------------------------------------------------------
// 6. Matrix cells setting the same output: refused.

#[test]
fn a_matrix_job_cannot_set_outputs() {
    let p = Pipeline::new("probe").on(Trigger::push()).job(
        Job::new("build")
            .matrix(Matrix::new().axis("os", ["linux", "macos"]))
            .step(Step::set_output("v", "echo 1")),
    );
    let d = pipeline_core::validate::validate(&p);
    let e: Vec<_> = d.errors().filter(|e| e.code == "matrix-output").collect();
    assert_eq!(e.len(), 1, "{d}");
    assert_eq!(e[0].path.to_string(), "pipeline \"probe\" > job \"build\"");
    assert!(e[0].hint.is_some());
}

// ---------------------------------------------------------------------------------------------
// 7. Independent branches on CodePipeline: a named warning the user acknowledges.

fn branches_probe() -> Pipeline {
    let a = Job::new("a").step(Step::script("true"));
    let b = Job::new("b").needs(&a).step(Step::script("true"));
    let c = Job::new("c").step(Step::script("true"));
    let d = Job::new("d").needs(&c).step(Step::script("true"));
    // e depends on b only: it lands after c's stage too.
    let e = Job::new("e").needs(&b).step(Step::script("true"));
    Pipeline::new("probe").on(Trigger::push()).jobs([a, b, c, d, e])
}

fn render_all(p: Pipeline) -> Diagnostics {
    Generator::new("semantics", std::env::temp_dir())
        .backends(pipeline_templates::all())
        .pipeline(p)
        .render(&[])
        .unwrap_or_else(|d| panic!("{d}"))
        .diagnostics
}

#[test]
fn independent_branches_on_codepipeline_are_a_named_divergence() {
    let d = render_all(branches_probe());
    let warnings: Vec<_> = d.iter().filter(|x| x.code == "codepipeline-stage-layering").collect();
    let jobs: Vec<String> = warnings.iter().map(|w| w.path.to_string()).collect();
    assert_eq!(
        jobs,
        [
            "pipeline \"probe\" > job \"b\"",
            "pipeline \"probe\" > job \"d\"",
            "pipeline \"probe\" > job \"e\""
        ],
        "{d}"
    );
    assert!(warnings.iter().all(|w| {
        w.platform == Some("codepipeline")
            && w.severity == Severity::Warning
            && w.hint
                .as_deref()
                .is_some_and(|h| h.contains("Divergence::StageLayering"))
    }));
    assert!(
        warnings[2].message.contains("\"c\"") && warnings[2].message.contains("\"d\""),
        "{d}"
    );

    // Acknowledged: silent. A chain has nothing to acknowledge: the acknowledgement is reported.
    let d = render_all(branches_probe().acknowledge(Divergence::StageLayering));
    assert!(
        !d.contains_code("codepipeline-stage-layering") && !d.contains_code("unused-acknowledgement"),
        "{d}"
    );
    let chain = Pipeline::new("chain")
        .on(Trigger::push())
        .job(Job::new("a").step(Step::script("true")))
        .job(Job::new("b").needs("a").step(Step::script("true")))
        .acknowledge(Divergence::StageLayering);
    let d = render_all(chain);
    assert!(d.contains_code("unused-acknowledgement"), "{d}");
    assert!(!d.contains_code("codepipeline-stage-layering"), "{d}");
}

// ---------------------------------------------------------------------------------------------
// Also warned before: a failing `always` step fails the job (GitLab ran it in `after_script`,
// whose failure GitLab ignores).

fn status_probe() -> Pipeline {
    let j = Job::new("j")
        .step(Step::script("echo j-one"))
        .step(Step::script("echo j-failure-ran").when(Condition::failure()))
        .step(Step::script("echo j-always-ran\nexit 3").when(Condition::always()));
    let k = Job::new("k")
        .step(Step::script("false"))
        .step(Step::script("echo k-skipped-ran"))
        .step(Step::script("echo k-failure-ran").when(Condition::failure()))
        .step(Step::script("echo k-always-ran").when(Condition::always()));
    Pipeline::new("probe")
        .on(Trigger::push().branches(["main"]))
        .jobs([j, k])
}

fn assert_status_log(log: &str) {
    for seen in ["j-always-ran", "k-failure-ran", "k-always-ran"] {
        assert!(log.contains(seen), "{seen} missing:\n{log}");
    }
    for unseen in ["j-failure-ran", "k-skipped-ran"] {
        assert!(!log.contains(unseen), "{unseen} ran:\n{log}");
    }
}

#[test]
fn a_failing_always_step_fails_the_job_on_gitlab() {
    let dir = TempDir::new("semantics-status-gl");
    let Some((out, _)) = gitlab_run("gitlab", &status_probe(), &dir) else {
        return;
    };
    let log = out.text();
    assert_ne!(out.code, 0, "{log}");
    let stdout: String = out
        .stdout
        .lines()
        .filter(|l| !l.contains(" $ "))
        .collect::<Vec<_>>()
        .join("\n");
    assert_status_log(&stdout);
    assert!(
        out.stdout.contains(" FAIL  j") && out.stdout.contains(" FAIL  k"),
        "{log}"
    );
}

#[test]
fn a_failing_always_step_fails_the_job_on_codebuild() {
    let (files, _) = generate(&CodePipeline::new(), &status_probe());
    let template = file(&files, ".template.yml");
    let dir = TempDir::new("semantics-status-cb");
    let (ws, scripts) = (dir.path().join("ws"), dir.path().join("scripts"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    let mut log = String::new();
    for project in ["JProject", "KProject"] {
        let (out, _) = codebuild_run(template, project, &ws, &scripts, &[]);
        assert_ne!(out.code, 0, "{}", out.text());
        log.push_str(&out.stdout);
    }
    assert_status_log(&log);
}

// ---------------------------------------------------------------------------------------------
// An upload path that matches nothing fails the upload step everywhere (GitLab only warned).

fn missing_upload_probe() -> Pipeline {
    Pipeline::new("probe").on(Trigger::push().branches(["main"])).job(
        Job::new("build")
            .step(Step::script("mkdir -p dist && echo x > dist/present.txt"))
            .step(Step::upload("bundle", ["dist/present.txt", "dist/missing-*.zip"])),
    )
}

#[test]
fn an_upload_that_matches_nothing_fails_everywhere() {
    let p = missing_upload_probe();
    let dir = TempDir::new("semantics-missing");
    let (ws, temp) = (dir.path().join("ws"), dir.path().join("temp"));
    std::fs::create_dir_all(&ws).expect("mkdir");
    std::fs::create_dir_all(&temp).expect("mkdir");
    let (files, _) = generate(&Github::new(), &p);
    let run = github_job(file(&files, "probe.yml"), "build", &ws, &temp);
    assert!(run.codes.iter().flatten().any(|o| o.code != 0));
    let (files, _) = generate(&CodePipeline::new(), &p);
    let (out, _) = codebuild_run(file(&files, ".template.yml"), "BuildProject", &ws, &temp, &[]);
    assert_ne!(out.code, 0, "{}", out.text());
    let Some((out, _)) = gitlab_run("gitlab", &p, &dir) else {
        return;
    };
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(
        out.text().contains("dist/missing-*.zip matches no file"),
        "{}",
        out.text()
    );
}

#[test]
fn outputs_in_fields_gitlab_reads_itself_are_a_named_divergence() {
    let build = Job::new("build").step(Step::set_output("url", "echo https://example.com/?a=1"));
    let deploy = Job::new("deploy")
        .needs(&build)
        .environment(Environment::new("staging").url(build.output("url")))
        .step(Step::script("true"));
    let p = Pipeline::new("probe").on(Trigger::push()).jobs([build, deploy]);
    let d = render_all(p.clone());
    let w: Vec<_> = d.iter().filter(|x| x.code == "gitlab-encoded-output").collect();
    assert_eq!(w.len(), 1, "{d}");
    assert_eq!(w[0].path.to_string(), "pipeline \"probe\" > job \"deploy\"");
    assert_eq!(w[0].platform, Some("gitlab"));
    let d = render_all(p.acknowledge(Divergence::EncodedOutput));
    assert!(
        !d.contains_code("gitlab-encoded-output") && !d.contains_code("unused-acknowledgement"),
        "{d}"
    );
}
