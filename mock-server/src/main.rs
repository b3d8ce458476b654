//! `mock-server`: serve the simulated WeCom on an address, with the built-in demo company or a fixture file.

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

use mock_server::{CaSource, Config, Limits, State};

// mimalloc: a server that allocates per request and runs for hours is cheaper and fragments less with it than
// with glibc's malloc. The bare baseline uses it too, so the benchmarks' ratio measures the mock's work alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "A mock WeCom (企业微信) server for testing bots and SDKs offline"
)]
struct Args {
    /// Address to listen on. Port 0 picks a free one (the first line printed says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// The world to load (YAML; see mock-server/FIXTURE.md). Default: the built-in demo company.
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Protect the /mock/ control API with this bearer token (needed to reach it from other hosts).
    #[arg(long, env = "MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Close a connection that has not sent a whole request head within this (0: never).
    #[arg(long, default_value_t = Limits::default().header_timeout_ms)]
    header_timeout_ms: u64,
    /// Refuse a request whose declared body has not arrived within this, counted from the first read (0: never).
    #[arg(long, default_value_t = Limits::default().body_timeout_ms)]
    body_timeout_ms: u64,
    /// Close a keep-alive connection idle for this long (0: never).
    #[arg(long, default_value_t = Limits::default().idle_timeout_ms)]
    idle_timeout_ms: u64,
    /// Open connections at most (lowered to fit the open-file limit); a few more are kept for /mock/ and /metrics.
    #[arg(long, default_value_t = Limits::default().max_connections as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Where the CA for HTTPS as WeCom's hosts (the proxy's CONNECT tunnels, --tls-bind) is made on first start
    /// and reused after. Default: $XDG_DATA_HOME/wecom-mock/ca, else ~/.local/share/wecom-mock/ca.
    #[arg(long, conflicts_with_all = ["ca_cert", "ca_key"])]
    ca_dir: Option<PathBuf>,
    /// Your own CA certificate (PEM) to issue the HTTPS leaves from, with --ca-key.
    #[arg(long, requires = "ca_key")]
    ca_cert: Option<PathBuf>,
    /// The key of --ca-cert (PEM, PKCS#8 or SEC1).
    #[arg(long, requires = "ca_cert")]
    ca_key: Option<PathBuf>,
    /// Also serve HTTPS here, as WeCom's hosts, for setups that map qyapi.weixin.qq.com to this machine (a hosts
    /// file, a container's extra_hosts) instead of using the mock as a proxy.
    #[arg(long)]
    tls_bind: Option<String>,
}

impl Args {
    fn ca(&self) -> CaSource {
        match (&self.ca_dir, &self.ca_cert, &self.ca_key) {
            (_, Some(cert), Some(key)) => CaSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (Some(dir), _, _) => CaSource::Dir(dir.clone()),
            _ => CaSource::default(),
        }
    }

    /// Whether HTTPS was asked for by name, so a CA that cannot be opened stops the start.
    fn wants_tls(&self) -> bool {
        self.tls_bind.is_some() || self.ca_dir.is_some() || self.ca_cert.is_some()
    }
}

