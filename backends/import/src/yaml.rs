//! A YAML tree with positions, built from saphyr-parser's events: anchors and aliases are
//! resolved (an alias is a copy of its anchor's node), merge keys (`<<`) are applied, tags
//! (`!reference`) are kept.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Where a node starts: 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Line, from 1.
    pub(crate) line: usize,
    /// Column, from 1.
    pub(crate) col: usize,
}

/// A YAML node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// A scalar: its text, whether it was plain (unquoted), its tag.
    Scalar(String, bool, Option<String>, Pos),
    /// A sequence.
    Seq(Vec<Node>, Option<String>, Pos),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>, Pos),
}

impl Node {
    /// Where the node starts.
    pub(crate) fn pos(&self) -> Pos {
        match self {
            Node::Scalar(_, _, _, p) | Node::Seq(_, _, p) | Node::Map(_, p) => *p,
        }
    }

    /// The text of a scalar.
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s, _, _, _) => Some(s),
            _ => None,
        }
    }

    /// Whether this is a plain `null`, `~` or empty scalar.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Node::Scalar(s, true, None, _) if s.is_empty() || s == "~" || s == "null")
    }

    /// The entries of a mapping.
    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match self {
            Node::Map(e, _) => e,
            _ => &[],
        }
    }

    /// The items of a sequence.
    pub(crate) fn items(&self) -> &[Node] {
        match self {
            Node::Seq(i, _, _) => i,
            _ => &[],
        }
    }

    /// The value of key `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A scalar or a sequence of scalars, as strings.
    pub(crate) fn strings(&self) -> Vec<String> {
        match self {
            Node::Scalar(s, _, _, _) => vec![s.clone()],
            Node::Seq(items, _, _) => items.iter().filter_map(|n| n.str().map(str::to_string)).collect(),
            Node::Map(..) => Vec::new(),
        }
    }

    /// The tag of a scalar or sequence (`!reference`).
    pub(crate) fn tag(&self) -> Option<&str> {
        match self {
            Node::Scalar(_, _, t, _) | Node::Seq(_, t, _) => t.as_deref(),
            Node::Map(..) => None,
        }
    }
}

/// A parse error at a position.
#[derive(Debug)]
pub(crate) struct ParseError {
    /// What is wrong.
    pub(crate) message: String,
    /// Where.
    pub(crate) pos: Pos,
}

enum Frame {
    Seq(Vec<Node>, Option<String>, Pos, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Pos, usize),
}

/// Parses the first document of `text`.
pub(crate) fn parse(text: &str) -> Result<Node, ParseError> {
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| ParseError {
            message: e.info().to_string(),
            pos: Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            },
        })?;
        let pos = Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        };
        let done = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let node = Node::Scalar(value.into_owned(), style == ScalarStyle::Plain, tag, pos);
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::Alias(id) => Some(anchors.get(&id).cloned().ok_or(ParseError {
                message: "alias of an unknown anchor".into(),
                pos,
            })?),
            Event::SequenceStart(anchor, tag) => {
                stack.push(Frame::Seq(
                    Vec::new(),
                    tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    pos,
                    anchor,
                ));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Vec::new(), None, pos, anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq(items, tag, p, a)) => (Node::Seq(items, tag, p), a),
                    Some(Frame::Map(entries, _, p, a)) => (Node::Map(merge(entries), p), a),
                    None => continue,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::DocumentEnd => {
                if root.is_some() {
                    break;
                }
                None
            }
            _ => None,
        };
        if let Some(node) = done {
            match stack.last_mut() {
                Some(Frame::Seq(items, ..)) => items.push(node),
                Some(Frame::Map(entries, key, ..)) => match key.take() {
                    Some(k) => {
                        if let Some(dup) = entries
                            .iter()
                            .find(|(e, _)| e.str().is_some() && e.str() == k.str() && k.str() != Some("<<"))
                        {
                            return Err(ParseError {
                                message: format!(
                                    "duplicate key {:?} (first at line {})",
                                    k.str().unwrap_or(""),
                                    dup.0.pos().line
                                ),
                                pos: k.pos(),
                            });
                        }
                        entries.push((k, node));
                    }
                    None => *key = Some(node),
                },
                None => root = Some(node),
            }
        }
    }
    Ok(root.unwrap_or(Node::Scalar(String::new(), true, None, Pos { line: 1, col: 1 })))
}

/// Applies merge keys: `<<: *a` or `<<: [*a, *b]` adds the entries the mapping does not set.
fn merge(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries.iter().any(|(k, _)| k.str() == Some("<<")) {
        return entries;
    }
    let mut own: Vec<(Node, Node)> = Vec::new();
    let mut merged: Vec<(Node, Node)> = Vec::new();
    for (k, v) in entries {
        if k.str() == Some("<<") {
            let sources: Vec<Node> = match v {
                Node::Seq(items, _, _) => items,
                other => vec![other],
            };
            for source in sources {
                for (mk, mv) in source.entries() {
                    if !merged.iter().any(|(e, _)| e.str() == mk.str()) {
                        merged.push((mk.clone(), mv.clone()));
                    }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    merged.retain(|(k, _)| !own.iter().any(|(o, _)| o.str() == k.str()));
    merged.extend(own);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_merge_keys_and_positions() {
        let doc = parse(".base: &b\n  image: rust\n  script: [a]\njob:\n  <<: *b\n  script: [b]\n").expect("test");
        let job = doc.get("job").expect("test");
        assert_eq!(job.get("image").and_then(Node::str), Some("rust"));
        assert_eq!(job.get("script").expect("test").strings(), ["b"]);
        assert_eq!(doc.get("job").expect("test").pos().line, 5);
        let err = parse("a: [1\n").expect_err("test");
        assert!(err.pos.line >= 1);
        let dup = parse("a: 1\na: 2\n").expect_err("test");
        assert_eq!(dup.pos, Pos { line: 2, col: 1 });
    }
}
