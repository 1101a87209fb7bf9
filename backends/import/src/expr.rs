//! GitHub `${{ }}` values and `if:` conditions, translated to the model's typed `Expr` and
//! `Condition` code; what has no typed form returns `Err(why)`.

/// Rust code for the typed value of one GitHub context reference (`secrets.TOKEN`).
pub(crate) fn reference(r: &str) -> Result<String, String> {
    let r = r.trim();
    let parts: Vec<&str> = r.split('.').collect();
    let ident = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !parts.iter().all(|p| ident(p) && !p.is_empty()) {
        return Err(format!("expression `{r}` is not a plain context reference"));
    }
    let q = |s: &str| format!("{s:?}");
    Ok(match parts.as_slice() {
        // The job token; the job's `permissions:` (typed on the job) give its scopes on GitHub.
        ["secrets", "GITHUB_TOKEN"] | ["github", "token"] => "Expr::from(PlatformToken::new())".to_string(),
        ["secrets", name] => format!("Expr::secret({})", q(name)),
        ["inputs", name] | ["github", "event", "inputs", name] => format!("Expr::input({})", q(name)),
        ["matrix", name] => format!("Expr::matrix({})", q(name)),
        ["vars", name] => format!("Expr::var({})", q(name)),
        ["needs", job, "outputs", name] => format!("Expr::Output(OutputRef::new({}, {}))", q(job), q(name)),
        ["github", field] => {
            let builtin = match *field {
                "sha" => "CommitSha",
                "ref_name" => "RefName",
                "run_id" => "RunId",
                "repository" => "Repository",
                "actor" => "Actor",
                "workspace" => "Workspace",
                "event_name" => "EventName",
                "head_ref" => "HeadRef",
                _ => return Err(format!("`github.{field}` has no portable equivalent")),
            };
            format!("Expr::from(Builtin::{builtin})")
        }
        _ => return Err(format!("`{r}` has no portable equivalent")),
    })
}

/// Splits `text` around `${{ ... }}`: literal pieces and expression bodies, in order.
pub(crate) fn pieces(text: &str) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        if start > 0 {
            out.push(Piece::Lit(rest[..start].to_string()));
        }
        let after = &rest[start + 3..];
        let end = after.find("}}").ok_or_else(|| "unterminated `${{`".to_string())?;
        out.push(Piece::Expr(after[..end].trim().to_string()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest.to_string()));
    }
    Ok(out)
}

/// A piece of a value.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(String),
    /// The body of a `${{ }}`.
    Expr(String),
}

/// Rust code for a typed `Expr` of a GitHub value (`pre-${{ github.sha }}`).
pub(crate) fn value(text: &str) -> Result<String, String> {
    let pieces = pieces(text)?;
    let mut parts = Vec::new();
    for p in &pieces {
        parts.push(match p {
            Piece::Lit(s) => format!("Expr::lit({s:?})"),
            Piece::Expr(e) => reference(e)?,
        });
    }
    Ok(match parts.len() {
        0 => "Expr::lit(\"\")".to_string(),
        1 => parts.remove(0),
        _ => format!("Expr::concat([{}])", parts.join(", ")),
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Op(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut v = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        v.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        v.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(v));
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_.-".contains(chars[i])) {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "&&", "||"].into_iter().find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else {
                let op = ["!", "(", ")", ","].into_iter().find(|o| o.starts_with(c));
                out.push(Tok::Op(op.ok_or_else(|| format!("unsupported character `{c}`"))?));
                i += 1;
            }
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn or(&mut self) -> Result<Option<String>, String> {
        let mut terms = vec![self.and()?];
        while self.eat("||") {
            terms.push(self.and()?);
        }
        Ok(combine(terms, "Or"))
    }
    fn and(&mut self) -> Result<Option<String>, String> {
        let mut terms = vec![self.unary()?];
        while self.eat("&&") {
            terms.push(self.unary()?);
        }
        Ok(combine(terms, "And"))
    }
    fn unary(&mut self) -> Result<Option<String>, String> {
        if self.eat("!") {
            let inner = self.unary()?.ok_or("`!success()` has no typed form")?;
            return Ok(Some(format!("!({inner})")));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err("missing `)`".into());
            }
            return Ok(inner);
        }
        let Some(Tok::Ident(name)) = self.peek().cloned() else {
            return Err("expected a name".into());
        };
        self.i += 1;
        if self.eat("(") {
            let mut args = Vec::new();
            while !self.eat(")") {
                match self.peek().cloned() {
                    Some(Tok::Ident(a)) | Some(Tok::Str(a)) => args.push(a),
                    _ => return Err(format!("unsupported argument to `{name}`")),
                }
                self.i += 1;
                self.eat(",");
            }
            return match (name.as_str(), args.as_slice()) {
                ("success", []) => Ok(None),
                ("failure", []) => Ok(Some("Condition::failure()".into())),
                ("always", []) => Ok(Some("Condition::always()".into())),
                ("startsWith", [r, p]) if r == "github.ref" && p == "refs/tags/" => Ok(Some("Condition::tag()".into())),
                _ => Err(format!("function `{name}` has no typed condition")),
            };
        }
        let negate = if self.eat("==") {
            false
        } else if self.eat("!=") {
            true
        } else {
            return Err(format!("`{name}` alone is not a typed condition"));
        };
        let Some(Tok::Str(value)) = self.peek().cloned() else {
            return Err("a comparison with something other than a string".into());
        };
        self.i += 1;
        let cond = comparison(&name, &value)?;
        Ok(Some(if negate { format!("!({cond})") } else { cond }))
    }
}

