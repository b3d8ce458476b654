//! Leaf certificates for WeCom's hosts, made by the CA on first use and kept for the life of the mock, and the
//! rustls server configs that hand them out by SNI.

use parking_lot::Mutex;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use wecom_wire::hosts;

use super::ca::{Ca, CaError};

/// What the mock speaks inside TLS.
const ALPN_HTTP1: &[u8] = b"http/1.1";

pub struct Leaves {
    ca: Ca,
    provider: Arc<CryptoProvider>,
    by_host: Mutex<HashMap<String, Arc<CertifiedKey>>>,
    configs: Mutex<HashMap<String, Arc<ServerConfig>>>,
    n_issued: AtomicU64,
}

impl std::fmt::Debug for Leaves {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leaves")
            .field("ca", &self.ca)
            .field("n_issued", &self.n_issued())
            .finish()
    }
}

impl Leaves {
    pub fn new(ca: Ca) -> Leaves {
        Leaves {
            ca,
            // ring, named rather than the process default, so nothing else in a process decides it.
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            by_host: Mutex::new(HashMap::new()),
            configs: Mutex::new(HashMap::new()),
            n_issued: AtomicU64::new(0),
        }
    }

    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    /// How many leaves the CA has signed: one per host, however many handshakes asked.
    pub fn n_issued(&self) -> u64 {
        self.n_issued.load(Relaxed)
    }

    /// The leaf for `host`, one of WeCom's; made under the lock, so handshakes racing for a new host wait for
    /// one leaf instead of each signing its own.
    pub fn leaf(&self, host: &str) -> Result<Arc<CertifiedKey>, CaError> {
        let mut by_host = self.by_host.lock();
        if let Some(k) = by_host.get(host) {
            return Ok(k.clone());
        }
        let (cert, key) = self.ca.issue(host)?;
        let signing = self
            .provider
            .key_provider
            .load_private_key(key)
            .map_err(CaError::LeafKey)?;
        let k = Arc::new(CertifiedKey::new(vec![cert], signing));
        self.n_issued.fetch_add(1, Relaxed);
        by_host.insert(host.to_owned(), k.clone());
        Ok(k)
    }

    /// The server side of a handshake for a connection meant for `host` (a `CONNECT` target, or the API host
    /// on the TLS listener): the client's SNI picks the leaf when it names a WeCom host, `host` when it names
    /// none; an SNI naming any other host gets no certificate, so the handshake fails.
    pub fn config(self: &Arc<Self>, host: &str) -> Result<Arc<ServerConfig>, rustls::Error> {
        let mut configs = self.configs.lock();
        if let Some(c) = configs.get(host) {
            return Ok(c.clone());
        }
        let resolver = Arc::new(Resolver {
            leaves: self.clone(),
            fallback: host.to_owned(),
        });
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(resolver);
        config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
        let config = Arc::new(config);
        configs.insert(host.to_owned(), config.clone());
        Ok(config)
    }
}

#[derive(Debug)]
struct Resolver {
    leaves: Arc<Leaves>,
    fallback: String,
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = match hello.server_name() {
            Some(sni) => hosts::name_of(sni),
            None => self.fallback.clone(),
        };
        if !hosts::is_wecom(&name) {
            return None;
        }
        self.leaves.leaf(&name).ok()
    }
}
