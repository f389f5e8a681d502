//! Errors a person can act on: every problem in a rules file is a [`Diagnostic`] that names
//! the file, line and column, says what is wrong and what to do about it.
//!
//! Parts: [`Diagnostic`] and [`line_col`] (the place), [`RulesError`] (a file that did not
//! load), and the typed causes quoted inside diagnostics: [`KeywordError`] (a keyword that
//! cannot be matched) and [`UnknownSignal`].

use std::fmt;
use std::ops::Range;

/// One problem found in a rules file, pointing at the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the admin named it (or `<embedded rules.toml>`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Diagnostic {
    /// Builds a diagnostic at byte offset `span.start` of `source`.
    pub fn at(
        file: &str,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = span.map(|s| line_col(source, s.start)).unwrap_or((1, 1));
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            help: help.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Why a rules file could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RulesError {
    /// The file has problems; each is listed with its place. Nothing was loaded.
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

impl RulesError {
    /// The problems found, in file order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RulesError::Invalid(d) => d,
        }
    }
}

/// Why a keyword as written cannot be matched; quoted in the [`Diagnostic`] that points
/// at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    /// A `*` before the end: only a trailing one (prefix matching) has a meaning.
    #[error("`*` is allowed only at the end of a keyword (`cancel*`)")]
    InnerStar,
    /// Nothing is left to match once the keyword is normalised.
    #[error("this keyword has no letters, digits or emoji once punctuation is removed")]
    NoWords,
}

/// A signal name that is not one of the built-in signals (`signals = [...]` in a rule).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown signal `{0}`: use one of negative, anger, human, urgent")]
pub struct UnknownSignal(pub String);

fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "a = 1\nb = \"退款\" x\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        let x = src.find('x').unwrap();
        assert_eq!(line_col(src, x), (2, 10));
        assert_eq!(line_col(src, 10_000), (3, 1));
    }

    #[test]
    fn renders_place_message_and_help() {
        let d = Diagnostic::at("r.toml", "x\ny = 2", Some(2..3), "bad y", "fix y");
        assert_eq!(d.to_string(), "r.toml:2:1: error: bad y\n  help: fix y");
    }
}
