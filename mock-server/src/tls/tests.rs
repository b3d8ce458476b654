//! The CA made once and reused, the pair checked, leaves shared and verifiable, the name constraints held.

use super::*;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;
use std::path::PathBuf;
use std::sync::Arc;

/// A directory of its own under the system's temporary one, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("wecom-mock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Dir(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn verifier(ca: &Ca) -> Arc<WebPkiServerVerifier> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(ca.cert_pem().as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(pem.contents))
        .unwrap_or_else(|e| panic!("{e}"));
    WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn verify(ca: &Ca, leaf: &CertificateDer<'_>, host: &str) -> Result<(), rustls::Error> {
    let name = ServerName::try_from(host.to_owned()).unwrap_or_else(|e| panic!("{e}"));
    verifier(ca)
        .verify_server_cert(leaf, &[], &name, &[], UnixTime::now())
        .map(|_| ())
}

#[test]
fn the_ca_is_made_once_and_reused() {
    let dir = Dir::new("ca-reuse");
    let first = Ca::open(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    let again = Ca::open(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.cert_pem(), again.cert_pem(), "a restart keeps the CA");
    assert_eq!(first.cert_path(), dir.0.join(ca::CERT_FILE));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.0.join(ca::KEY_FILE))
            .unwrap_or_else(|e| panic!("{e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is the user's alone: {mode:o}");
    }
    // A leaf the restarted CA signs verifies against the certificate clients were given the first time.
    let (leaf, _) = again
        .issue(wecom_wire::hosts::API)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(verify(&first, &leaf, wecom_wire::hosts::API).is_ok());
}

#[test]
fn a_key_beside_another_certificate_is_refused() {
    let (a, b) = (Dir::new("ca-a"), Dir::new("ca-b"));
    Ca::open(&a.0).unwrap_or_else(|e| panic!("{e}"));
    Ca::open(&b.0).unwrap_or_else(|e| panic!("{e}"));
    let mixed = Ca::from_files(&a.0.join(ca::CERT_FILE), &b.0.join(ca::KEY_FILE));
    assert!(matches!(mixed, Err(CaError::Mismatch { .. })), "{mixed:?}");
    let missing = Ca::from_files(&a.0.join("nope.pem"), &a.0.join(ca::KEY_FILE));
    assert!(matches!(missing, Err(CaError::Io { .. })), "{missing:?}");
}

#[test]
fn leaves_verify_for_their_host_only() {
    let dir = Dir::new("ca-leaf");
    let ca = Ca::open(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    let (leaf, _) = ca
        .issue(wecom_wire::hosts::WEB)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(verify(&ca, &leaf, wecom_wire::hosts::WEB).is_ok());
    assert!(verify(&ca, &leaf, wecom_wire::hosts::API).is_err());
}

#[test]
fn the_ca_cannot_vouch_for_hosts_outside_wecom() {
    let dir = Dir::new("ca-constrained");
    let ca = Ca::open(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    // Signed all the same, as a stolen key could: clients refuse it by the CA's name constraints.
    let (leaf, _) = ca.issue("example.com").unwrap_or_else(|e| panic!("{e}"));
    let refused = verify(&ca, &leaf, "example.com");
    assert!(refused.is_err(), "{refused:?}");
    for host in wecom_wire::hosts::ALL {
        let (leaf, _) = ca.issue(host).unwrap_or_else(|e| panic!("{e}"));
        assert!(verify(&ca, &leaf, host).is_ok(), "{host}");
    }
}

#[test]
fn racing_handshakes_share_one_leaf() {
    let dir = Dir::new("ca-race");
    let leaves = Arc::new(Leaves::new(
        Ca::open(&dir.0).unwrap_or_else(|e| panic!("{e}")),
    ));
    let keys: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| leaves.leaf(wecom_wire::hosts::API)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("thread")))
            .collect()
    });
    assert_eq!(leaves.n_issued(), 1);
    let first = keys[0].as_ref().unwrap_or_else(|e| panic!("{e}"));
    assert!(keys
        .iter()
        .all(|k| k.as_ref().is_ok_and(|k| Arc::ptr_eq(k, first))));
}
