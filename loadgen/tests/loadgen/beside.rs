//! loadgen beside a running mock (`--target`): the callback URL it replaced is put back when it exits, after a
//! whole run and after SIGTERM; a SIGTERM leaves a report whose verdict is incomplete (JUnit: an error, `report
//! show --check`: exit 3); faults and changed settings on the target are said at start.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use loadgen::http::{Base, Conn};
use loadgen::scenario::plan::Method;
use tokio::sync::mpsc;

/// A failure bound only: each wait below ends on an event long before.
const BOUND: Duration = Duration::from_secs(60);
const KF: &str = "wkDemoSupportDesk00000000000001A";
const CUSTOMER: &str = "wmDemoXiaoMing00000000000000001A";

/// A mock whose kf app pushes to a reference bot of the test's own, as a developer's bot beside the mock.
struct Beside {
    mock_url: String,
    bot_url: String,
    bot: Arc<bot::Bot>,
    /// Both serve until the test ends.
    _stops: [mock_server::Stop; 2],
}

async fn beside() -> Beside {
    let bot_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let bot_url = format!(
        "http://{}/callback",
        bot_listener.local_addr().expect("addr")
    );
    // The fixture's own URL is the bot's, so the live URL is the one /mock/world shows, whether it shows the
    // live one or the fixture's.
    let fixture = mock_server::DEFAULT_FIXTURE.replace("http://127.0.0.1:9000/callback", &bot_url);
    assert_ne!(
        fixture,
        mock_server::DEFAULT_FIXTURE,
        "the demo's URL moved"
    );
    let (world, parsed) =
        mock_server::World::parse(&fixture, "beside.yaml").expect("the fixture loads");
    let state = mock_server::State::new(world, &parsed, mock_server::Config::default())
        .expect("the mock starts");
    let (mock_url, mock) = crate::serve(state).await;
    let bot = bot::Bot::new(bot::Config {
        api_base: mock_url.clone(),
        ..bot::Config::demo()
    })
    .expect("the bot's keys");
    // Bound first, above: the fixture names the bot's URL before the bot (which needs the mock's) exists.
    let (_, bot_stop) = bot::spawn_on(bot_listener, bot.clone()).expect("the bot starts");
    Beside {
        mock_url,
        bot_url,
        bot,
        _stops: [mock, bot_stop],
    }
}

async fn send(url: &str, method: Method, path: &str, body: &str) -> serde_json::Value {
    let mut conn = Conn::new(Base::parse(url).expect("url"));
    let body = (!body.is_empty()).then(|| Bytes::from(body.to_owned()));
    let r = conn
        .send(method, path, body, Duration::from_secs(10))
        .await
        .expect("the mock answers");
    assert_eq!(
        r.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    serde_json::from_slice(&r.body).expect("JSON")
}

fn scenario(name: &str, text: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("loadgen-beside-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("s.yaml");
    std::fs::write(&file, text).expect("write scenario");
    (file, dir)
}

fn loadgen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_loadgen"))
}

/// Runs the binary to its end off the runtime's threads, so the in-process mock keeps answering it.
async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("loadgen runs"))
        .await
        .expect("joined")
}

const QUICK: &str = "name: quick\nworkload:\n  - closed: { vus: 1, iterations: 3 }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\n";

