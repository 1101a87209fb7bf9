//! Acknowledged divergences (`Pipeline::acknowledge`, [`Divergence`]): the generator removes
//! their warnings and reports acknowledgements that silenced nothing.

use crate::diagnostic::{Diagnostic, Diagnostics, Path, Segment, Severity};
use crate::pipeline::Pipeline;
use crate::semantics::Divergence;

fn pipeline_of(path: &Path) -> Option<&str> {
    match path.segments().first() {
        Some(Segment::Pipeline(id)) => Some(id),
        _ => None,
    }
}

/// Removes the warnings of divergences each pipeline acknowledged, and reports every
/// acknowledgement that silenced nothing although every platform it concerns was generated
/// (`generated` holds the backend names that ran).
pub(crate) fn apply_acknowledgements(pipelines: &[Pipeline], generated: &[&str], diagnostics: &mut Diagnostics) {
    let mut used: Vec<(&str, Divergence)> = Vec::new();
    let all = std::mem::take(diagnostics);
    for d in all.into_iter() {
        let silenced = (d.severity == Severity::Warning)
            .then(|| Divergence::of_code(d.code))
            .flatten()
            .and_then(|div| {
                let id = pipeline_of(&d.path)?;
                let p = pipelines.iter().find(|p| p.id.as_str() == id)?;
                p.acknowledged.contains(&div).then_some((p.id.as_str(), div))
            });
        match silenced {
            Some(key) => {
                if !used.contains(&key) {
                    used.push(key);
                }
            }
            None => diagnostics.push(d),
        }
    }
    for p in pipelines {
        for &div in &p.acknowledged {
            let covered = div.platforms().iter().all(|name| generated.contains(name));
            if covered && !used.contains(&(p.id.as_str(), div)) {
                diagnostics.push(
                    Diagnostic::warning(
                        "unused-acknowledgement",
                        Path::pipeline(p.id.as_str()).field("acknowledge"),
                        format!(
                            "pipeline {:?} acknowledges {div}, but no job of it diverges that way on {}",
                            p.id.as_str(),
                            div.platforms().join(" or ")
                        ),
                    )
                    .with_hint("remove the acknowledgement"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_silence_and_unused_ones_are_reported() {
        let p = Pipeline::new("ci")
            .acknowledge(Divergence::StageLayering)
            .acknowledge(Divergence::Retry);
        let mut d = Diagnostics::new();
        d.push(Diagnostic::warning(
            "codepipeline-stage-layering",
            Path::pipeline("ci").job("a"),
            "x",
        ));
        d.push(Diagnostic::warning(
            "codepipeline-stage-layering",
            Path::pipeline("other").job("a"),
            "x",
        ));
        let mut only_github = d.clone();
        apply_acknowledgements(std::slice::from_ref(&p), &["github"], &mut only_github);
        // Retry concerns CodePipeline too, which was not generated: not reported as unused.
        assert_eq!(only_github.len(), 1, "{only_github}");
        apply_acknowledgements(&[p], &["github", "codepipeline"], &mut d);
        let codes: Vec<(&str, String)> = d.iter().map(|d| (d.code, d.path.to_string())).collect();
        assert_eq!(
            codes,
            vec![
                (
                    "codepipeline-stage-layering",
                    "pipeline \"other\" > job \"a\"".to_owned()
                ),
                ("unused-acknowledgement", "pipeline \"ci\" > acknowledge".to_owned()),
            ]
        );
    }
}
