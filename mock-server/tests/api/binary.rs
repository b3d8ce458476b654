//! The `mock-server` binary itself: what it refuses at start, the CA it names, and SIGTERM stopping it as Ctrl-C
//! does.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");

/// Waits for a child to exit, within `bound`.
fn exit_within(mut child: std::process::Child, bound: Duration) -> std::process::ExitStatus {
    let (tx, rx) = mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(bound) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => panic!("wait: {e}"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("mock-server (pid {pid}) still running after {bound:?}");
        }
    }
}

#[test]
fn an_empty_admin_token_is_refused_at_start() {
    for (args, env) in [(&["--admin-token", ""][..], None), (&[][..], Some(""))] {
        let mut cmd = Command::new(BIN);
        cmd.args(args).args(["--bind", "127.0.0.1:0"]);
        match env {
            Some(v) => cmd.env("MOCK_ADMIN_TOKEN", v),
            None => cmd.env_remove("MOCK_ADMIN_TOKEN"),
        };
        let out = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let out = exit_within_output(out);
        assert_eq!(out.0.code(), Some(2), "{args:?} {env:?}");
        assert!(out.1.contains("--admin-token is empty"), "{}", out.1);
        assert!(!out.2.contains("listening"), "it must not start: {}", out.2);
    }
}

/// The exit status, stderr and stdout of a child that is to end by itself.
fn exit_within_output(
    mut child: std::process::Child,
) -> (std::process::ExitStatus, String, String) {
    use std::io::Read;
    let mut stderr = String::new();
    let mut stdout = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    (exit_within(child, Duration::from_secs(10)), stderr, stdout)
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut child = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0"])
        .env_remove("MOCK_ADMIN_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = String::new();
    let _ = BufReader::new(stdout).read_line(&mut first);
    assert!(
        first.starts_with("mock-server listening on http://127.0.0.1:"),
        "{first}"
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(kill.success());
    let status = exit_within(child, Duration::from_secs(10));
    // Killed by the signal it would have no code; a graceful stop exits 0.
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// The binary on a free port with its CA in `dir`, and the lines it prints.
fn start_with_ca_dir(dir: &std::path::Path) -> (std::process::Child, impl Iterator<Item = String>) {
    let mut child = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--ca-dir"])
        .arg(dir)
        .env_remove("MOCK_ADMIN_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let lines = BufReader::new(stdout).lines().map_while(Result::ok);
    (child, lines)
}

#[test]
fn the_ca_is_named_at_start_and_a_ca_that_cannot_be_made_stops_it() {
    let dir = std::env::temp_dir().join(format!("wecom-mock-bin-ca-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut child, mut lines) = start_with_ca_dir(&dir);
    let want = format!("HTTPS as WeCom: CA {}", dir.join("ca.pem").display());
    let named = lines.any(|l| l.starts_with(&want));
    let _ = child.kill();
    let _ = child.wait();
    assert!(named, "no line starting {want:?}");
    assert!(dir.join("ca.pem").exists() && dir.join("ca-key.pem").exists());
    let _ = std::fs::remove_dir_all(&dir);

    // A directory that cannot be made (under a file), asked for by name: the start stops, saying why.
    let file = std::env::temp_dir().join(format!("wecom-mock-bin-file-{}", std::process::id()));
    std::fs::write(&file, b"not a directory").unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--ca-dir"])
        .arg(file.join("ca"))
        .env_remove("MOCK_ADMIN_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let (status, stderr, _) = exit_within_output(out);
    let _ = std::fs::remove_file(&file);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the CA for HTTPS"), "{stderr}");

    // Half a pair of one's own is refused by the flags.
    let half = Command::new(BIN)
        .args(["--bind", "127.0.0.1:0", "--ca-cert", "x.pem"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(half.code(), Some(2));
}

/// The start-up text ends with the console's address, on the port actually bound, and the page answers there.
#[tokio::test]
async fn the_console_url_is_printed_and_answers() {
    let dir = std::env::temp_dir().join(format!("wecom-mock-bin-console-{}", std::process::id()));
    let (mut child, mut lines) = start_with_ca_dir(&dir);
    let first = lines.next().unwrap_or_default();
    let addr = first
        .strip_prefix("mock-server listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let console = lines
        .find(|l| l.starts_with("Console: "))
        .unwrap_or_default();
    assert!(
        console.starts_with(&format!("Console: {addr}/mock/ui ")),
        "{console:?}"
    );
    let page = reqwest::get(format!("{addr}/mock/ui"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = page.status();
    let body = page.text().await.unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status, 200);
    assert!(body.contains("/mock/ui/main.js"), "{body}");
}
