//! Probe pipelines for the fidelity suite (`tests/fidelity.rs`): small pipelines that need no
//! cloud, one or more per section of `docs/SEMANTICS.md`, whose scripts print what they see as
//! trace lines (`@@TRACE ...`). The local runner and gitlab-ci-local run each one; their traces
//! must be identical.
//!
//! A trace line is printed with the marker split in the script text (`"@@""TRACE"`), so a
//! platform that echoes the commands it runs does not print a false trace line.

use pipeline_core::prelude::*;

/// How a probe is started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// A push of branch `main`.
    PushMain,
    /// A push of tag `v1.2.3`.
    Tag,
    /// A manual run with these inputs.
    Manual(Vec<(String, String)>),
}

/// A probe: a pipeline, how it is started, which gates are approved, and the SEMANTICS.md
/// section it covers.
#[derive(Clone, Debug)]
pub struct Probe {
    /// Its name (also the pipeline id).
    pub name: &'static str,
    /// The SEMANTICS.md section it covers (`1. Steps`...).
    pub section: &'static str,
    /// The pipeline.
    pub pipeline: Pipeline,
    /// How it starts.
    pub start: Start,
    /// Jobs whose manual approval is given.
    pub approve: Vec<&'static str>,
}

/// A shell line printing `@@TRACE <text>` (`text` is expanded by the shell: `$VAR` works).
pub fn tr(text: &str) -> String {
    format!("echo \"@@\"\"TRACE {text}\"")
}

/// A shell line printing one trace line per file under `dir`, sorted.
pub fn tr_files(dir: &str) -> String {
    format!("find {dir} -type f | LC_ALL=C sort | sed \"s/^/@@\"\"TRACE file /\"")
}

/// A shell line printing variable `name`'s value as hex bytes (any value, newlines included).
pub fn tr_hex(name: &str) -> String {
    format!("echo \"@@\"\"TRACE {name}=$(printf '%s' \"${name}\" | od -An -tx1 | tr -d ' \\n')\"")
}

fn probe(name: &'static str, section: &'static str, jobs: impl IntoIterator<Item = Job>) -> Probe {
    Probe {
        name,
        section,
        pipeline: Pipeline::new(name)
            .on(Trigger::push().branches(["main"]).tags(["v*"]))
            .jobs(jobs),
        start: Start::PushMain,
        approve: Vec::new(),
    }
}

fn job(id: &str) -> Job {
    Job::new(id).step(Step::checkout())
}

