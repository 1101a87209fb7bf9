//! Portable values on CodePipeline + CodeBuild: each part of an [`Expr`] is known at a different
//! time, which decides where a variable holding it can be set.
//!
//! | part | when known | rendered as | set in |
//! |---|---|---|---|
//! | literal | generation | the text | buildspec `env.variables`, or inline |
//! | matrix value | generation, per cell | the text | the cell's action `EnvironmentVariables` |
//! | configuration variable | stack deployment | a template parameter | project `EnvironmentVariables` (`Ref`/`Fn::Sub`) |
//! | built-in, input | pipeline execution | `#{SourceVariables.CommitId}`, `#{variables.NAME}` | action `EnvironmentVariables` |
//! | job output | pipeline execution, encoded | `#{namespace.NAME}` | action `EnvironmentVariables`, decoded by a shell `export` |
//! | secret | build | a Secrets Manager / Parameter Store reference | buildspec `env.secrets-manager` / `env.parameter-store` |
//! | workspace | build | `$CODEBUILD_SRC_DIR` | a shell `export` |
//! | actor | pipeline execution, only in its record | `$PIPELINE_ACTOR`, read with `aws codepipeline get-pipeline-execution` | a shell `export` |

use pipeline_core::{Builtin, Expr, SecretName};

/// One part of a value, by the time it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text.
    Lit(String),
    /// A matrix value of the current cell.
    Cell(String),
    /// A template parameter, by name.
    Param(String),
    /// A CodePipeline variable reference, `#{...}`.
    Pipeline(String),
    /// A job output, `#{namespace.NAME}`: its value arrives encoded and is decoded in the build
    /// (docs/SEMANTICS.md, section 8).
    Output(String),
    /// A secret.
    Secret(SecretName),
    /// A shell variable of the build (`CODEBUILD_SRC_DIR`, a step output of an earlier step).
    Shell(String),
}

/// The shell variable holding who started the execution, as the execution record names it: the
/// IAM principal that called `StartPipelineExecution` (console, CLI), otherwise the trigger type
/// and its detail (`Webhook arn:...`, `CloudWatchEvent arn:...`).
pub(crate) const ACTOR_VAR: &str = "PIPELINE_ACTOR";

/// What a value cannot be on CodePipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unsupported {
    /// The feature, for the message.
    pub(crate) feature: String,
    /// What to do instead.
    pub(crate) hint: String,
}

/// The CodePipeline variable of a built-in, or why there is none.
pub(crate) fn builtin(b: Builtin) -> Result<Part, Unsupported> {
    match b {
        Builtin::CommitSha => Ok(Part::Pipeline("#{SourceVariables.CommitId}".into())),
        Builtin::RefName | Builtin::HeadRef => Ok(Part::Pipeline("#{SourceVariables.BranchName}".into())),
        Builtin::RunId => Ok(Part::Pipeline("#{codepipeline.PipelineExecutionId}".into())),
        Builtin::Repository => Ok(Part::Pipeline("#{SourceVariables.FullRepositoryName}".into())),
        Builtin::Workspace => Ok(Part::Shell("CODEBUILD_SRC_DIR".into())),
        // CodePipeline has no variable naming who started an execution; its execution record
        // does (`trigger`), read at build time (see `job/variables.rs`).
        Builtin::Actor => Ok(Part::Shell(ACTOR_VAR.into())),
        Builtin::EventName => Err(Unsupported {
            feature: "the built-in `event name` (what started the run)".into(),
            hint: "CodePipeline does not expose the trigger to its actions; split the pipeline per trigger, or remove the value".into(),
        }),
    }
}

/// Resolves the references a value makes, given how to name things on CodePipeline.
pub(crate) trait Resolver {
    /// The value of matrix axis `axis` in the current cell.
    fn matrix(&self, axis: &str) -> Option<String>;
    /// The namespace of the action exporting `job`'s outputs.
    fn namespace_of(&self, job: &str) -> Option<String>;
    /// The template parameter of configuration variable `var` (declared on first use).
    fn param_of_var(&mut self, var: &str) -> String;
}

