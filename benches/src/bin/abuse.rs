//! The resource attacks of a long run, against a separate mock-server process on 127.0.0.1: long query strings
//! into the journal and big journal reads, 20 MB uploads, app messages filling thousands of inboxes. After each,
//! the mock's resident memory, the slowest `/mock/health` answer seen during it, and what its budgets hold.
//! Bounded in count; stops by itself.
//!
//! `cargo build --release -p mock-server && cargo run --release -p benches --bin abuse`

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const CORPID: &str = "ww5e2d1c0b9a8f7e6d";
const SECRET: &str = "demo-bot-secret-0123456789abcdefghijklmnopq";

#[derive(Parser)]
struct Args {
    /// The mock-server binary to attack.
    #[arg(long, default_value = "target/release/mock-server")]
    mock: String,
    /// `user/get` calls with a 65 KB query string.
    #[arg(long, default_value_t = 12_000)]
    n_long_queries: usize,
    /// 20 MB uploads.
    #[arg(long, default_value_t = 50)]
    n_uploads: usize,
    /// `message/send` to @all (5,000 members) with 2,000 bytes of text.
    #[arg(long, default_value_t = 200)]
    n_broadcasts: usize,
    /// Connections opened and left idle or with half a request head sent (slowloris), held for 3 s.
    #[arg(long, default_value_t = 12_000)]
    n_connections: usize,
}

/// The mock as a child process, killed when dropped.
struct Mock {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl Mock {
    fn start(bin: &str, fixture: &std::path::Path) -> anyhow::Result<Mock> {
        let mut child = Command::new(bin)
            .args(["--bind", "127.0.0.1:0", "--fixture"])
            .arg(fixture)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let out = child.stdout.take().context("no stdout")?;
        let mut first = String::new();
        BufReader::new(out).read_line(&mut first)?;
        let Some(addr) = first.trim().strip_prefix("mock-server listening on ") else {
            bail!("unexpected first line: {first}");
        };
        let http = reqwest::Client::builder().no_proxy().build()?;
        Ok(Mock {
            base: addr.to_owned(),
            child,
            http,
        })
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()));
        let kib: f64 = status
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0.0);
        kib / 1024.0
    }

    async fn token(&self) -> anyhow::Result<String> {
        let url = format!(
            "{}/cgi-bin/gettoken?corpid={CORPID}&corpsecret={SECRET}",
            self.base
        );
        let v: Value = self.http.get(url).send().await?.json().await?;
        Ok(v["access_token"].as_str().unwrap_or_default().to_owned())
    }

    /// What each budget holds, from `/metrics`, in MiB.
    async fn kept(&self) -> anyhow::Result<String> {
        let text = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await?
            .text()
            .await?;
        let kept: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("wecom_mock_kept_bytes{budget=\""))
            .filter_map(|l| l.split_once("\"} "))
            .map(|(b, v)| format!("{b} {:.0}", v.parse::<f64>().unwrap_or(0.0) / 1048576.0))
            .collect();
        Ok(kept.join(", "))
    }
}

/// What the `/mock/health` probes during an attack met: the slowest answer, and how many went unanswered (the
/// connection refused or closed) out of how many.
#[derive(Default)]
struct Probes {
    worst: Duration,
    n_unanswered: usize,
    n: usize,
}

/// Runs `attack` while probing `/mock/health` every 20 ms from a thread and runtime of its own, so that the
/// attacker's work in this process does not delay the probes and count as the mock's.
async fn probing<T, F: std::future::Future<Output = anyhow::Result<T>>>(
    mock: &Mock,
    attack: F,
) -> anyhow::Result<(Probes, T)> {
    let url = format!("{}/mock/health", mock.base);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let probe = std::thread::spawn(move || -> anyhow::Result<Probes> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(probe_until(url, stop_rx))
    });
    let out = attack.await?;
    let _ = stop_tx.send(());
    let probes = probe
        .join()
        .map_err(|_| anyhow::anyhow!("the probe thread panicked"))??;
    Ok((probes, out))
}

