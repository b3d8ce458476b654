//! `message/send` throughput through one driver, plain or HTTPS through the mock as a proxy, so the two figures
//! of `benches/throughput.sh` compare like with like (wrk has no proxy support). Each of `--connections` keep-alive
//! connections sends one request after another for `--seconds` on a single-threaded runtime (as `wrk -t1`);
//! prints `requests/s`. Traffic goes to the given loopback address only, and stops by itself.

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const API: &str = wecom_wire::hosts::API;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// HTTP to the mock's own address.
    Plain,
    /// `CONNECT qyapi.weixin.qq.com:443` to the mock, then TLS with the mock's CA as the only root.
    Proxied,
}

#[derive(Debug, Parser)]
struct Args {
    /// The mock's plain address (127.0.0.1:PORT).
    #[arg(long)]
    mock: SocketAddr,
    #[arg(long, value_enum)]
    mode: Mode,
    /// The mock's CA certificate (PEM), for `proxied`.
    #[arg(long)]
    ca: Option<std::path::PathBuf>,
    #[arg(long)]
    token: String,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

const BODY: &str = r#"{"touser":"lisi","msgtype":"text","agentid":1000002,"text":{"content":"负载测试 load test message"},"safe":0}"#;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.mock.ip().is_loopback() {
        bail!("--mock must be a loopback address");
    }
    let tls = match args.mode {
        Mode::Plain => None,
        Mode::Proxied => Some(connector(args.ca.as_deref().context("--ca is needed")?)?),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let n = rt.block_on(drive(&args, tls))?;
    println!("{:.0}", n as f64 / args.seconds as f64);
    Ok(())
}

fn connector(ca: &std::path::Path) -> anyhow::Result<tokio_rustls::TlsConnector> {
    let pem = std::fs::read(ca).with_context(|| format!("{}", ca.display()))?;
    let (_, cert) = x509_parser::pem::parse_x509_pem(&pem).context("the CA is not PEM")?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(cert.contents))?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn drive(args: &Args, tls: Option<tokio_rustls::TlsConnector>) -> anyhow::Result<u64> {
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let uri = format!("/cgi-bin/message/send?access_token={}", args.token);
    let (mock, connections) = (args.mock, args.connections);
    // One thread, as `wrk -t1`: the connections' tasks take turns on it.
    tokio::task::LocalSet::new()
        .run_until(async move {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..connections {
                let (tls, uri) = (tls.clone(), uri.clone());
                set.spawn_local(async move { connection(mock, tls, &uri, until).await });
            }
            let mut n = 0;
            while let Some(r) = set.join_next().await {
                n += r??;
            }
            Ok(n)
        })
        .await
}

async fn connection(
    mock: SocketAddr,
    tls: Option<tokio_rustls::TlsConnector>,
    uri: &str,
    until: Instant,
) -> anyhow::Result<u64> {
    let s = TcpStream::connect(mock).await?;
    s.set_nodelay(true)?;
    match tls {
        None => send_until(TokioIo::new(s), uri, until).await,
        Some(tls) => {
            let s = tunnel(s).await?;
            let s = tls.connect(ServerName::try_from(API)?, s).await?;
            send_until(TokioIo::new(s), uri, until).await
        }
    }
}

/// `CONNECT` the API host on a connection to the mock; the connection, once it is the tunnel.
async fn tunnel(mut s: TcpStream) -> anyhow::Result<TcpStream> {
    s.write_all(format!("CONNECT {API}:443 HTTP/1.1\r\nHost: {API}:443\r\n\r\n").as_bytes())
        .await?;
    let head = read_head(&mut s).await?;
    if !head.starts_with("HTTP/1.1 200") {
        bail!("CONNECT refused: {head}");
    }
    Ok(s)
}

async fn read_head(s: &mut (impl AsyncRead + Unpin)) -> anyhow::Result<String> {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await? == 0 {
            bail!("closed during the CONNECT answer");
        }
        got.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&got).into_owned())
}

/// One request after another on `io` until `until`; how many were answered with errcode 0.
async fn send_until<I>(io: I, uri: &str, until: Instant) -> anyhow::Result<u64>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::task::spawn_local(conn);
    let mut n = 0;
    while Instant::now() < until {
        let req = Request::post(uri)
            .header("host", API)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(BODY.as_bytes())))?;
        let resp = sender.send_request(req).await?;
        let body = resp.into_body().collect().await?.to_bytes();
        if !body.starts_with(br#"{"errcode":0,"#) {
            bail!("not sent: {}", String::from_utf8_lossy(&body));
        }
        n += 1;
    }
    Ok(n)
}
