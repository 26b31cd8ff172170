//! What is wrong with a letter: each problem with its field, all of them at once.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with a letter: the field at fault and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// Everything wrong with one letter file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LetterError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.file.display(), p.field, p.message)?;
        }
        Ok(())
    }
}

pub(super) fn problem(problems: &mut Vec<Problem>, field: &str, message: impl Into<String>) {
    problems.push(Problem {
        field: field.to_string(),
        message: message.into(),
    });
}

/// The whole chain of a tera error, which holds the line and what was expected.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
