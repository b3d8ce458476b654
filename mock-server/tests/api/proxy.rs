//! The mock as an HTTPS proxy for WeCom's hosts: a rustls client whose only root is the mock's CA reaches the
//! API host through `CONNECT`, any other host is refused and journaled, the CA survives a restart, racing
//! tunnels share one leaf, a client that does not trust the CA gets nothing, and the TLS listener answers by SNI.

use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_state, App, BOT_SECRET, CORPID};
use mock_server::CaSource;
use mock_server::{Config, State};

const API: &str = wecom_wire::hosts::API;

/// A CA directory of the test's own, removed when dropped.
pub(crate) struct CaDir(PathBuf);

impl CaDir {
    pub(crate) fn new(name: &str) -> CaDir {
        let p = std::env::temp_dir().join(format!("wecom-mock-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        CaDir(p)
    }

    fn config(&self) -> Config {
        Config {
            ca: CaSource::Dir(self.0.clone()),
            ..Config::default()
        }
    }
}

impl Drop for CaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) async fn mock(dir: &CaDir) -> App {
    spawn_state(State::demo(dir.config()).unwrap_or_else(|e| panic!("{e}"))).await
}

pub(crate) async fn ca_pem(app: &App) -> String {
    let r = app
        .http
        .get(app.url("/mock/ca.pem"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    r.text().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A client that trusts the PEM certificate given and nothing else.
fn trusting(pem: &str) -> tokio_rustls::TlsConnector {
    let (_, cert) =
        x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.contents))
        .unwrap_or_else(|e| panic!("{e}"));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap_or_else(|e| panic!("{e}"))
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Reads until the blank line after a head; the head as text.
async fn head(s: &mut (impl AsyncRead + Unpin)) -> String {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => got.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// `CONNECT target` on a new connection to the mock; the answer's head and the socket.
async fn connect(addr: SocketAddr, target: &str) -> (String, TcpStream) {
    let mut s = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    s.write_all(req.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (head(&mut s).await, s)
}

/// A tunnel to the API host with TLS over it, as a client that trusts `pem` makes one.
async fn tunnel(
    addr: SocketAddr,
    pem: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    tunnel_to(addr, pem, API).await
}

pub(crate) async fn tunnel_to(
    addr: SocketAddr,
    pem: &str,
    host: &'static str,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let (answer, s) = connect(addr, &format!("{host}:443")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let name = ServerName::try_from(host).unwrap_or_else(|e| panic!("{e}"));
    trusting(pem).connect(name, s).await
}

/// One request with `Connection: close`; the whole answer, head and body.
async fn get_raw(
    s: &mut (impl AsyncRead + AsyncWrite + Unpin),
    host: &str,
    target: &str,
) -> Vec<u8> {
    let req = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all).await;
    all
}

/// One request with `Connection: close`; the answer's body as JSON.
async fn get_json(
    s: &mut (impl AsyncRead + AsyncWrite + Unpin),
    host: &str,
    target: &str,
) -> Value {
    let req = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all).await;
    let text = String::from_utf8_lossy(&all);
    let (_, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {text:?}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"))
}

fn gettoken() -> String {
    format!("/cgi-bin/gettoken?corpid={CORPID}&corpsecret={BOT_SECRET}")
}

async fn journal(app: &App) -> Vec<Value> {
    let j: Value = app
        .http
        .get(app.url("/mock/journal?limit=100"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    j["entries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_client_trusting_only_the_mock_ca_reaches_the_api_host() {
    let dir = CaDir::new("reach");
    let app = mock(&dir).await;
    let pem = ca_pem(&app).await;
    let mut tls = tunnel(app.addr, &pem)
        .await
        .unwrap_or_else(|e| panic!("handshake: {e}"));
    let token = get_json(&mut tls, API, &gettoken()).await;
    assert_eq!(token["errcode"], 0, "{token}");
    assert!(token["access_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    // The same state: the journal of the plain port has the tunnel and the call made through it.
    let entries = journal(&app).await;
    assert!(entries.iter().any(|e| e["method"] == "CONNECT"
        && e["path"] == format!("{API}:443")
        && e["status"] == 200));
    assert!(entries
        .iter()
        .any(|e| e["path"] == "/cgi-bin/gettoken" && e["errcode"] == 0));
}

#[tokio::test]
async fn other_hosts_and_ports_are_refused_and_journaled() {
    let dir = CaDir::new("refuse");
    let app = mock(&dir).await;
    for target in [
        "example.com:443",
        "qyapi.weixin.qq.com.evil.example:443",
        "qyapi.weixin.qq.com:8443",
    ] {
        let (answer, _) = connect(app.addr, target).await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{target}: {answer}");
    }
    let mut s = TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = get_json(&mut s, "example.com", "http://example.com/anything").await;
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("forwards nothing")),
        "{refused}"
    );
    let entries = journal(&app).await;
    for target in [
        "example.com:443",
        "qyapi.weixin.qq.com:8443",
        "http://example.com/anything",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e["path"] == target && e["status"] == 403),
            "{target} journaled: {entries:?}"
        );
    }
}

#[tokio::test]
async fn an_absolute_form_request_for_the_api_host_is_served() {
    let dir = CaDir::new("absolute");
    let app = mock(&dir).await;
    let mut s = TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let token = get_json(&mut s, API, &format!("http://{API}{}", gettoken())).await;
    assert_eq!(token["errcode"], 0, "{token}");
}

#[tokio::test]
async fn the_ca_survives_a_restart() {
    let dir = CaDir::new("restart");
    let first = ca_pem(&mock(&dir).await).await;
    let again = mock(&dir).await;
    assert_eq!(ca_pem(&again).await, first);
    // And the restarted mock's leaves verify against the certificate clients were given the first time.
    let mut tls = tunnel(again.addr, &first)
        .await
        .unwrap_or_else(|e| panic!("handshake: {e}"));
    assert_eq!(get_json(&mut tls, API, &gettoken()).await["errcode"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_tunnels_share_one_leaf() {
    let dir = CaDir::new("race");
    let app = mock(&dir).await;
    let pem = ca_pem(&app).await;
    // Started at once, on the runtime's workers, before the mock has made any leaf.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (addr, pem) = (app.addr, pem.clone());
        set.spawn(async move {
            let t = tunnel(addr, &pem)
                .await
                .unwrap_or_else(|e| panic!("handshake: {e}"));
            let (_, conn) = t.get_ref();
            conn.peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.to_vec())
                .unwrap_or_else(|| panic!("no certificate"))
        });
    }
    let leaves = set.join_all().await;
    assert_eq!(leaves.len(), 4);
    assert!(leaves.windows(2).all(|w| w[0] == w[1]), "one leaf for all");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_gets_nothing() {
    let (dir, other) = (CaDir::new("untrusted"), CaDir::new("untrusted-other"));
    let app = mock(&dir).await;
    let stranger = ca_pem(&mock(&other).await).await;
    assert!(
        tunnel(app.addr, &stranger).await.is_err(),
        "the handshake fails"
    );
    // Plain HTTP in a tunnel meant for TLS is not answered as HTTP.
    let (answer, mut s) = connect(app.addr, &format!("{API}:443")).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    s.write_all(format!("GET {} HTTP/1.1\r\nHost: {API}\r\n\r\n", gettoken()).as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut back = Vec::new();
    let _ = s.read_to_end(&mut back).await;
    assert!(
        !back.starts_with(b"HTTP/"),
        "{:?}",
        String::from_utf8_lossy(&back)
    );
    assert!(!journal(&app)
        .await
        .iter()
        .any(|e| e["path"] == "/cgi-bin/gettoken"));
}

#[tokio::test]
async fn the_tls_listener_answers_as_the_host_its_sni_names() {
    let dir = CaDir::new("listener");
    let state = State::demo(dir.config()).unwrap_or_else(|e| panic!("{e}"));
    let app = spawn_state(state.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mock_server::run_tls(
        listener,
        state,
        Default::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let pem = ca_pem(&app).await;
    let dial = |sni: &'static str| {
        let connector = trusting(&pem);
        async move {
            let s = TcpStream::connect(addr)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let name = ServerName::try_from(sni).unwrap_or_else(|e| panic!("{e}"));
            connector.connect(name, s).await
        }
    };
    let mut tls = dial(API).await.unwrap_or_else(|e| panic!("handshake: {e}"));
    assert_eq!(get_json(&mut tls, API, &gettoken()).await["errcode"], 0);
    assert!(
        dial("example.com").await.is_err(),
        "no leaf for other hosts"
    );
    let _ = stop.send(());
    assert!(server.await.is_ok_and(|r| r.is_ok()));
}

#[tokio::test]
async fn the_web_and_pictures_hosts_answer_what_the_mock_handed_out() {
    let dir = CaDir::new("hosts");
    let app = mock(&dir).await;
    let pem = ca_pem(&app).await;
    let token = app.token().await;
    let way = app
        .post(
            &format!("/cgi-bin/kf/add_contact_way?access_token={token}"),
            serde_json::json!({"open_kfid": crate::helpers::KF_ACCOUNT, "scene": "spring"}),
        )
        .await;
    let url = way["url"].as_str().unwrap_or_else(|| panic!("{way}"));
    let path = url
        .strip_prefix(wecom_wire::hosts::WEB_ORIGIN)
        .unwrap_or_else(|| panic!("{url}"));
    let mut web = tunnel_to(app.addr, &pem, wecom_wire::hosts::WEB)
        .await
        .unwrap_or_else(|e| panic!("handshake: {e}"));
    let opened = get_json(&mut web, wecom_wire::hosts::WEB, path).await;
    assert_eq!(opened["link"]["kind"], "kf_contact_way", "{opened}");
    assert_eq!(opened["link"]["open_kfid"], crate::helpers::KF_ACCOUNT);

    let up = app
        .upload(
            &format!("/cgi-bin/media/uploadimg?access_token={token}"),
            "media",
            "p.png",
            crate::helpers::PNG,
        )
        .await;
    let url = up["url"].as_str().unwrap_or_else(|| panic!("{up}"));
    let path = url
        .strip_prefix(wecom_wire::hosts::PICTURES_ORIGIN)
        .unwrap_or_else(|| panic!("{url}"));
    let mut pics = tunnel_to(app.addr, &pem, wecom_wire::hosts::PICTURES)
        .await
        .unwrap_or_else(|e| panic!("handshake: {e}"));
    let answer = get_raw(&mut pics, wecom_wire::hosts::PICTURES, path).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        answer.ends_with(crate::helpers::PNG),
        "the picture's own bytes"
    );
}

#[tokio::test]
async fn a_ca_of_ones_own_issues_the_leaves() {
    let (made, dir) = (CaDir::new("own-made"), CaDir::new("own-used"));
    // A pair made elsewhere (here by another mock), given as files.
    let theirs = ca_pem(&mock(&made).await).await;
    let config = Config {
        ca: CaSource::Files {
            cert: made.0.join("ca.pem"),
            key: made.0.join("ca-key.pem"),
        },
        ..dir.config()
    };
    let app = spawn_state(State::demo(config).unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(ca_pem(&app).await, theirs);
    let mut tls = tunnel(app.addr, &theirs)
        .await
        .unwrap_or_else(|e| panic!("handshake: {e}"));
    assert_eq!(get_json(&mut tls, API, &gettoken()).await["errcode"], 0);
    assert!(!dir.0.exists(), "no CA of the mock's own was made");
}
