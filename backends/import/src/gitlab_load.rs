//! GitLab files read as GitLab reads them: local `include:` files merged in, `extends:` and
//! `!reference` resolved (anchors and merge keys are resolved by the YAML reader).

use std::path::{Path, PathBuf};

use crate::out::{Hatch, Target};
use crate::yaml::{self, Node};
use crate::{Diagnostic, located};

/// An error at `node` of `file`: GitLab would reject the file.
pub(crate) fn problem(file: &str, node: &Node, message: impl Into<String>) -> Diagnostic {
    located("import-rejected", file, node.pos().line, node.pos().col, message)
}

/// Reads `file` with its local includes (relative to `root`, the project directory), merged.
pub(crate) fn load(file: &Path, root: &Path, depth: usize) -> Result<(Node, Vec<Hatch>), Diagnostic> {
    let name = file.display().to_string();
    let text =
        std::fs::read_to_string(file).map_err(|e| located("import-read", &name, 0, 0, format!("cannot read: {e}")))?;
    let doc = yaml::parse(&text).map_err(|e| {
        located(
            "import-yaml",
            &name,
            e.pos.line,
            e.pos.col,
            format!("invalid YAML: {}", e.message),
        )
    })?;
    let Node::Map(entries, pos) = &doc else {
        return Err(problem(
            &name,
            &doc,
            "a GitLab CI file is a mapping of jobs and global keywords",
        ));
    };
    let mut merged: Vec<(Node, Node)> = Vec::new();
    let mut hatches = Vec::new();
    if let Some(inc) = doc.get("include") {
        let items: Vec<Node> = match inc {
            Node::Seq(items, ..) => items.clone(),
            other => vec![other.clone()],
        };
        for item in items {
            let local = item
                .str()
                .map(str::to_string)
                .or_else(|| item.get("local").and_then(Node::str).map(str::to_string));
            match local {
                Some(l) if depth < 10 && !l.contains('*') && !l.contains("://") => {
                    let path = local_path(file, root, &l);
                    if !path.is_file() {
                        return Err(problem(&name, &item, format!("included file {l:?} does not exist")));
                    }
                    let (inc_doc, inc_hatches) = load(&path, root, depth + 1)?;
                    hatches.extend(inc_hatches);
                    for (k, v) in inc_doc.entries() {
                        upsert(&mut merged, k.clone(), v.clone());
                    }
                }
                _ => hatches.push(Hatch {
                    why: "an include other than a local file (project, remote, template, component or glob)".into(),
                    target: Target::Root("include".into()),
                    value: inc.clone(),
                    at: format!("{name}:{}:{}", item.pos().line, item.pos().col),
                }),
            }
        }
    }
    for (k, v) in entries {
        if k.str() == Some("include") {
            continue;
        }
        let existing = merged.iter_mut().find(|(e, _)| e.str() == k.str());
        match existing {
            // A job or keyword defined again deep-merges over the included one.
            Some((_, old)) => *old = deep_merge(old, v),
            None => merged.push((k.clone(), v.clone())),
        }
    }
    Ok((Node::Map(merged, *pos), hatches))
}

/// A local include's file: relative to the project root (the repository), else to the project
/// of the including file.
pub(crate) fn local_path(file: &Path, root: &Path, local: &str) -> PathBuf {
    let rel = local.trim_start_matches('/');
    let local_root = file
        .parent()
        .and_then(|d| d.ancestors().find(|a| a.join(".gitlab-ci.yml").is_file()));
    [Some(root), local_root]
        .into_iter()
        .flatten()
        .map(|r| r.join(rel))
        .find(|p| p.is_file())
        .unwrap_or_else(|| root.join(rel))
}

fn upsert(entries: &mut Vec<(Node, Node)>, k: Node, v: Node) {
    match entries.iter_mut().find(|(e, _)| e.str() == k.str()) {
        Some((_, old)) => *old = deep_merge(old, &v),
        None => entries.push((k, v)),
    }
}

/// GitLab's merge for `extends` and includes: mappings merge key by key, anything else is replaced.
fn deep_merge(base: &Node, over: &Node) -> Node {
    match (base, over) {
        (Node::Map(b, pos), Node::Map(o, _)) => {
            let mut out = b.clone();
            for (k, v) in o {
                upsert(&mut out, k.clone(), v.clone());
            }
            Node::Map(out, *pos)
        }
        _ => over.clone(),
    }
}

pub(crate) fn resolve_extends(file: &str, doc: &Node, job: &Node, seen: &mut Vec<String>) -> Result<Node, Diagnostic> {
    let Some(ext) = job.get("extends") else {
        return Ok(job.clone());
    };
    let mut base = Node::Map(Vec::new(), job.pos());
    for parent in ext.strings() {
        if seen.contains(&parent) || seen.len() > 11 {
            return Err(problem(
                file,
                ext,
                format!("`extends` cycle or more than 11 levels through {parent:?}"),
            ));
        }
        let p = doc
            .get(&parent)
            .ok_or_else(|| problem(file, ext, format!("`extends` names {parent:?}, which is not defined")))?;
        seen.push(parent.clone());
        let resolved = resolve_extends(file, doc, p, seen)?;
        seen.pop();
        base = deep_merge(&base, &resolved);
    }
    let Node::Map(own, pos) = job else {
        return Ok(job.clone());
    };
    let own: Vec<(Node, Node)> = own
        .iter()
        .filter(|(k, _)| k.str() != Some("extends"))
        .cloned()
        .collect();
    Ok(deep_merge(&base, &Node::Map(own, *pos)))
}

/// Replaces `!reference [job, key...]` nodes; sequences they yield are spliced into the parent.
pub(crate) fn resolve_refs(file: &str, doc: &Node, node: &Node, depth: usize) -> Result<Node, Diagnostic> {
    if depth > 10 {
        return Err(problem(file, node, "`!reference` nested more than 10 levels"));
    }
    match node {
        Node::Seq(items, tag, pos) if tag.as_deref() == Some("!reference") => {
            let mut here = doc;
            for seg in node.strings() {
                here = here.get(&seg).ok_or_else(|| {
                    problem(
                        file,
                        node,
                        format!("`!reference` to {:?}, which is not defined", node.strings().join(".")),
                    )
                })?;
            }
            let _ = (items, pos);
            resolve_refs(file, doc, here, depth + 1)
        }
        Node::Seq(items, tag, pos) => {
            let mut out = Vec::new();
            for item in items {
                let is_ref = item.tag() == Some("!reference");
                match resolve_refs(file, doc, item, depth + 1)? {
                    Node::Seq(inner, ..) if is_ref => out.extend(inner),
                    other => out.push(other),
                }
            }
            Ok(Node::Seq(out, tag.clone(), *pos))
        }
        Node::Map(entries, pos) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                out.push((k.clone(), resolve_refs(file, doc, v, depth + 1)?));
            }
            Ok(Node::Map(out, *pos))
        }
        Node::Scalar(..) => Ok(node.clone()),
    }
}