/// Every probe.
pub fn all() -> Vec<Probe> {
    vec![
        // 1. Steps: shell, options, working directory
        probe(
            "shell-state",
            "1. Steps / 2. What carries",
            [job("state")
                .step(Step::script("mkdir -p sub\ncd sub\nexport LEAK=1\nset +e\nshell_var=2\nalias ll=ls\numask 077\n"))
                .step(Step::script(format!(
                    "{}\n{}\n{}\n",
                    tr("in-root=$([ -f probe.txt ] && echo yes || echo no)"),
                    tr("leak=[${LEAK:-}] var=[${shell_var:-}]"),
                    tr("umask=$(umask)")
                )))
                .step(Step::script(format!("false\n{}", tr("errexit-off-leaked"))).continue_on_error())
                .step(Step::script(tr("after")))],
        ),
        probe(
            "early-exit",
            "1. Steps",
            [job("exit")
                .step(Step::script(format!("{}\nexit 0\n{}", tr("one"), tr("not-reached"))))
                .step(Step::script(tr("two")))],
        ),
        probe(
            "shell-options",
            "1. Steps (pipefail, errexit, command substitution)",
            [
                job("substitution").step(Step::script(format!(
                    "echo \"value=$(false)\"\n{}",
                    tr("substitution-failure-ignored")
                ))),
                job("pipefail")
                    .step(Step::script(format!("false | true\n{}", tr("pipefail-not-honoured"))))
                    .step(Step::script(tr("not-reached"))),
                job("stdin").step(Step::script(format!(
                    "{}\n{}",
                    tr("stdin-empty=$(cat | wc -c | tr -d ' ')"),
                    tr("tty=$([ -t 0 ] && echo yes || echo no)")
                ))),
            ],
        ),
        probe(
            "working-directory",
            "1. Steps (working directory)",
            [job("dirs")
                .step(Step::script("mkdir -p sub/inner && echo x > sub/inner/f.txt"))
                .step(Step::script(tr("in-sub=$([ -d inner ] && echo yes || echo no)")).working_directory("sub"))
                .step(Step::script(tr("back-in-root=$([ -f probe.txt ] && echo yes || echo no)")))],
        ),
        // 3. Environment and precedence
        probe("env-precedence", "3. Environment", [job("env")
            .env("B", "job")
            .env("C", "job")
            .step(Step::script(tr("A=$A B=$B C=$C")).env("C", "step"))
            .step(Step::script(tr("C-after=$C")))])
        .with(|p| p.env("A", "pipeline").env("B", "pipeline").env("C", "pipeline")),
        probe(
            "env-values",
            "3. Environment (values are never spliced)",
            [job("values")
                .env("SPACES", "a  b")
                .env("DOLLAR", "$HOME and ${PATH}")
                .env("QUOTES", "it's \"quoted\"")
                .env("YAML", "yes")
                .env("OCTAL", "0777")
                .env("COLON", "key: value # not a comment")
                .step(Step::script(format!(
                    "{}\n{}\n{}\n{}\n{}\n{}",
                    tr_hex("SPACES"),
                    tr_hex("DOLLAR"),
                    tr_hex("QUOTES"),
                    tr_hex("YAML"),
                    tr_hex("OCTAL"),
                    tr_hex("COLON")
                )))],
        ),
        // 4. Step failure and step conditions
        probe(
            "step-failure",
            "4. Step failure",
            [job("fails")
                .step(Step::script(format!("{}\nexit 3", tr("first"))))
                .step(Step::script(tr("not-reached")))
                .step(Step::script(tr("on-failure")).when(Condition::failure()))
                .step(Step::script(tr("always")).when(Condition::always()))],
        ),
        probe(
            "continue-on-error",
            "4. Step failure (continue on error)",
            [job("tolerant")
                .step(Step::script(format!("{}\nfalse\n{}", tr("flaky"), tr("not-reached"))).continue_on_error())
                .step(Step::script(tr("next")))
                .step(Step::script(tr("on-failure")).when(Condition::failure()))],
        ),
        probe(
            "step-conditions",
            "4. Step conditions",
            [job("conditions")
                .step(Step::script(tr("main")).when(Condition::branch("main")))
                .step(Step::script(tr("not-main")).when(!Condition::branch("main")))
                .step(Step::script(tr("tag")).when(Condition::tag()))
                .step(Step::script(tr("push")).when(Condition::event(Event::Push)))
                .step(Step::script(tr("schedule")).when(Condition::event(Event::Schedule)))],
        ),
        // 5. Jobs: results, needs, conditions
        probe(
            "job-results",
            "5. Jobs (needs, skipped dependents, failure and always jobs)",
            [
                job("broken").step(Step::script(format!("{}\nfalse", tr("broken")))),
                job("independent").step(Step::script(tr("independent"))),
                job("dependent").needs("broken").step(Step::script(tr("dependent"))),
                job("transitive").needs("dependent").step(Step::script(tr("transitive"))),
                job("rollback")
                    .needs("broken")
                    .when(Condition::failure())
                    .step(Step::script(tr("rollback"))),
                job("cleanup")
                    .needs("broken")
                    .when(Condition::always())
                    .step(Step::script(tr("cleanup"))),
                job("no-rollback")
                    .needs("independent")
                    .when(Condition::failure())
                    .step(Step::script(tr("no-rollback"))),
            ],
        ),
        probe(
            "need-results",
            "5. Jobs (conditions on the result of a need)",
            [
                job("broken").step(Step::script(format!("{}\nfalse", tr("broken")))),
                job("fine").step(Step::script(tr("fine"))),
                job("after-broken-failed")
                    .needs("broken")
                    .when(Condition::need("broken", JobResult::Failure))
                    .step(Step::script(tr("after-broken-failed"))),
                job("after-broken-succeeded")
                    .needs("broken")
                    .when(Condition::need("broken", JobResult::Success))
                    .step(Step::script(tr("after-broken-succeeded"))),
                job("after-fine-succeeded")
                    .needs("fine")
                    .when(Condition::need("fine", JobResult::Success) & Subject::Branch.equals("main"))
                    .step(Step::script(tr("after-fine-succeeded"))),
                job("after-fine-failed")
                    .needs("fine")
                    .when(Condition::need("fine", JobResult::Failure))
                    .step(Step::script(tr("after-fine-failed"))),
            ],
        ),
        probe(
            "allow-failure",
            "5. Jobs (allow failure)",
            [
                job("allowed").allow_failure().step(Step::script(format!("{}\nfalse", tr("allowed")))),
                job("after").needs("allowed").step(Step::script(tr("after-allowed"))),
            ],
        ),
        probe(
            "job-conditions",
            "5. Jobs (conditions)",
            [
                job("on-main").when(Condition::branch("main")).step(Step::script(tr("on-main"))),
                job("on-tag").when(Condition::tag()).step(Step::script(tr("on-tag"))),
                job("after-tag").needs("on-tag").step(Step::script(tr("after-tag"))),
            ],
        ),
        {
            let mut p = probe(
                "tag-run",
                "5. Jobs (conditions on a tag)",
                [
                    job("on-main").when(Condition::branch("main")).step(Step::script(tr("on-main"))),
                    job("on-tag")
                        .when(Condition::tag())
                        .env("REF", Builtin::RefName)
                        .step(Step::script(tr("on-tag ref=$REF"))),
                ],
            );
            p.start = Start::Tag;
            p
        },
        // 15. Typed conditions
        text_probe("text-conditions-push", Start::PushMain),
        text_probe("text-conditions-tag", Start::Tag),
        text_probe(
            "text-conditions-manual",
            Start::Manual(vec![("target".into(), "Production-EU".into())]),
        ),
        // 6. Manual inputs
        inputs_probe("inputs-on-push", Start::PushMain),
        inputs_probe(
            "inputs-manual",
            Start::Manual(vec![("target".into(), "production".into()), ("note".into(), "hello world".into())]),
        ),
        // 7. Artifacts
        probe(
            "artifacts",
            "7. Artifacts (one layout)",
            [
                job("produce")
                    .step(Step::script(
                        "mkdir -p dist/sub reports\necho app > dist/app.txt\necho b > dist/sub/b.txt\necho r > reports/a.xml\necho no > reports/a.txt",
                    ))
                    .step(Step::upload("bundle", ["dist", "reports/*.xml"])),
                Job::new("consume")
                    .needs("produce")
                    .step(Step::download("bundle"))
                    .step(Step::script(format!("{}\n{}", tr_files("dist"), tr_files("reports")))),
            ],
        ),
        // 8. Outputs
        probe(
            "outputs",
            "8. Outputs (any value)",
            [
                job("produce")
                    .step(Step::set_output("plain", "echo 1.2.3"))
                    .step(Step::set_output("special", "printf '%s' \"a b \\$HOME # 'q' \\\"dq\\\" % ü\""))
                    .step(Step::set_output("lines", "printf 'line 1\\nline 2\\n\\n'"))
                    .step(Step::set_output("empty", "true")),
                Job::new("consume")
                    .needs("produce")
                    .env("PLAIN", OutputRef::new("produce", "plain"))
                    .env("SPECIAL", OutputRef::new("produce", "special"))
                    .env("LINES", OutputRef::new("produce", "lines"))
                    .env("EMPTY", OutputRef::new("produce", "empty"))
                    .step(Step::script(format!(
                        "{}\n{}\n{}\n{}",
                        tr_hex("PLAIN"),
                        tr_hex("SPECIAL"),
                        tr_hex("LINES"),
                        tr_hex("EMPTY")
                    ))),
            ],
        ),
        // 9. Matrix
        probe(
            "matrix",
            "9. Matrix",
            [
                job("cells")
                    .matrix(Matrix::new().axis("os", ["linux", "mac"]).axis("v", ["1", "2"]))
                    .env("OS", Expr::matrix("os"))
                    .env("V", Expr::matrix("v"))
                    .step(Step::script(tr("cell os=$OS v=$V"))),
                job("after-cells").needs("cells").step(Step::script(tr("after-cells"))),
            ],
        ),
        // Approvals: a gate passed, a gate held (nothing after it runs)
        {
            let gate = |id: &str| {
                job(id)
                    .environment(Environment::new(format!("{id}-env")).approval(Approval::new()))
                    .step(Step::script(tr(&format!("{id} approved"))))
            };
            let mut p = probe(
                "approval",
                "5. Jobs (manual approval)",
                [
                    job("build").step(Step::script(tr("build"))),
                    gate("deploy").needs("build"),
                    job("verify").needs("deploy").step(Step::script(tr("verify"))),
                    gate("held").needs("build"),
                ],
            );
            p.approve = vec!["deploy"];
            p
        },
        // 2. and 3. together: files carry between steps, the job env does not change
        probe(
            "files-carry",
            "2. What carries (files)",
            [job("files")
                .env("FIXED", "job")
                .step(Step::script("echo data > made.txt\nFIXED=changed\nexport FIXED"))
                .step(Step::script(tr("made=$(cat made.txt) fixed=$FIXED")))],
        ),
        step_state_probe(),
    ]
}