/// `println!` that survives a closed stdout: a reader that stops after the first line (`| head -1`, a
/// supervisor waiting for the address) must not kill the server with a broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> std::process::ExitCode {
    // Errors a person can act on are one line, not a backtrace.
    match serve() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mock-server: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(t) = &args.admin_token {
        check_admin_token(t)?;
    }
    let limits = Limits {
        header_timeout_ms: args.header_timeout_ms,
        body_timeout_ms: args.body_timeout_ms,
        idle_timeout_ms: args.idle_timeout_ms,
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
    };
    let config = Config {
        admin_token: args.admin_token.clone(),
        connections: limits,
        ca: args.ca(),
    };
    let state = match &args.fixture {
        Some(path) => State::from_file(path, config.clone())?,
        None => State::demo(config.clone())?,
    };
    let ca = open_ca(&state, args.wants_tls())?;
    // Before the first line is printed: a supervisor may signal as soon as it reads it.
    let stop = stop_signal()?;
    let listener = mock_server::listen(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    fit_fd_limit(&limits);
    say!("mock-server listening on http://{addr}");
    if exposed(addr.ip()) && config.admin_token.is_none() {
        eprintln!(
            "mock-server: warning: listening on {addr}, beyond loopback, without --admin-token: the WeCom API and \
             every secret printed below are open to the network, and the control API trusts any caller that \
             reaches it from loopback (a proxy on this host included); start with --admin-token to guard it"
        );
    }
    let tls = match &args.tls_bind {
        Some(a) => Some(
            mock_server::listen(a)
                .await
                .with_context(|| format!("cannot listen on {a} (--tls-bind)"))?,
        ),
        None => None,
    };
    print_credentials(&state, addr);
    if let Some(ca) = &ca {
        print_https(ca, addr, tls.as_ref())?;
    }
    print_console(addr, args.admin_token.is_some());
    let (stopped, on_stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = stopped.send(true);
    });
    let stop_when = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let plain = mock_server::run_with(listener, state.clone(), limits, stop_when(on_stop.clone()));
    match tls {
        Some(l) => {
            let https = mock_server::run_tls(l, state, limits, stop_when(on_stop));
            tokio::try_join!(plain, https)?;
        }
        None => plain.await?,
    }
    Ok(())
}

/// The CA's certificate, opened (or made) before the server says it is listening. A CA that cannot be opened
/// stops the start when HTTPS was asked for by name, and is a warning otherwise (plain HTTP works without it).
fn open_ca(state: &State, wanted: bool) -> anyhow::Result<Option<PathBuf>> {
    match state.ca_cert_path() {
        Ok(p) => Ok(Some(p)),
        Err(e) if !wanted => {
            eprintln!("mock-server: warning: HTTPS through the proxy is off: {e}");
            Ok(None)
        }
        Err(e) => anyhow::bail!("the CA for HTTPS: {e}"),
    }
}

/// Where the CA is, and how a client reaches WeCom's hosts through the mock.
fn print_https(
    ca: &std::path::Path,
    addr: std::net::SocketAddr,
    tls: Option<&tokio::net::TcpListener>,
) -> anyhow::Result<()> {
    let ca = ca.display();
    say!("HTTPS as WeCom: CA {ca} (also GET http://{addr}/mock/ca.pem)");
    say!("  proxy: HTTPS_PROXY=http://{addr} REQUESTS_CA_BUNDLE={ca} (Python), NODE_EXTRA_CA_CERTS={ca} (Node)");
    if let Some(l) = tls {
        say!(
            "  direct: https://{} answers as qyapi.weixin.qq.com (map the host name to it)",
            l.local_addr()?
        );
    }
    Ok(())
}

/// A token the control API can be opened with: not empty (which would lock everyone out without a word),
/// and sendable as it is in an `Authorization` header.
fn check_admin_token(t: &str) -> anyhow::Result<()> {
    if t.is_empty() {
        anyhow::bail!(
            "--admin-token is empty: give a token, or leave the flag (and MOCK_ADMIN_TOKEN) out to keep the \
             control API to loopback callers"
        );
    }
    if !t.bytes().all(|b| b.is_ascii_graphic()) {
        anyhow::bail!("--admin-token must be printable ASCII without spaces: it travels in an Authorization header");
    }
    Ok(())
}

/// Whether an address the server listens on is reachable from beyond this host.
fn exposed(ip: std::net::IpAddr) -> bool {
    !ip.to_canonical().is_loopback()
}

