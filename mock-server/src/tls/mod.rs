//! HTTPS as WeCom's hosts: the mock's own CA ([`ca`]), leaf certificates for the hosts it models made on demand
//! ([`leaves`]), for the proxy's `CONNECT` tunnels and the TLS listener.

pub mod ca;
pub mod leaves;

pub use ca::{Ca, CaError};
pub use leaves::Leaves;

use std::path::PathBuf;

/// Where the CA comes from: a directory it is made in once and read from after (`--ca-dir`, by default the
/// user's data directory), or a certificate and key of the user's own (`--ca-cert`, `--ca-key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    Dir(PathBuf),
    Files { cert: PathBuf, key: PathBuf },
}

impl Default for CaSource {
    fn default() -> CaSource {
        CaSource::Dir(ca::default_dir())
    }
}

impl CaSource {
    pub fn open(&self) -> Result<Ca, CaError> {
        match self {
            CaSource::Dir(dir) => Ca::open(dir),
            CaSource::Files { cert, key } => Ca::from_files(cert, key),
        }
    }
}

#[cfg(test)]
mod tests;