async fn probe_until(
    url: String,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> anyhow::Result<Probes> {
    // A new connection for every probe, as a newcomer would come: a kept one would not meet a connection cap.
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .build()?;
    let mut p = Probes::default();
    loop {
        let t = Instant::now();
        let answered = http.get(&url).send().await.is_ok_and(|r| r.status() == 200);
        p.n += 1;
        if answered {
            p.worst = p.worst.max(t.elapsed());
        } else {
            p.n_unanswered += 1;
        }
        tokio::select! {
            _ = &mut stop => return Ok(p),
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
}

/// Sends `n` requests made by `make`, `in_flight` at a time.
async fn flood(
    n: usize,
    in_flight: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> anyhow::Result<()> {
    let mut set = JoinSet::new();
    for i in 0..n {
        while set.len() >= in_flight {
            set.join_next().await;
        }
        let req = make(i);
        set.spawn(async move {
            let _ = req.send().await.map(|r| r.bytes());
        });
    }
    while set.join_next().await.is_some() {}
    Ok(())
}

/// Opens `n` connections, half of them sending half a request head and nothing more, and holds them for 3 s.
/// Connections the mock refuses or closes are not retried.
async fn hold_connections(addr: &str, n: usize) -> anyhow::Result<Vec<tokio::net::TcpStream>> {
    let mut open = Vec::with_capacity(n);
    for i in 0..n {
        let Ok(s) = tokio::net::TcpStream::connect(addr).await else {
            continue;
        };
        if i % 2 == 0 {
            // A fresh socket's buffer takes these few bytes at once.
            let _ = s.try_write(b"POST /cgi-bin/message/send HTTP/1.1\r\nHost: x\r\n");
        }
        open.push(s);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok(open)
}

/// Prints a phase's line: the mock's RSS, the slowest probe, and what each budget holds.
async fn report(phase: &str, mock: &Mock, p: &Probes) -> anyhow::Result<()> {
    let kept = mock.kept().await?;
    let mut health = format!("health ≤ {:>6.1} ms", p.worst.as_secs_f64() * 1e3);
    if p.n_unanswered > 0 {
        health += &format!(" ({} of {} probes unanswered)", p.n_unanswered, p.n);
    }
    println!(
        "{phase:<34} {:>8.0} MiB   {health}   kept MiB: {kept}",
        mock.rss_mib()
    );
    Ok(())
}

/// 65 KB query strings into the journal, then four big journal reads at once.
async fn journal_attacks(mock: &Mock, args: &Args, t: &str) -> anyhow::Result<()> {
    let long = "x".repeat(65_000);
    let url = format!(
        "{}/cgi-bin/user/get?access_token={t}&userid={long}",
        mock.base
    );
    let (worst, ()) = probing(
        mock,
        flood(args.n_long_queries, 32, |_| mock.http.get(&url)),
    )
    .await?;
    report("journal: 65 KB queries", mock, &worst).await?;
    let journal = format!("{}/mock/journal?limit=10000", mock.base);
    let (worst, ()) = probing(mock, flood(4, 4, |_| mock.http.get(&journal))).await?;
    report("journal: 4 reads of limit=10000", mock, &worst).await
}

/// 20 MB uploads four at a time, then 2 KB app messages to every one of 5,000 members.
async fn storage_attacks(mock: &Mock, args: &Args, t: &str) -> anyhow::Result<()> {
    let file = bytes::Bytes::from(vec![b'z'; 20 * 1024 * 1024]);
    let upload = format!(
        "{}/cgi-bin/media/upload?access_token={t}&type=file",
        mock.base
    );
    let (worst, ()) = probing(
        mock,
        flood(args.n_uploads, 4, |_| {
            let part = reqwest::multipart::Part::stream(file.clone()).file_name("big.bin");
            let form = reqwest::multipart::Form::new().part("media", part);
            mock.http.post(&upload).multipart(form)
        }),
    )
    .await?;
    report("media: 20 MB uploads", mock, &worst).await?;
    let send = format!("{}/cgi-bin/message/send?access_token={t}", mock.base);
    let text = "满".repeat(666);
    let body =
        json!({"touser": "@all", "msgtype": "text", "agentid": 1000002, "text": {"content": text}});
    let (worst, ()) = probing(
        mock,
        flood(args.n_broadcasts, 4, |_| mock.http.post(&send).json(&body)),
    )
    .await?;
    report("inboxes: 2 KB to 5,000 members", mock, &worst).await
}

/// Idle and slowloris connections held, then all closed at once.
async fn connection_attacks(mock: &Mock, args: &Args) -> anyhow::Result<()> {
    let addr = mock.base.trim_start_matches("http://").to_owned();
    let (worst, open) = probing(mock, hold_connections(&addr, args.n_connections)).await?;
    let phase = format!("connections: {} idle/slowloris", args.n_connections);
    report(&phase, mock, &worst).await?;
    // Every socket closed in one go, then 200 ms for the mock to see them go.
    let release = async move {
        drop(open);
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(())
    };
    let (worst, ()) = probing(mock, release).await?;
    report("connections: all closed at once", mock, &worst).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let demo = include_str!("../../../mock-server/src/world/default.yaml");
    let fixture = demo.replacen(
        "    name: Demo Trading Co.\n",
        "    name: Demo Trading Co.\n    generate_users: 5000\n",
        1,
    );
    let path = std::env::temp_dir().join(format!("abuse-{}.yaml", std::process::id()));
    std::fs::write(&path, fixture)?;
    let mock = Mock::start(&args.mock, &path)?;
    let _ = std::fs::remove_file(&path);
    let t = mock.token().await?;
    let off = json!({"member_per_minute": 0, "member_per_hour": 0});
    mock.http
        .patch(format!("{}/mock/settings", mock.base))
        .json(&off)
        .send()
        .await?;
    report("start", &mock, &Probes::default()).await?;
    journal_attacks(&mock, &args, &t).await?;
    storage_attacks(&mock, &args, &t).await?;
    connection_attacks(&mock, &args).await?;
    mock.http
        .post(format!("{}/mock/reset", mock.base))
        .send()
        .await?;
    report("after /mock/reset", &mock, &Probes::default()).await
}
