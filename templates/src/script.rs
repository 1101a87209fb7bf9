//! Script bodies of constructs, from templates whose interpolated values are shell-quoted.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, State};

use crate::escape::shell_quote;

/// A template that failed to render, naming the template and where.
#[derive(Debug)]
pub struct Error(minijinja::Error);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        if let (Some(name), Some(line)) = (self.0.name(), self.0.line()) {
            write!(f, " (template {name}, line {line})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The error for a built-in template that does not exist.
pub(crate) fn unknown(name: &str) -> Error {
    Error(minijinja::Error::new(
        minijinja::ErrorKind::TemplateNotFound,
        format!("no built-in script template {name}"),
    ))
}

fn shell_formatter(
    out: &mut minijinja::Output<'_>,
    state: &State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    let text = if value.is_undefined() || value.is_none() {
        String::new()
    } else {
        value.to_string()
    };
    if state.auto_escape() == AutoEscape::Custom("shell") && !value.is_safe() {
        out.write_str(&shell_quote(&text))?;
    } else {
        out.write_str(&text)?;
    }
    Ok(())
}

/// Renders the script template `source` (named `name` in errors) with `context`. Every
/// `{{ value }}` is quoted as one shell word (mark trusted shell code with `|safe`); an
/// undefined variable is an error, not an empty string.
pub fn render_script(name: &str, source: &str, context: impl serde::Serialize) -> Result<String, Error> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Custom("shell"));
    env.set_formatter(shell_formatter);
    let template = env.template_from_named_str(name, source).map_err(Error)?;
    template.render(context).map_err(Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_values_are_errors() {
        let e = render_script("x.sh", "echo {{ missing }}\n", ()).expect_err("strict");
        assert!(e.to_string().contains("x.sh"), "{e}");
    }

    #[test]
    fn safe_values_are_not_quoted_and_loops_work() {
        let s = render_script(
            "x.sh",
            "{% for f in files %}cp {{ f }} dist/\n{% endfor %}{{ raw|safe }}\n",
            serde_json_like(),
        )
        .expect("renders");
        assert_eq!(s, "cp a.txt dist/\ncp 'b c.txt' dist/\n\"$HOME\"\n");
    }

    fn serde_json_like() -> std::collections::BTreeMap<&'static str, Value> {
        let mut m = std::collections::BTreeMap::new();
        m.insert("files", Value::from(vec!["a.txt", "b c.txt"]));
        m.insert("raw", Value::from("\"$HOME\""));
        m
    }
}
