//! AWS roles: the script assuming a role with the job's ID token, and the notice about the
//! roles' trust policies.

use pipeline_core::StepKind;

use super::{AWS_TOKEN, Lowering};
use crate::gitlab::expr;

/// The script assuming an AWS role with the job's ID token, then each chained role, exporting
/// the credentials to the rest of the job.
pub(super) fn aws_script(role: &pipeline_core::AwsRole) -> String {
    let session = match &role.session_name {
        Some(name) => expr::quote(name),
        None => "\"gitlab-${CI_PROJECT_ID}-${CI_PIPELINE_ID}\"".to_owned(),
    };
    let duration = role
        .duration_seconds
        .map(|s| format!("  --duration-seconds {s} \\\n"))
        .unwrap_or_default();
    let region = expr::quote(&role.region);
    let mut s = format!("export AWS_REGION={region} AWS_DEFAULT_REGION={region}\n");
    let export = "export AWS_ACCESS_KEY_ID=\"$(printf '%s' \"$aws_credentials\" | cut -f1)\"\n\
                  export AWS_SECRET_ACCESS_KEY=\"$(printf '%s' \"$aws_credentials\" | cut -f2)\"\n\
                  export AWS_SESSION_TOKEN=\"$(printf '%s' \"$aws_credentials\" | cut -f3)\"\n";
    let query = "  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \\\n  --output text)\"\n";
    s.push_str(&format!(
        "aws_credentials=\"$(aws sts assume-role-with-web-identity \\\n  --role-arn {} \\\n  --role-session-name {session} \\\n  --web-identity-token \"${AWS_TOKEN}\" \\\n{duration}{query}",
        expr::shell(&role.role_arn)
    ));
    s.push_str(export);
    for arn in &role.chain {
        s.push_str(&format!(
            "aws_credentials=\"$(aws sts assume-role \\\n  --role-arn {} \\\n  --role-session-name {session} \\\n{duration}{query}",
            expr::shell(arn)
        ));
        s.push_str(export);
    }
    s.push_str("unset aws_credentials\n");
    s
}

impl Lowering<'_> {
    /// One notice for every job of the pipeline that assumes an AWS role.
    pub(super) fn aws_notice(&mut self) {
        let jobs: Vec<String> = self
            .pipeline
            .jobs
            .iter()
            .filter(|j| j.steps.iter().any(|s| matches!(s.kind, StepKind::AssumeRole(_))))
            .map(|j| format!("{:?}", j.id.as_str()))
            .collect();
        if jobs.is_empty() || self.config.aws_access_generated {
            return;
        }
        let audience = self.config.aws_audience.clone();
        self.notice(
            "gitlab-aws-oidc",
            self.root(),
            format!(
                "job{} {} of pipeline {:?} assume{} AWS roles with a GitLab ID token (audience {audience:?}) and the AWS CLI",
                if jobs.len() == 1 { "" } else { "s" },
                jobs.join(", "),
                self.pipeline.id.as_str(),
                if jobs.len() == 1 { "s" } else { "" },
            ),
            format!(
                "add your GitLab instance (https://gitlab.com) as an IAM OIDC identity provider with audience {audience:?}, trust it in each role's policy (restrict `sub` to this project and its protected refs), and use images that have the AWS CLI"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_script_exports_each_role() {
        let role = pipeline_core::AwsRole::new("arn:aws:iam::111111111111:role/a", "eu-west-1")
            .chain(pipeline_core::Expr::var("NEXT_ROLE"));
        let s = aws_script(&role);
        assert!(
            s.starts_with("export AWS_REGION='eu-west-1' AWS_DEFAULT_REGION='eu-west-1'\n"),
            "{s}"
        );
        assert!(s.contains("--role-arn 'arn:aws:iam::111111111111:role/a'"), "{s}");
        assert!(s.contains("--web-identity-token \"$AWS_ID_TOKEN\""), "{s}");
        assert!(
            s.contains("aws sts assume-role \\\n  --role-arn \"${NEXT_ROLE}\""),
            "{s}"
        );
        assert_eq!(s.matches("export AWS_SESSION_TOKEN").count(), 2);
        assert!(s.ends_with("unset aws_credentials\n"));
    }
}
