//! A job's service containers and its own container (container mode), on one Docker network.

use pipeline_core::Service;

use super::{JOB_CONTAINER, JobLowering, NETWORK, RUN_JOB_VAR, SCRIPT_DIR};
use crate::codepipeline::expr;

impl<'l, 'a> JobLowering<'l, 'a> {
    /// Starts the services (and the job container) with Docker.
    pub(super) fn services(&mut self, image: Option<&str>) -> String {
        let job = self.job;
        let mut lines = vec![format!("docker network create {NETWORK} > /dev/null")];
        let mut waits = Vec::new();
        let services: Vec<&Service> = job.services.iter().collect();
        for s in services {
            let spath = self.path.field(format!("services.{}", s.name));
            let mut words = vec![
                "docker run -d".to_owned(),
                format!("--name {}", expr::quote(&s.name)),
                format!("--network {NETWORK}"),
            ];
            for (name, value) in &s.env {
                let carrier = format!("SERVICE_{}_{name}", s.name.to_ascii_uppercase().replace('-', "_"));
                if let Some(v) = self.shell_value(&carrier, value, &spath.field(format!("env.{name}"))) {
                    words.push(format!("-e {name}={v}"));
                }
            }
            for port in &s.ports {
                words.push(format!("-p {port}:{port}"));
                waits.push(*port);
            }
            if let Some(e) = &s.entrypoint {
                words.push(format!("--entrypoint {}", expr::quote(e)));
            }
            words.push(expr::quote(&s.image));
            words.extend(s.command.iter().map(|w| expr::quote(w)));
            words.push("> /dev/null".to_owned());
            lines.push(words.join(" "));
            if !self.container {
                lines.push(format!("echo \"127.0.0.1 {}\" >> /etc/hosts", s.name));
            }
        }
        for port in waits {
            lines.push(format!(
                "for i in $(seq 60); do (echo > /dev/tcp/127.0.0.1/{port}) 2> /dev/null && break; sleep 1; done"
            ));
        }
        if let (true, Some(image)) = (self.container, image) {
            lines.push(format!(
                "docker run -d --name {JOB_CONTAINER} --network {NETWORK} -v \"$CODEBUILD_SRC_DIR:$CODEBUILD_SRC_DIR\" -v {SCRIPT_DIR}:{SCRIPT_DIR} -w \"$CODEBUILD_SRC_DIR\" --entrypoint sleep {} infinity > /dev/null",
                expr::quote(image)
            ));
            self.scripts += 1;
        }
        if self.report {
            let how = if self.container {
                format!(
                    "its steps run in a {} container beside them on a Docker network, with CodeBuild's standard image as the host (privileged mode)",
                    image.unwrap_or_default()
                )
            } else {
                "they are reachable on localhost and by name (privileged mode)".to_owned()
            };
            self.notice(
                "codepipeline-services",
                self.path.field("services"),
                format!("job {:?} runs its service containers with Docker in the build; {how}", job.id.as_str()),
                "images are pulled anonymously from their registry at every build (Docker Hub limits anonymous pulls); mirror them in ECR if builds hit the limit".to_owned(),
            );
        }
        let body = lines.join("\n");
        if self.guard.is_some() {
            format!("if [ \"${RUN_JOB_VAR}\" = true ]; then\n{body}\nfi")
        } else {
            body
        }
    }
}