/// Text conditions (ASCII case ignored, absent subjects false, user text as data) on jobs, and
/// on steps reading matrix values, for each way a run starts.
fn text_probe(name: &'static str, start: Start) -> Probe {
    let mut p = probe(
        name,
        "15. Typed conditions (text tests)",
        [
            job("branch-main")
                .when(Subject::Branch.equals("MAIN"))
                .step(Step::script(tr("branch-main"))),
            job("branch-release")
                .when(Subject::Branch.starts_with("release/"))
                .step(Step::script(tr("branch-release"))),
            job("not-branch-ai")
                .when(!Subject::Branch.contains("AI"))
                .step(Step::script(tr("not-branch-ai"))),
            job("tag-v1")
                .when(Subject::Tag.starts_with("V1."))
                .step(Step::script(tr("tag-v1"))),
            job("tag-not-rc")
                .when(!Subject::Tag.ends_with("-rc"))
                .step(Step::script(tr("tag-not-rc"))),
            job("not-pull-request")
                .when(
                    !Condition::fork()
                        & !Subject::PullRequestBase.equals("main")
                        & !Subject::PullRequestHead.contains("x"),
                )
                .step(Step::script(tr("not-pull-request"))),
            job("injection")
                .when(
                    Subject::Branch.equals("main' || true || '")
                        | Subject::input("target").equals("x\" || \"1\" == \"1"),
                )
                .step(Step::script(tr("injection"))),
            job("target-prod")
                .when(Subject::input("target").starts_with("PRODUCTION"))
                .step(Step::script(tr("target-prod"))),
            job("target-eu")
                .when(Subject::input("target").ends_with("-eu"))
                .step(Step::script(tr("target-eu"))),
            job("cells")
                .matrix(Matrix::new().axis("os", ["Linux-x64", "windows-arm64"]))
                .env("OS", Expr::matrix("os"))
                .step(Step::script(tr("windows $OS")).when(Subject::matrix("os").starts_with("WIN")))
                .step(Step::script(tr("x64 $OS")).when(Subject::matrix("os").ends_with("-X64")))
                .step(Step::script(tr("not-linux $OS")).when(!Subject::matrix("os").contains("linux"))),
        ],
    );
    p.pipeline = p
        .pipeline
        .on(Trigger::manual().input(Input::string("target", "Where").default_value("staging")));
    p.start = start;
    p
}