fn combine(terms: Vec<Option<String>>, op: &str) -> Option<String> {
    let mut terms: Vec<String> = terms.into_iter().flatten().collect();
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(format!("Condition::{op}(vec![{}])", terms.join(", "))),
    }
}

fn comparison(name: &str, value: &str) -> Result<String, String> {
    let q = |s: &str| format!("{s:?}");
    if name == "github.ref" {
        if let Some(branch) = value.strip_prefix("refs/heads/") {
            return Ok(format!("Condition::branch({})", q(branch)));
        }
    }
    if name == "github.event_name" {
        let event = match value {
            "push" => "Push",
            "pull_request" => "PullRequest",
            "schedule" => "Schedule",
            "workflow_dispatch" => "Manual",
            _ => return Err(format!("event `{value}` has no typed form")),
        };
        return Ok(format!("Condition::event(Event::{event})"));
    }
    if let Some(input) = name
        .strip_prefix("inputs.")
        .or_else(|| name.strip_prefix("github.event.inputs."))
    {
        return Ok(format!("Condition::input_equals({}, {})", q(input), q(value)));
    }
    Err(format!("comparison of `{name}` has no typed condition"))
}

/// Rust code for the typed `Condition` of a GitHub `if:`; `Ok(None)` when it is the default
/// (`success()`).
pub(crate) fn condition(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    let t = t.strip_prefix("${{").and_then(|s| s.strip_suffix("}}")).unwrap_or(t);
    // How the library writes `Condition::Failure` on a job: a needed job failed.
    let t = t.replace("failure() && contains(needs.*.result, 'failure')", "failure()");
    let mut p = P { toks: lex(&t)?, i: 0 };
    let out = p.or()?;
    if p.i != p.toks.len() {
        return Err("trailing tokens".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_conditions() {
        assert_eq!(
            value("a-${{ secrets.T }}").expect("test"),
            "Expr::concat([Expr::lit(\"a-\"), Expr::secret(\"T\")])"
        );
        assert!(value("${{ github.event.pull_request.title }}").is_err());
        assert_eq!(
            condition("github.ref == 'refs/heads/main' && github.event_name == 'push'")
                .expect("test")
                .expect("test"),
            "Condition::And(vec![Condition::branch(\"main\"), Condition::event(Event::Push)])"
        );
        assert_eq!(
            condition("${{ startsWith(github.ref, 'refs/tags/') }}")
                .expect("test")
                .expect("test"),
            "Condition::tag()"
        );
        assert_eq!(condition("success()").expect("test"), None);
        assert!(condition("contains(github.event.head_commit.message, 'x')").is_err());
    }
}
