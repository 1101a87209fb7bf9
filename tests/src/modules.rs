//! The module graph of a crate, read from its sources: which module imports which, through
//! `crate::`, `super::` and `self::` paths (in `use` trees and inline in code), so a test can
//! fail on an import cycle between modules.
//!
//! A module is a file (`a.rs` or `a/mod.rs` is `a`, `a/b.rs` is `a::b`, `lib.rs` and `main.rs`
//! the root) or an inline `mod name { ... }` in one. A path names the longest module prefix it
//! has; when the segment after that module is a name the module imports (`use`, public or not:
//! a child sees its parent's imports), the path names the module the name comes from. Edges between a module and
//! its own ancestors or descendants do not count: a parent declares and re-exports its children,
//! and children use their parent's items; a cycle is between modules that are not nested.
//!
//! ```
//! use pipeline_tests::modules::{Crate, Source};
//! let krate = Crate::parse(&[
//!     Source::new("lib.rs", "mod a;\nmod b;\n"),
//!     Source::new("a.rs", "use crate::b::B;\npub struct A;\n"),
//!     Source::new("b.rs", "pub struct B(super::a::A);\n"),
//! ]);
//! let cycles = krate.cycles();
//! assert_eq!(cycles.len(), 1);
//! assert_eq!(cycles[0].modules, ["a", "b"]);
//! ```

use std::collections::{BTreeMap, BTreeSet};

/// One source file of a crate: its path relative to the crate's `src/`, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// Relative to `src/`, with `/` separators (`codepipeline/job.rs`).
    pub path: String,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// A source file.
    pub fn new(path: &str, text: &str) -> Self {
        Self {
            path: path.to_string(),
            text: text.to_string(),
        }
    }

    /// Every `.rs` file under `src` (a crate's source directory), sorted.
    pub fn read_dir(src: &std::path::Path) -> Vec<Source> {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<Source>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path
                        .strip_prefix(base)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    out.push(Source { path: rel, text });
                }
            }
        }
        let mut out = Vec::new();
        walk(src, src, &mut out);
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }
}

/// Why one module depends on another: the first place it names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The importing module.
    pub from: String,
    /// The imported module.
    pub to: String,
    /// `file:line` of the first path that names `to`.
    pub at: String,
}

/// A set of modules that import each other, with one import per edge of a cycle through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The modules, sorted (`""` is the crate root).
    pub modules: Vec<String>,
    /// The imports between them.
    pub edges: Vec<Edge>,
}

/// A crate's modules and the imports between them.
#[derive(Debug, Default)]
pub struct Crate {
    modules: BTreeSet<String>,
    /// Per module: imported name -> the absolute path it imports (resolved later).
    reexports: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// (module, absolute path segments, file:line)
    paths: Vec<(String, Vec<String>, String)>,
}

impl Crate {
    /// Reads the modules and imports of a crate's source files.
    pub fn parse(sources: &[Source]) -> Self {
        let mut krate = Crate::default();
        for source in sources {
            krate.modules.insert(file_module(&source.path));
        }
        for source in sources {
            krate.read(source);
        }
        krate
    }

    /// Every import between two modules that are not nested in each other.
    pub fn edges(&self) -> Vec<Edge> {
        let mut seen = BTreeSet::new();
        let mut edges = Vec::new();
        for (from, path, at) in &self.paths {
            let to = self.resolve(path, 0);
            if nested(from, &to) || !seen.insert((from.clone(), to.clone())) {
                continue;
            }
            edges.push(Edge {
                from: from.clone(),
                to,
                at: at.clone(),
            });
        }
        edges
    }