/// Raises the open-file soft limit towards what the connection cap wants, and says so when the cap still has
/// to be lowered to fit.
fn fit_fd_limit(limits: &Limits) {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let now = getrlimit(Resource::Nofile);
        let want = limits.fds_wanted();
        if let Some(current) = now.current.filter(|c| *c < want) {
            let raised = now.maximum.map_or(want, |max| max.min(want));
            if raised > current {
                let _ = setrlimit(
                    Resource::Nofile,
                    Rlimit {
                        current: Some(raised),
                        maximum: now.maximum,
                    },
                );
            }
        }
    }
    let fds = mock_server::fd_limit();
    let fitted = limits.fitted_max_connections(fds);
    if fitted < limits.max_connections {
        eprintln!(
            "mock-server: --max-connections {} lowered to {fitted} to fit the open-file limit ({})",
            limits.max_connections,
            fds.unwrap_or_default()
        );
    }
}

/// Resolves on Ctrl-C or SIGTERM (what supervisors and CI runners send): both stop the server gracefully.
/// The handlers are installed now, so a signal that comes before the server runs is not lost.
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// What a person needs to point a bot at the mock, printed once at start: the world as `/mock/world` shows it.
fn print_credentials(state: &State, addr: std::net::SocketAddr) {
    let world = state.world_view();
    for c in &world.corps {
        say!("corp {} ({})  corpid={}", c.name, c.users.len(), c.corpid);
        for a in &c.apps {
            say!(
                "  app {:<12} agentid={} secret={}",
                a.name,
                a.agentid,
                a.secret
            );
            if let Some(cb) = &a.callback {
                say!(
                    "      callback url={} token={} encoding_aes_key={}",
                    cb.url.as_deref().unwrap_or("-"),
                    cb.token,
                    cb.encoding_aes_key
                );
            }
        }
        if let Some(secret) = &c.contact_sync_secret {
            say!("  contacts sync  secret={secret}");
            if let Some(cb) = &c.contact_sync_callback {
                say!(
                    "      callback url={} token={} encoding_aes_key={}",
                    cb.url.as_deref().unwrap_or("-"),
                    cb.token,
                    cb.encoding_aes_key
                );
            }
        }
        for r in &c.robots {
            say!(
                "  robot {:<10} http://{addr}/cgi-bin/webhook/send?key={}",
                r.name,
                r.key
            );
        }
        for b in &c.aibots {
            let members = b
                .members
                .as_ref()
                .map_or("every member".to_owned(), |m| m.join(", "));
            say!(
                "  aibot {} botid={} secret={} (for {members})",
                b.name,
                b.botid,
                b.secret
            );
        }
        if let Some(kf) = &c.kf {
            for a in &kf.accounts {
                say!(
                    "  kf account {} open_kfid={} (managed by app {})",
                    a.name,
                    a.open_kfid,
                    kf.agentid
                );
            }
        }
        if let Some(first) = c.customers.first() {
            say!(
                "  {} customers, e.g. {} external_userid={}",
                c.n_customers,
                first.name,
                first.external_userid
            );
        }
    }
    say!("API base: http://{addr}/cgi-bin/   control: http://{addr}/mock/world   metrics: http://{addr}/metrics");
}

/// Last, where a person looks first: the page that shows all of the above and what happens next.
fn print_console(addr: std::net::SocketAddr, with_token: bool) {
    let token = if with_token {
        "?token=<admin token>"
    } else {
        ""
    };
    say!("Console: http://{addr}/mock/ui{token}   (chat as a customer, watch every push and call)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_unsendable_admin_token_is_refused() {
        assert!(check_admin_token("").is_err());
        assert!(check_admin_token("two words").is_err());
        assert!(check_admin_token("tab\there").is_err());
        assert!(check_admin_token("s3cret-Token_1").is_ok());
    }

    #[test]
    fn only_loopback_binds_are_not_exposed() {
        for a in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            assert!(
                !exposed(a.parse().unwrap_or_else(|e| panic!("{a}: {e}"))),
                "{a}"
            );
        }
        for a in ["0.0.0.0", "::", "192.0.2.7", "::ffff:192.0.2.7"] {
            assert!(
                exposed(a.parse().unwrap_or_else(|e| panic!("{a}: {e}"))),
                "{a}"
            );
        }
    }
}