fn inputs_probe(name: &'static str, start: Start) -> Probe {
    let mut p = probe(
        name,
        "6. Manual inputs and their defaults",
        [
            job("default-target")
                .when(Condition::input_equals("target", "staging"))
                .env("TARGET", Expr::input("target"))
                .env("NOTE", Expr::input("note"))
                .env("FLAG", Expr::input("flag"))
                .step(Step::script(tr("target=$TARGET note=[$NOTE] flag=$FLAG"))),
            job("production-target")
                .when(Condition::input_equals("target", "production"))
                .env("NOTE", Expr::input("note"))
                .step(Step::script(tr("production note=[$NOTE]"))),
        ],
    );
    p.pipeline = p.pipeline.on(Trigger::manual()
        .input(Input::choice("target", "Where", ["staging", "production"]))
        .input(Input::string("note", "A note"))
        .input(Input::boolean("flag", "A flag", true)));
    p.start = start;
    p
}

/// Section 17, step state: declared exports reach the later steps (values byte for byte, `PATH`
/// order, precedence under the step's own `env`); a failed step exports nothing.
fn step_state_probe() -> Probe {
    let export = Step::script(
        "mkdir -p one two\nprintf '#!/bin/sh\\necho one\\n' > one/tool\nprintf '#!/bin/sh\\necho two\\n' > two/tool\nchmod +x one/tool two/tool\n\
         echo 'ODD=first' >> \"$PIPELINE_ENV\"\necho \"ODD=it's \\\"\\$HOME\\\" \\`x\\` ; a  b\" >> \"$PIPELINE_ENV\"\n\
         echo 'OVER=state' >> \"$PIPELINE_ENV\"\nprintf 'one\\n%s/two\\n' \"$PWD\" >> \"$PIPELINE_PATH\"\n\
         echo 'version=1.2.3 $x' >> \"$PIPELINE_OUTPUT\"\n",
    )
    .id("export")
    .exports_env("ODD")
    .exports_env("OVER")
    .adds_path()
    .exports_output("version");
    let failing = Step::script("echo 'LOST=yes' >> \"$PIPELINE_ENV\"\nfalse")
        .id("failing")
        .exports_env("LOST")
        .continue_on_error();
    let version = export.output("version");
    probe(
        "step-state",
        "17. Step state",
        [job("state")
            .env("OVER", "job")
            .step(export)
            .step(failing)
            .step(
                Step::script(format!(
                    "{}\n{}\n{}\n{}",
                    tr_hex("ODD"),
                    tr_hex("V"),
                    tr("tool=$(tool) over=$OVER lost=[${LOST:-}]"),
                    tr("own=$OVER")
                ))
                .env("V", version),
            )
            .step(Step::script(tr("own=$OVER")).env("OVER", "step"))],
    )
}