    /// The import cycles: strongly connected sets of more than one module.
    pub fn cycles(&self) -> Vec<Cycle> {
        let edges = self.edges();
        let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in &edges {
            next.entry(e.from.as_str()).or_default().push(e.to.as_str());
        }
        let reach = |from: &str| -> BTreeSet<String> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![from.to_string()];
            while let Some(m) = todo.pop() {
                for n in next.get(m.as_str()).into_iter().flatten() {
                    if seen.insert(n.to_string()) {
                        todo.push(n.to_string());
                    }
                }
            }
            seen
        };
        let reaches: BTreeMap<&String, BTreeSet<String>> = self.modules.iter().map(|m| (m, reach(m))).collect();
        let mut done = BTreeSet::new();
        let mut cycles = Vec::new();
        for m in &self.modules {
            if done.contains(m) || !reaches[m].contains(m) {
                continue;
            }
            let modules: Vec<String> = self
                .modules
                .iter()
                .filter(|n| *n == m || (reaches[m].contains(*n) && reaches[*n].contains(m)))
                .cloned()
                .collect();
            done.extend(modules.iter().cloned());
            let edges = edges
                .iter()
                .filter(|e| modules.contains(&e.from) && modules.contains(&e.to))
                .cloned()
                .collect();
            cycles.push(Cycle { modules, edges });
        }
        cycles
    }

    /// The module an absolute path names (following re-exports, at most 8 deep).
    fn resolve(&self, path: &[String], depth: usize) -> String {
        let mut module = String::new();
        let mut rest = path;
        for i in 1..=path.len() {
            let candidate = path[..i].join("::");
            if self.modules.contains(&candidate) {
                module = candidate;
                rest = &path[i..];
            }
        }
        let target = rest
            .first()
            .and_then(|first| self.reexports.get(&module).and_then(|r| r.get(first)));
        match target {
            Some(target) if depth < 8 => self.resolve(target, depth + 1),
            _ => module,
        }
    }

    fn read(&mut self, source: &Source) {
        let tokens = tokens(&source.text);
        let file = file_module(&source.path);
        // The inline modules open at each point: (module, brace depth inside it).
        let mut stack: Vec<(String, usize)> = vec![(file, 0)];
        let mut depth = 0usize;
        let mut i = 0;
        while i < tokens.len() {
            let (tok, line) = (&tokens[i].0, tokens[i].1);
            let current = stack.last().map(|(m, _)| m.clone()).unwrap_or_default();
            let at = format!("{}:{line}", source.path);
            match tok.as_str() {
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if stack.len() > 1 && stack.last().is_some_and(|(_, d)| *d == depth + 1) {
                        stack.pop();
                    }
                }
                "mod" if tokens.get(i + 2).is_some_and(|t| t.0 == "{") => {
                    let name = &tokens[i + 1].0;
                    stack.push((join(&current, name), depth + 1));
                    self.modules.insert(join(&current, name));
                    depth += 1;
                    i += 3;
                    continue;
                }
                "use" => {
                    let end = tokens[i..]
                        .iter()
                        .position(|t| t.0 == ";")
                        .map_or(tokens.len(), |p| i + p);
                    let words: Vec<&str> = tokens[i + 1..end].iter().map(|t| t.0.as_str()).collect();
                    for (mut path, alias) in use_tree(&words) {
                        // `use child::Item` names a child module of this one.
                        if path
                            .first()
                            .is_some_and(|first| self.modules.contains(&join(&current, first)))
                        {
                            path.insert(0, "self".to_string());
                        }
                        if let Some(abs) = absolute(&current, &path) {
                            if let Some(alias) = alias {
                                self.reexports
                                    .entry(current.clone())
                                    .or_default()
                                    .insert(alias, abs.clone());
                            }
                            self.paths.push((current.clone(), abs, at.clone()));
                        }
                    }
                    i = end;
                    continue;
                }
                "crate" | "super" | "self" if tokens.get(i + 1).is_some_and(|t| t.0 == "::") => {
                    let mut path = vec![tok.clone()];
                    let mut j = i + 1;
                    while tokens.get(j).is_some_and(|t| t.0 == "::")
                        && tokens.get(j + 1).is_some_and(|t| is_ident(&t.0))
                    {
                        path.push(tokens[j + 1].0.clone());
                        j += 2;
                    }
                    if let Some(abs) = absolute(&current, &path) {
                        self.paths.push((current.clone(), abs, at));
                    }
                    i = j;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// The module of a file path relative to `src/`.
fn file_module(path: &str) -> String {
    let stem = path.strip_suffix(".rs").unwrap_or(path);
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    if matches!(stem, "lib" | "main") {
        return String::new();
    }
    stem.replace('/', "::")
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}::{name}")
    }
}

/// Whether one module is the other or nested in it.
fn nested(a: &str, b: &str) -> bool {
    let inside =
        |outer: &str, inner: &str| outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}::"));
    inside(a, b) || inside(b, a)
}

