//! Scenario files: read ([`raw`]), checked and turned into a [`plan::Plan`] ([`build`]). A bad scenario is
//! refused before anything runs, with the file, line, column and what is wrong.

pub mod build;
pub mod plan;
pub mod raw;
mod step;

use sha2::{Digest, Sha256};
use std::path::Path;

pub use plan::Plan;
/// Thresholds and units belong to the report model: merged and compared reports judge them again.
pub use reports::{threshold, units};

/// A scenario refused: `file:line:column: message`, or `file: message` when the problem has no place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; 0 when the problem has no place (the file cannot be read).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ScenarioError {
    fn render(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.file, self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// Reads, parses and checks a scenario file. Relative fixture files are found beside it.
pub fn load(path: &Path) -> Result<Plan, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, &file, path.parent().unwrap_or(Path::new(".")))
}

/// Parses and checks scenario text; `dir` is where relative fixture files are looked for.
pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Plan, ScenarioError> {
    let raw: raw::Scenario =
        wecom_wire::mock::yaml::read(text).map_err(|(loc, message)| ScenarioError {
            file: file.to_owned(),
            line: loc.map_or(0, |l| l.line() as usize),
            column: loc.map_or(0, |l| l.column() as usize),
            message,
        })?;
    let hash = format!("sha256:{:x}", Sha256::digest(text.as_bytes()));
    build::plan(raw, dir)
        .map(|mut p| {
            p.file = file.to_owned();
            p.text = text.to_owned();
            p.hash = hash;
            p
        })
        .map_err(|(loc, message)| ScenarioError {
            file: file.to_owned(),
            line: loc.line() as usize,
            column: loc.column() as usize,
            message,
        })
}

/// The JSON Schema of the scenario format, for editors.
#[allow(
    clippy::expect_used,
    reason = "a schema is plain JSON: serializing it cannot fail"
)]
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(raw::Scenario);
    serde_json::to_string_pretty(&schema).expect("a schema serializes") + "\n"
}

#[cfg(test)]
mod tests;
