//! Command-line options of every generator binary.

use std::path::PathBuf;

/// Parsed options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--out DIR`: another output root.
    pub out: Option<PathBuf>,
    /// `--check`: write nothing, diff, exit 1 on drift.
    pub check: bool,
    /// `--list`: print the files that would be written.
    pub list: bool,
    /// `--backend NAME` (repeatable): a subset of backends.
    pub backends: Vec<String>,
    /// `--help`.
    pub help: bool,
}

/// The usage text of generator `name` with `backends` available.
pub fn usage(name: &str, backends: &[&str]) -> String {
    format!(
        "\
Usage: {name} [--check | --list] [--out DIR] [--backend NAME]...
       {name} run PIPELINE [--job ID] [--event EVENT] [--dry-run] ... (`{name} run --help`)

Generates this project's CI/CD pipeline files, or runs a pipeline on this machine (`run`).

Options:
  --out DIR       write under DIR instead of the default output root
  --check         write nothing; print a diff of every file that would change and
                  exit 1 if any would (0 when everything is up to date)
  --list          print the files that would be written, one per line
  --backend NAME  generate only for this platform (repeatable): {}
  -h, --help      print this help

Exit status: 0 success, 1 files out of date (--check), 2 invalid usage, invalid
pipeline or I/O error (nothing is written then).
",
        backends.join(", ")
    )
}

/// Parses arguments (without the program name).
///
/// ```
/// use pipeline_core::generate::cli::parse;
/// let o = parse(["--check", "--backend", "github", "--out=ci-out"]).expect("valid");
/// assert!(o.check);
/// assert_eq!(o.backends, ["github"]);
/// assert_eq!(o.out.as_deref(), Some(std::path::Path::new("ci-out")));
/// assert!(parse(["--frobnicate"]).is_err());
/// ```
pub fn parse<I, S>(args: I) -> Result<Options, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut options = Options::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) if !v.is_empty() && !v.starts_with("--") => Ok(v),
                _ => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "--out" => {
                if options.out.is_some() {
                    return Err("--out is given twice".into());
                }
                options.out = Some(PathBuf::from(value("--out")?));
            }
            "--backend" => options.backends.push(value("--backend")?),
            "--check" | "--list" | "-h" | "--help" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--check" => options.check = true,
            "--list" => options.list = true,
            "-h" | "--help" => options.help = true,
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}")),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if options.check && options.list {
        return Err("--check and --list cannot be combined".into());
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse(["--out"]), Err("--out needs a value".into()));
        assert_eq!(parse(["--out", "--check"]), Err("--out needs a value".into()));
        assert_eq!(
            parse(["--check", "--list"]),
            Err("--check and --list cannot be combined".into())
        );
        assert_eq!(parse(["stray"]), Err("unexpected argument \"stray\"".into()));
        assert_eq!(parse(["--check=yes"]), Err("--check takes no value".into()));
        assert_eq!(parse(["--out", "a", "--out", "b"]), Err("--out is given twice".into()));
    }

    #[test]
    fn repeatable_backends() {
        let o = parse(["--backend", "github", "--backend=gitlab"]).expect("valid");
        assert_eq!(o.backends, ["github", "gitlab"]);
    }
}