impl Probe {
    fn with(mut self, edit: impl FnOnce(Pipeline) -> Pipeline) -> Self {
        self.pipeline = edit(self.pipeline);
        self
    }
}

/// A job that fails its first attempt and passes its second (the state is a file under `/tmp`
/// named after the commit), with `retry(1)`. gitlab-ci-local does not implement `retry:`, so
/// this probe is checked against SEMANTICS.md section 11 directly rather than compared.
pub fn retry() -> Probe {
    probe(
            "retry",
            "11. Retries (fresh workspace per attempt)",
            [job("flaky")
                .retry(1)
                .env("MARK", Expr::concat([Expr::from(Builtin::CommitSha), "-retry-probe".into()]))
                .step(Step::script(format!(
                    "{}\necho dirty > dirty.txt\nif [ ! -e \"/tmp/$MARK\" ]; then touch \"/tmp/$MARK\"; {}; exit 1; fi\nrm -f \"/tmp/$MARK\"\n{}",
                    tr("clean=$([ -e dirty.txt ] && echo no || echo yes)"),
                    tr("first attempt fails"),
                    tr("second attempt passes")
                )))],
        )
}

/// Pipelines for the runner's command-line tests (`tests/runner.rs`), run through the `probes`
/// generator binary.
pub mod cli {
    use pipeline_core::prelude::*;