/// The bot beside the mock gets the kf app's pushes again: a customer's message is answered by it.
async fn answered_by_the_bot_beside(b: &Beside) {
    let mut answers = b.bot.answers();
    let sent = send(
        &b.mock_url,
        Method::Post,
        &format!("/mock/kf/{KF}/messages"),
        &format!(r#"{{"from": "{CUSTOMER}", "content": "after the run"}}"#),
    )
    .await;
    let msgid = sent["msgid"].as_str().expect("a msgid").to_owned();
    let answered = tokio::time::timeout(BOUND, async {
        loop {
            match answers.recv().await {
                Ok(a) if a.customer_msgid == msgid => return,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("the bot's answers ended: {e}"),
            }
        }
    })
    .await;
    assert!(
        answered.is_ok(),
        "the bot beside the mock never got the push"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_puts_the_callback_url_back_after_a_run() {
    let b = beside().await;
    // Set at run time to the fixture's own URL: forgetting the run's URL gives the same one back.
    let set = send(
        &b.mock_url,
        Method::Put,
        "/mock/apps/1000002/callback",
        &format!(r#"{{"url": "{}"}}"#, b.bot_url),
    )
    .await;
    assert_eq!(set["verified"], true, "{set}");
    let (file, dir) = scenario("whole", QUICK);
    let mut cmd = loadgen();
    cmd.arg("run").arg(&file).arg("--out").arg(dir.join("out"));
    cmd.args(["--quiet", "--target", &b.mock_url]);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "app 1000002's callback URL is back to {}",
            b.bot_url
        )),
        "{stderr}"
    );
    // Only the PUT above was verified: the restore sets nothing.
    assert_eq!(b.bot.stats().n_verifications, 1);
    answered_by_the_bot_beside(&b).await;
}

/// The binary, its stderr read line by line as it comes.
struct Running {
    child: std::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("loadgen starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads stderr until a line starts with `prefix`.
    async fn wait_for(&mut self, prefix: &str) {
        let found = tokio::time::timeout(BOUND, async {
            while let Some(line) = self.lines.recv().await {
                let hit = line.starts_with(prefix);
                self.seen.push(line);
                if hit {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(found, Ok(true), "no {prefix:?} line in {:?}", self.seen);
    }

    fn signal(&self, sig: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) on our own child's pid, which we have not waited for, so it is not reused.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill");
    }

    /// Waits for the exit; the rest of stderr is in `seen` after.
    async fn exit_code(mut self) -> (Option<i32>, Vec<String>) {
        let pid = self.child.id();
        let mut child = self.child;
        let waited = tokio::time::timeout(
            BOUND,
            tokio::task::spawn_blocking(move || child.wait().expect("wait")),
        )
        .await;
        let Ok(status) = waited else {
            // SAFETY: as in `signal`; the child has not been reaped.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("loadgen did not exit after SIGTERM: {:?}", self.seen);
        };
        let status = status.expect("joined");
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        (status.code(), self.seen)
    }
}

fn loadgen_report(args: &[&str], report: &Path) -> Output {
    loadgen()
        .arg("report")
        .args(args)
        .arg(report)
        .output()
        .expect("loadgen report runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_writes_an_incomplete_report_and_puts_the_callback_url_back() {
    let b = beside().await;
    let long = "name: long\nworkload:\n  - open: { rate: 20/s, duration: 60s }\nsteps:\n  - call: GET /cgi-bin/user/get\n    query: { userid: zhangsan }\n";
    let (file, dir) = scenario("sigterm", long);
    let mut cmd = loadgen();
    cmd.arg("run").arg(&file).arg("--out").arg(dir.join("out"));
    cmd.args(["--quiet", "--target", &b.mock_url]);
    let mut run = Running::spawn(cmd);
    run.wait_for("loadgen: started").await;
    run.signal(libc::SIGTERM);
    let (code, stderr) = run.exit_code().await;
    assert_eq!(code, Some(3), "{stderr:#?}");
    let report = dir.join("out/report.json");
    let r = reports::Report::read(&report).expect("the report is written and reads back");
    assert!(r.partial);
    assert_eq!(r.verdict, "incomplete");
    assert!(
        r.stopped.as_deref().is_some_and(|s| s.contains("SIGTERM")),
        "{:?}",
        r.stopped
    );
    assert!(r.run.duration_ms < 60_000, "{}", r.run.duration_ms);

    let junit = loadgen_report(&["junit"], &report);
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert_eq!(junit.status.code(), Some(0));
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(xml.contains("<error type=\"incomplete\""), "{xml}");
    let check = loadgen_report(&["show", "--check"], &report);
    assert_eq!(
        check.status.code(),
        Some(3),
        "show --check agrees with the run's exit"
    );

    let back = format!("app 1000002's callback URL is back to {}", b.bot_url);
    assert!(stderr.iter().any(|l| l.contains(&back)), "{stderr:#?}");
    // The fixture's URL comes back by forgetting the run's: nothing to verify.
    assert_eq!(b.bot.stats().n_verifications, 0);
    answered_by_the_bot_beside(&b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_changed_settings_are_said_at_start() {
    let (url, _state, _mock) = crate::spawn_mock().await;
    send(
        &url,
        Method::Post,
        "/mock/faults",
        r#"{"path": "/cgi-bin/message/send", "errcode": -1, "ratio": 0.5}"#,
    )
    .await;
    send(
        &url,
        Method::Patch,
        "/mock/settings",
        r#"{"webhook_per_minute": 5}"#,
    )
    .await;
    let (file, dir) = scenario(
        "warned",
        &QUICK.replace("name: quick\n", "name: quick\nbot: none\n"),
    );
    let mut cmd = loadgen();
    cmd.arg("run").arg(&file).arg("--out").arg(dir.join("out"));
    cmd.args(["--quiet", "--target", &url]);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("loadgen: warning:"))
        .collect();
    assert_eq!(warnings.len(), 2, "one line each: {stderr}");
    assert!(
        warnings[0].contains("1 fault in force")
            && warnings[0].contains("/cgi-bin/message/send (errcode -1, ratio 0.5)"),
        "{stderr}"
    );
    assert!(
        warnings[1].contains("webhook_per_minute = 5 (default "),
        "{stderr}"
    );

    // A target as a fresh mock has it gets no warning.
    let (fresh, _state, _fresh) = crate::spawn_mock().await;
    let mut cmd = loadgen();
    cmd.arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("fresh"));
    cmd.args(["--quiet", "--target", &fresh]);
    let out = output(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
