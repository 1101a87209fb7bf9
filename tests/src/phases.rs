//! The benchmarks' split of generation into its two phases, per backend: lowering (the portable
//! model into the platform's typed model, through each backend's public `lower`) and emission
//! (that model into text, as `Backend::generate` emits it, without the header and the checks).
//!
//! ```
//! use pipeline_core::prelude::*;
//! use pipeline_tests::phases;
//!
//! let p = Pipeline::new("ci").on(Trigger::push()).job(Job::new("test").step(Step::script("cargo test")));
//! for backend in phases::BACKENDS {
//!     let t = phases::lower_emit(backend, &p);
//!     assert!(t.bytes > 0, "{backend} emitted nothing");
//! }
//! ```

use std::time::{Duration, Instant};

use pipeline_backends::{CodePipeline, Github, Gitlab};
use pipeline_core::Pipeline;
use pipeline_core::diagnostic::Diagnostics;
use pipeline_core::yaml;

/// The platform backends, in the order the benchmarks print them.
pub const BACKENDS: [&str; 3] = ["github", "gitlab", "codepipeline"];

/// The time of each phase for one pipeline on one backend, and the bytes emitted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    /// Lowering into the platform's model.
    pub lower: Duration,
    /// Emitting that model as text.
    pub emit: Duration,
    /// Bytes emitted (0 when the platform refuses the pipeline).
    pub bytes: usize,
}

impl std::ops::AddAssign for Phases {
    fn add_assign(&mut self, other: Self) {
        self.lower += other.lower;
        self.emit += other.emit;
        self.bytes += other.bytes;
    }
}

/// Lowers `p` for `backend` (one of [`BACKENDS`]) and emits the result, timing each phase.
///
/// # Panics
/// On an unknown backend, or when the emitter rejects a lowered model (a bug).
pub fn lower_emit(backend: &str, p: &Pipeline) -> Phases {
    let mut d = Diagnostics::new();
    let start = Instant::now();
    match backend {
        "github" => {
            let model = Github::new().lower(p, &mut d);
            let lower = start.elapsed();
            let start = Instant::now();
            let text = yaml::to_yaml_string(&model).unwrap_or_else(|e| panic!("github emit: {e}"));
            Phases {
                lower,
                emit: start.elapsed(),
                bytes: text.len(),
            }
        }
        "gitlab" => {
            let model = Gitlab::new().lower(p, &mut d);
            let lower = start.elapsed();
            let start = Instant::now();
            let text = yaml::to_yaml_string(&model).unwrap_or_else(|e| panic!("gitlab emit: {e}"));
            Phases {
                lower,
                emit: start.elapsed(),
                bytes: text.len(),
            }
        }
        "codepipeline" => {
            let backend = CodePipeline::new();
            let lowered = backend.lower(p, &mut d);
            let lower = start.elapsed();
            let start = Instant::now();
            // The texts and the model are dropped after the clock stops, as for the other backends.
            let texts = lowered.as_ref().map(|l| {
                let template = backend
                    .render_template(l)
                    .unwrap_or_else(|e| panic!("codepipeline emit: {e}"));
                let deployment = backend
                    .render_deployment(l, CodePipeline::template_path(p))
                    .unwrap_or_else(|e| panic!("codepipeline emit: {e}"));
                (template, deployment)
            });
            let emit = start.elapsed();
            Phases {
                lower,
                emit,
                bytes: texts.map_or(0, |(t, d)| t.len() + d.len()),
            }
        }
        other => panic!("unknown backend {other}"),
    }
}