    /// Every job of this pipeline runs locally with `--approve` (none needs a cloud): every
    /// built-in step kind, a matrix, an approval, outputs, artifacts, a cache, steps with no local
    /// meaning (reported, not run) and a rollback job that stays skipped.
    pub fn local() -> Pipeline {
        let build = Job::new("build")
            .runner(Runner::linux().image("rust:1.95-bookworm"))
            .step(Step::checkout())
            .step(Step::cache(Cache::new("deps", ["vendor"]).hash_files(["probe.txt"])))
            .step(Step::script(
                "mkdir -p vendor dist\necho cached > vendor/x\ncp probe.txt dist/app.txt",
            ))
            .step(Step::set_output("version", "echo 1.2.3"))
            .step(Step::upload("app", ["dist/app.txt"]));
        let test = Job::new("test")
            .needs(&build)
            .matrix(Matrix::new().axis("shard", ["1", "2"]))
            .env("SHARD", Expr::matrix("shard"))
            .step(Step::download("app"))
            .step(Step::script("test -f dist/app.txt\necho \"shard $SHARD ok\""));
        let deploy = Job::new("deploy")
            .needs(&build)
            .needs(&test)
            .environment(Environment::new("production").approval(Approval::new()))
            .env("VERSION", build.output("version"))
            .step(Step::assume_aws_role(AwsRole::new(
                "arn:aws:iam::111111111111:role/deploy",
                "eu-west-1",
            )))
            .step(Step::action(Action::new(
                "actions/checkout",
                "3d3c42e5aac5ba805825da76410c181273ba90b1",
                "v7.0.1",
            )))
            .step(Step::script("echo \"deploying $VERSION\""));
        let rollback = Job::new("rollback")
            .needs(&deploy)
            .when(Condition::failure())
            .step(Step::script("echo rolling back"));
        Pipeline::new("local")
            .on(Trigger::push().branches(["main"]))
            .jobs([build, test, deploy, rollback])
    }

    /// A step that records its process id under `$TMPDIR` and sleeps, for the interruption test.
    pub fn sleepy() -> Pipeline {
        Pipeline::new("sleepy").on(Trigger::push()).job(Job::new("nap").step(Step::script(
            "sleep 300 &\necho \"$! $$\" > \"$TMPDIR/step.pids.tmp\"\nmv \"$TMPDIR/step.pids.tmp\" \"$TMPDIR/step.pids\"\nwait",
        )))
    }

    /// A job whose second step fails after printing a few lines.
    pub fn failing() -> Pipeline {
        Pipeline::new("failing").on(Trigger::push()).job(
            Job::new("check")
                .step(Step::script("echo fine").name("first"))
                .step(Step::script("echo 'line before the failure'\necho 'the reason' >&2\nexit 7").name("second"))
                .step(Step::script("echo never").name("third")),
        )
    }

    /// A secret from the environment, masked in the log; a host variable the model does not
    /// declare does not reach the step.
    pub fn secret() -> Pipeline {
        Pipeline::new("secret")
            .on(Trigger::push())
            .job(
                Job::new("use")
                    .env("TOKEN", Expr::secret("PROBE_TOKEN"))
                    .step(Step::script(
                        "echo \"token is $TOKEN\"\necho \"undeclared=[${PROBE_UNDECLARED:-}]\"",
                    )),
            )
    }

    /// Every pipeline of the `probes` binary.
    pub fn all() -> Vec<Pipeline> {
        let mut out = vec![local(), sleepy(), failing(), secret()];
        out.extend(super::all().into_iter().map(|p| p.pipeline));
        out
    }
}