/// A `crate::` / `super::` / `self::` path made absolute (segments after `crate`); `None` for a
/// path into another crate.
fn absolute(module: &str, path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super" | "self") => {
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

/// The leaves of a `use` tree: each path, with the name it is imported as (`None` for a glob).
fn use_tree(words: &[&str]) -> Vec<(Vec<String>, Option<String>)> {
    fn go(words: &[&str], prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
        // Split the top level of this tree on commas.
        let mut depth = 0;
        let mut start = 0;
        let mut parts = Vec::new();
        for (i, w) in words.iter().enumerate() {
            match *w {
                "{" => depth += 1,
                "}" => depth -= 1,
                "," if depth == 0 => {
                    parts.push(&words[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&words[start..]);
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let mut path = prefix.to_vec();
            let mut k = 0;
            while k < part.len() {
                match part[k] {
                    "::" => {}
                    "{" => {
                        go(&part[k + 1..part.len().saturating_sub(1)], &path, out);
                        path.clear();
                        break;
                    }
                    "*" => {
                        out.push((path.clone(), None));
                        path.clear();
                        break;
                    }
                    "as" => {
                        let alias = part.get(k + 1).map(|s| s.to_string());
                        out.push((path.clone(), alias.filter(|a| a != "_")));
                        path.clear();
                        break;
                    }
                    w => path.push(w.to_string()),
                }
                k += 1;
            }
            if let Some(last) = path.last().cloned() {
                let alias = if last == "self" {
                    path.iter().rev().nth(1).cloned()
                } else {
                    Some(last)
                };
                out.push((path, alias));
            }
        }
    }
    let mut out = Vec::new();
    go(words, &[], &mut out);
    out
}

fn is_ident(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The tokens that matter here (identifiers, `::`, brackets, `;`, `,`, `*`), each with
/// its line; comments, strings and character literals are skipped.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if c == '"'
            || ((c == 'r' || c == 'b') && matches!(next, Some('"' | '#' | 'r'))) && raw_or_string_start(&chars, i)
        {
            i = skip_string(&chars, i, &mut line);
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && next == Some(':') {
            out.push(("::".to_string(), line));
            i += 2;
        } else {
            if matches!(c, '{' | '}' | ';' | ',' | '*' | '(' | ')' | '[' | ']') {
                out.push((c.to_string(), line));
            }
            i += 1;
        }
    }
    out
}

/// Whether a string literal (`"`, `r"`, `r#"`, `b"`, `br#"`) starts at `i`.
fn raw_or_string_start(chars: &[char], i: usize) -> bool {
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return chars[i] == '"';
    }
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) == Some(&'r') {
        j += 1;
        while chars.get(j) == Some(&'#') {
            j += 1;
        }
    }
    chars.get(j) == Some(&'"')
}

/// Skips the string literal at `i`; returns the index after it.
fn skip_string(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    if chars[i] == 'b' {
        i += 1;
    }
    if chars[i] == 'r' {
        i += 1;
        let mut hashes = 0;
        while chars.get(i) == Some(&'#') {
            hashes += 1;
            i += 1;
        }
        i += 1; // the opening quote
        while i < chars.len() {
            if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                return i + 1 + hashes;
            }
            *line += usize::from(chars[i] == '\n');
            i += 1;
        }
        return i;
    }
    i += 1; // the opening quote
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            c => {
                *line += usize::from(c == '\n');
                i += 1;
            }
        }
    }
    i
}
