//! Secret values masked in everything the runner prints or keeps.

/// Replaces every secret value in text with `***`.
///
/// ```
/// use pipeline_core::run::Masker;
/// let mut m = Masker::default();
/// m.add("hunter2");
/// m.add("line one\nline two");
/// assert_eq!(m.mask("password=hunter2"), "password=***");
/// assert_eq!(m.mask("got line two"), "got ***");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Masker {
    values: Vec<String>,
}

impl Masker {
    /// Masks `value` from now on; each line of a multi-line value is masked on its own, since
    /// logs are read line by line. Values shorter than 3 characters are not masked (they would
    /// mask ordinary text).
    pub fn add(&mut self, value: &str) {
        for part in std::iter::once(value).chain(value.lines()) {
            let part = part.trim();
            if part.chars().count() >= 3 && !self.values.iter().any(|v| v == part) {
                self.values.push(part.to_owned());
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    /// `text` with every secret value replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
