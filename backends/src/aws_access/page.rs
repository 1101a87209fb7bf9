//! The docs page of the cloud side: which job assumes which role in which account.

use pipeline_core::backend::Header;

use super::AwsAccess;
use super::policy::describe;
use super::template::{GITHUB_ISSUER, host};
use super::usage::{RoleUse, Usage, github_subjects, gitlab_subjects};

/// A Markdown table cell: `|`, backticks, `<`, `>`, `&` and newlines cannot change the table.
fn cell(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '`' => out.push_str("&#96;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' => out.push_str("\\*"),
            '_' => out.push_str("\\_"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid label: quoted, with `"` and markup characters as entity codes.
fn label(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The page.
pub(crate) fn render(access: &AwsAccess, usages: &[Usage], role_uses: &[RoleUse], header: &Header) -> String {
    let mut out = format!("<!-- {} -->\n<!-- {} -->\n\n", header.lines()[0], header.lines()[1]);
    out.push_str(&format!("# AWS access of {}\n\n", cell(&access.prefix)));
    out.push_str(
        "Each role's trust policy admits exactly the subjects below (templates in `aws-access/`); \
         pull requests and forks are never admitted.\n\n",
    );
    out.push_str("| pipeline | job | role (variable) | account | admitted as |\n|---|---|---|---|---|\n");
    let mut edges = Vec::new();
    for u in usages {
        for (i, key) in u.chain.iter().enumerate() {
            let Some(role) = access.find(key) else { continue };
            let mut how = Vec::new();
            if i == 0 {
                if let (true, Some(repo)) = (access.targets("github"), &access.github_repository) {
                    how.extend(
                        github_subjects(repo, u)
                            .into_iter()
                            .map(|s| format!("{GITHUB_ISSUER} {s}")),
                    );
                }
                if let (true, Some(project)) = (access.targets("gitlab"), &access.gitlab_project) {
                    let issuer = host(&access.gitlab_url);
                    how.extend(gitlab_subjects(project, u).into_iter().map(|s| format!("{issuer} {s}")));
                }
                if let (true, Some(arn)) = (access.targets("codepipeline"), access.codebuild_role_arn()) {
                    how.push(format!("CodeBuild service role {arn}"));
                }
            } else if let Some(before) = access.find(&u.chain[i - 1]) {
                how.push(format!("role chain from {}", before.arn()));
            }
            out.push_str(&format!(
                "| {} | {} | {} ({}) | {} | {} |\n",
                cell(&u.pipeline),
                cell(&u.job),
                cell(&role.name),
                cell(&role.variable),
                cell(&role.account),
                how.iter().map(|h| cell(h)).collect::<Vec<_>>().join("<br>")
            ));
            edges.push((
                format!("{}/{}", u.pipeline, u.job),
                role.name.clone(),
                role.account.clone(),
            ));
        }
    }
    out.push_str(
        "\n## Roles\n\nWhat each role may do: what the steps that run with it declare, scoped to the \
         resources they name, then the grants added in the settings.\n\n| role | account | may |\n|---|---|---|\n",
    );
    for role in &access.roles {
        let mut grants: Vec<String> = Vec::new();
        for u in role_uses
            .iter()
            .filter(|u| u.role.as_deref() == Some(role.variable.as_str()))
        {
            let text = cell(&describe(&u.usage));
            if !grants.contains(&text) {
                grants.push(text);
            }
        }
        grants.extend(role.grants.iter().map(|g| cell(&format!("{} (added)", describe(g)))));
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            cell(&role.name),
            cell(&role.account),
            if grants.is_empty() {
                "nothing (assumes other roles)".to_owned()
            } else {
                grants.join("<br>")
            }
        ));
    }
    let mut codebuild: Vec<String> = Vec::new();
    for u in role_uses.iter().filter(|u| u.role.is_none()) {
        let text = cell(&describe(&u.usage));
        if !codebuild.contains(&text) {
            codebuild.push(text);
        }
    }
    if let (false, Some(account)) = (codebuild.is_empty(), &access.codepipeline_account) {
        out.push_str(&format!(
            "| {} (CodeBuild service role, before a job assumes a role) | {} | {} |\n",
            cell(&format!("{}-codebuild", access.prefix)),
            cell(account),
            codebuild.join("<br>")
        ));
    }
    out.push_str("\n## Graph\n\n```mermaid\nflowchart LR\n");
    let mut nodes: Vec<String> = Vec::new();
    let id = |name: &str, text: String, nodes: &mut Vec<String>, out: &mut String| -> String {
        if let Some(i) = nodes.iter().position(|n| n == name) {
            return format!("n{i}");
        }
        nodes.push(name.to_owned());
        let node = format!("n{}", nodes.len() - 1);
        out.push_str(&format!("  {node}[{}]\n", label(&text)));
        node
    };
    let mut lines = Vec::new();
    for (job, role, account) in &edges {
        let j = id(&format!("job {job}"), job.clone(), &mut nodes, &mut out);
        let r = id(
            &format!("role {account} {role}"),
            format!("{role} ({account})"),
            &mut nodes,
            &mut out,
        );
        let line = format!("  {j} --> {r}\n");
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    for line in lines {
        out.push_str(&line);
    }
    out.push_str("```\n");
    out
}
