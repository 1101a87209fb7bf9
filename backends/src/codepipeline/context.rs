//! What the pipeline lowering (`lower/`) and the job lowering (`job/`) share: the
//! platform's name and the lowering state (the pipeline, its diagnostics, the template's
//! parameters and their values), with the helpers both report through. `lower/` adds the
//! pipeline-wide steps to [`Lowering`]; `job/` lowers one job with it.

use std::collections::{BTreeMap, HashMap};

use indexmap::IndexMap;
use pipeline_core::Pipeline;
use pipeline_core::diagnostic::{Diagnostic, Diagnostics, Path};

use super::expr;
use super::gitsync::ParameterValue;
use super::model::Parameter;
use super::settings::CodePipelineSettings;

/// The platform's name in diagnostics and patches.
pub(crate) const PLATFORM: &str = "codepipeline";

/// The state of one pipeline's lowering.
pub(crate) struct Lowering<'a> {
    pub(super) pipeline: &'a Pipeline,
    pub(super) diagnostics: &'a mut Diagnostics,
    pub(super) namespaces: HashMap<String, String>,
    pub(super) settings: CodePipelineSettings,
    pub(super) params: IndexMap<String, Parameter>,
    pub(super) values: BTreeMap<String, String>,
    pub(super) deployment: IndexMap<String, ParameterValue>,
    pub(super) missing: Vec<String>,
    pub(super) var_params: BTreeMap<String, String>,
    /// The buffer each buildspec is emitted into before it is copied at its size: a template
    /// of thousands of projects holds no half-empty buffers.
    pub(super) text: String,
}

impl<'a> Lowering<'a> {
    pub(super) fn new(pipeline: &'a Pipeline, diagnostics: &'a mut Diagnostics) -> Self {
        Self {
            pipeline,
            diagnostics,
            namespaces: HashMap::new(),
            settings: pipeline
                .extensions
                .get::<CodePipelineSettings>()
                .cloned()
                .unwrap_or_default(),
            params: IndexMap::new(),
            values: BTreeMap::new(),
            deployment: IndexMap::new(),
            missing: Vec::new(),
            var_params: BTreeMap::new(),
            text: String::new(),
        }
    }

    pub(super) fn root(&self) -> Path {
        Path::pipeline(self.pipeline.id.as_str())
    }

    pub(super) fn unsupported(&mut self, path: Path, feature: String, hint: String) {
        self.diagnostics.push(
            Diagnostic::error(
                "codepipeline-unsupported",
                path,
                format!("CodePipeline cannot express {feature}"),
            )
            .with_hint(hint)
            .on_platform(PLATFORM),
        );
    }

    pub(super) fn limit(&mut self, path: Path, message: String, hint: &str) {
        self.diagnostics.push(
            Diagnostic::error("codepipeline-limit", path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    pub(super) fn notice(&mut self, code: &'static str, path: Path, message: String, hint: String) {
        self.diagnostics.push(
            Diagnostic::notice(code, path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    pub(super) fn warning(&mut self, code: &'static str, path: Path, message: String, hint: &str) {
        self.diagnostics.push(
            Diagnostic::warning(code, path, message)
                .with_hint(hint)
                .on_platform(PLATFORM),
        );
    }

    /// Declares a parameter; `value` is its known value, `placeholder` what the
    /// `create-pipeline` input holds without one.
    pub(super) fn param(&mut self, name: &str, mut p: Parameter, value: Option<String>, placeholder: String) {
        match value {
            Some(v) => {
                p.default = Some(v.clone());
                self.deployment
                    .insert(name.to_owned(), ParameterValue::Known(v.clone()));
                self.values.insert(name.to_owned(), v);
            }
            None => match p.default.clone() {
                Some(d) => {
                    self.values.insert(name.to_owned(), d);
                }
                None => {
                    self.missing.push(name.to_owned());
                    self.deployment
                        .insert(name.to_owned(), ParameterValue::Placeholder(placeholder.clone()));
                    self.values.insert(name.to_owned(), placeholder);
                }
            },
        }
        self.params.insert(name.to_owned(), p);
    }

    /// The template parameter carrying configuration variable `var`.
    pub(super) fn var_param(&mut self, var: &str) -> String {
        if let Some(p) = self.var_params.get(var) {
            return p.clone();
        }
        let mut name = expr::pascal(var);
        while self.params.contains_key(&name) || name.is_empty() {
            name.push_str("Var");
        }
        let value = self.settings.variables.get(var).cloned();
        let p = Parameter {
            allowed_pattern: Some("^[^\"\\\\]*$".into()),
            constraint_description: Some("no double quote or backslash (the value is placed in JSON)".into()),
            ..Parameter::string(format!("Configuration variable {var}"))
        };
        self.param(&name, p, value, format!("PLACEHOLDER-{name}"));
        self.var_params.insert(var.to_owned(), name.clone());
        name
    }
}