/// The parts of `value`, or the first part CodePipeline cannot express.
pub(crate) fn parts(value: &Expr, resolver: &mut dyn Resolver) -> Result<Vec<Part>, Unsupported> {
    let mut out = Vec::new();
    for part in value.parts() {
        let p = match part {
            Expr::Literal(s) => Part::Lit(s.clone()),
            Expr::Builtin(b) => builtin(*b)?,
            Expr::Secret(s) => Part::Secret(s.clone()),
            Expr::Input(i) => Part::Pipeline(format!("#{{variables.{i}}}")),
            Expr::Output(o) => {
                let ns = resolver.namespace_of(o.job.as_str()).ok_or_else(|| Unsupported {
                    feature: format!("output {:?} of job {:?}", o.name.as_str(), o.job.as_str()),
                    hint: "the producing job is not an action of this pipeline".into(),
                })?;
                Part::Output(format!("#{{{ns}.{}}}", o.name))
            }
            Expr::Matrix(axis) => Part::Cell(resolver.matrix(axis).ok_or_else(|| Unsupported {
                feature: format!("matrix value {axis:?} outside a matrix cell"),
                hint: "use matrix values only in jobs with that matrix axis".into(),
            })?),
            Expr::Var(v) => Part::Param(resolver.param_of_var(v.as_str())),
            Expr::Token(_) => {
                return Err(Unsupported {
                    feature: "the platform token (`PlatformToken`): CodeBuild issues no job token".into(),
                    hint: "store a token in Secrets Manager and pass it with `Expr::secret(..)`, or keep the step off CodePipeline with `Step::only_on(..)`".into(),
                });
            }
            // Set in the build's shell by the state file of the exporting step
            // (docs/SEMANTICS.md, section 17).
            Expr::StepOutput(o) => Part::Shell(crate::shell::step_output_var(o.step.as_str(), o.name.as_str())),
            Expr::Concat(inner) => {
                for e in inner {
                    out.extend(parts(e, resolver)?);
                }
                continue;
            }
        };
        out.push(p);
    }
    Ok(out)
}

/// `s` as one shell word in single quotes (plain when it needs no quoting): `main`, `'a b'`,
/// `'it'\''s'`.
pub(crate) fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | '+' | ','));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `s` escaped for the inside of a double-quoted shell string.
pub(crate) fn dq_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `PascalCase` of a `SNAKE_CASE` or `kebab-case` name (`REGISTRY_HOST` -> `RegistryHost`).
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // Words are ASCII alphanumerics: byte 0 is a whole character.
        out.push(char::from(word.as_bytes()[0].to_ascii_uppercase()));
        out.extend(word[1..].chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_core::OutputRef;

    struct R;
    impl Resolver for R {
        fn matrix(&self, axis: &str) -> Option<String> {
            (axis == "os").then(|| "linux".to_owned())
        }
        fn namespace_of(&self, job: &str) -> Option<String> {
            (job == "build").then(|| "build".to_owned())
        }
        fn param_of_var(&mut self, var: &str) -> String {
            pascal(var)
        }
    }

    #[test]
    fn values_by_time() {
        let e = Expr::concat([
            "img:".into(),
            OutputRef::new("build", "version").into(),
            "-".into(),
            Builtin::CommitSha.into(),
            Expr::matrix("os"),
            Expr::var("REGISTRY_HOST"),
            Expr::input("target"),
            Builtin::RunId.into(),
            Builtin::Workspace.into(),
        ]);
        assert_eq!(
            parts(&e, &mut R),
            Ok(vec![
                Part::Lit("img:".into()),
                Part::Output("#{build.version}".into()),
                Part::Lit("-".into()),
                Part::Pipeline("#{SourceVariables.CommitId}".into()),
                Part::Cell("linux".into()),
                Part::Param("RegistryHost".into()),
                Part::Pipeline("#{variables.target}".into()),
                Part::Pipeline("#{codepipeline.PipelineExecutionId}".into()),
                Part::Shell("CODEBUILD_SRC_DIR".into()),
            ])
        );
    }

    #[test]
    fn every_builtin_has_a_rendering_or_a_reason() {
        for b in Builtin::ALL {
            match builtin(b) {
                Ok(_) => assert!(!matches!(b, Builtin::EventName)),
                Err(u) => assert!(!u.hint.is_empty() && u.feature.contains(b.name())),
            }
        }
        assert_eq!(builtin(Builtin::Actor), Ok(Part::Shell(ACTOR_VAR.into())));
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(quote("main"), "main");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(dq_escape(r#"a "$b" `c` \d"#), r#"a \"\$b\" \`c\` \\d"#);
        assert_eq!(pascal("STAGING_DEPLOY_ROLE_ARN"), "StagingDeployRoleArn");
        assert_eq!(pascal("deploy-production"), "DeployProduction");
        // Separators anywhere, digits kept, every word's case normalised, non-ASCII a separator.
        assert_eq!(pascal("--build2_linux__ARM64-"), "Build2LinuxArm64");
        assert_eq!(pascal("déploy prod"), "DPloyProd");
        assert_eq!(pascal("_-_"), "");
    }
}
