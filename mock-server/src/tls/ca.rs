//! The mock's certificate authority: made on first start in a directory and reused after (so a client set up
//! to trust it once keeps trusting it), or the user's own. It signs the leaf certificates of WeCom's hosts and
//! nothing else: its name constraints permit only WeCom's domains, so a client that trusts it trusts it for
//! nothing but the mock.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The files a CA directory holds.
pub const CERT_FILE: &str = "ca.pem";
pub const KEY_FILE: &str = "ca-key.pem";

/// The domains the CA may sign for: every host in [`wecom_wire::hosts::ALL`] is under one of them.
const PERMITTED: &[&str] = &["weixin.qq.com", "qpic.cn"];
const CA_DAYS: u64 = 3650;
/// Under the 398 days browsers and Apple's stack accept for a server certificate.
const LEAF_DAYS: u64 = 397;
const DAY: Duration = Duration::from_secs(86_400);

#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: not a PEM private key the mock can sign with ({source})", path.display())]
    Key { path: PathBuf, source: rcgen::Error },
    #[error("{}: not a PEM CA certificate ({source})", path.display())]
    Cert { path: PathBuf, source: rcgen::Error },
    #[error("{}: the key does not belong to the certificate beside it", path.display())]
    Mismatch { path: PathBuf },
    #[error("making a certificate: {0}")]
    Make(#[from] rcgen::Error),
    #[error("the system clock is out of a certificate's range")]
    Clock,
    #[error("loading a leaf's key: {0}")]
    LeafKey(rustls::Error),
}

/// A CA that can issue leaves.
pub struct Ca {
    cert_pem: String,
    cert_path: PathBuf,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("cert_path", &self.cert_path)
            .finish()
    }
}

/// Where the CA lives when no `--ca-dir` is given: the user's data directory, so it survives restarts and
/// is shared by every mock the user starts.
pub fn default_dir() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match data {
        Some(d) => d.join("wecom-mock").join("ca"),
        None => PathBuf::from(".wecom-mock-ca"),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Ca {
    /// The CA in `dir`, made there (with the directory) if it holds none yet.
    pub fn open(dir: &Path) -> Result<Ca, CaError> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if !key.exists() {
            make(dir, &cert, &key)?;
        }
        Ca::from_files(&cert, &key)
    }

    /// A CA from a certificate and its key, both PEM (`--ca-cert`, `--ca-key`).
    pub fn from_files(cert: &Path, key: &Path) -> Result<Ca, CaError> {
        let key_pem = fs::read_to_string(key).map_err(io_err(key))?;
        let cert_pem = fs::read_to_string(cert).map_err(io_err(cert))?;
        let signing = KeyPair::from_pem(&key_pem).map_err(|source| CaError::Key {
            path: key.to_owned(),
            source,
        })?;
        let public = signing.public_key_raw().to_vec();
        let issuer =
            Issuer::from_ca_cert_pem(&cert_pem, signing).map_err(|source| CaError::Cert {
                path: cert.to_owned(),
                source,
            })?;
        if !cert_holds_key(&cert_pem, &public) {
            return Err(CaError::Mismatch {
                path: key.to_owned(),
            });
        }
        Ok(Ca {
            cert_pem,
            cert_path: cert.to_owned(),
            issuer,
        })
    }

    /// The CA certificate, PEM: what clients are told to trust (`GET /mock/ca.pem`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// A new leaf for `host`, with its key: valid from a day ago (clocks differ) for [`LEAF_DAYS`].
    pub fn issue(
        &self,
        host: &str,
    ) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec![host.to_owned()])?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, host);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        (params.not_before, params.not_after) = validity(LEAF_DAYS)?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let key_der = PrivatePkcs8KeyDer::from(key.serialize_der());
        Ok((cert.der().clone(), PrivateKeyDer::Pkcs8(key_der)))
    }
}

/// Whether the certificate's public key is `public` (a key given beside someone else's certificate would sign
/// leaves no client could verify).
fn cert_holds_key(cert_pem: &str, public: &[u8]) -> bool {
    let Ok((_, pem)) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()) else {
        return false;
    };
    pem.parse_x509()
        .is_ok_and(|cert| cert.public_key().subject_public_key.data.as_ref() == public)
}

fn validity(days: u64) -> Result<(time::OffsetDateTime, time::OffsetDateTime), CaError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let at = |d: Duration| {
        i64::try_from(d.as_secs())
            .ok()
            .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .ok_or(CaError::Clock)
    };
    Ok((at(now.saturating_sub(DAY))?, at(now + DAY * days as u32)?))
}

/// A new CA in `dir`: the key is written first with `create_new`, so two mocks starting at once on one
/// directory cannot both write one; the loser reads the winner's.
fn make(dir: &Path, cert: &Path, key: &Path) -> Result<(), CaError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let signing = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(
        DnType::CommonName,
        format!("wecom-mock CA ({})", who_made_it()),
    );
    params
        .distinguished_name
        .push(DnType::OrganizationName, "wecom-mock");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: PERMITTED
            .iter()
            .map(|d| GeneralSubtree::DnsName((*d).to_owned()))
            .collect(),
        excluded_subtrees: Vec::new(),
    });
    (params.not_before, params.not_after) = validity(CA_DAYS)?;
    let ca = params.self_signed(&signing)?;
    match write_new(key, signing.serialize_pem().as_bytes(), true) {
        Err(CaError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
            return wait_for(cert);
        }
        other => other?,
    }
    write_new(cert, ca.pem().as_bytes(), false)
}

/// Another mock is writing the CA: its certificate follows its key within moments.
fn wait_for(cert: &Path) -> Result<(), CaError> {
    for _ in 0..100 {
        if cert.exists() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(CaError::Io {
        path: cert.to_owned(),
        source: io::Error::new(
            io::ErrorKind::NotFound,
            "the CA's key is there but not its certificate",
        ),
    })
}

fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), CaError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))
}

/// The user and machine, so a CA in a trust store says whose mock made it.
fn who_made_it() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    let host = fs::read_to_string("/etc/hostname").unwrap_or_default();
    match host.trim() {
        "" => user,
        h => format!("{user}@{h}"),
    }
}
