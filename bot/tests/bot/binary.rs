//! The `bot` binary's `--register` as a container runs it: the mock in another "host" (a mock started with
//! `--admin-token`, which then wants the token from every caller) reaches the bot by a name of its own
//! (`--public-url`), not by the address the bot bound.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::mock::serve_mock;

const TOKEN: &str = "k8s-s3cret";

/// The bot binary registering with the mock at `api`, bound to every address on a free port and registering
/// `http://127.0.0.2:PORT/callback` (loopback too, but not what it bound). Returns what it printed up to the
/// registration (or its exit), its exit status if it exited, and that URL.
fn bot(api: &str, token: Option<&str>) -> (String, Option<i32>, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let public = format!("http://127.0.0.2:{port}/callback");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bot"));
    cmd.args(["--bind", &format!("0.0.0.0:{port}"), "--api", api])
        .args(["--register", "1000002", "--public-url", &public])
        .env_remove("MOCK_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(t) = token {
        cmd.args(["--admin-token", t]);
    }
    let mut child = cmd.spawn().expect("the bot starts");
    let mut said = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // The bot serves on after registering: read until it says so, or until it exits (EOF).
    for line in lines.by_ref() {
        let line = line.expect("a line");
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("registered with app") {
            break;
        }
    }
    let code = match child.try_wait().expect("status") {
        Some(s) => s.code(),
        None if said.contains("registered") => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
        None => child.wait().expect("status").code(),
    };
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut said);
    }
    (said, code, public)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_gives_the_mock_the_public_url_with_the_admin_token() {
    let config = mock_server::Config {
        admin_token: Some(TOKEN.into()),
        ..Default::default()
    };
    let state = mock_server::State::demo(config).expect("the demo world");
    let (api, _mock) = serve_mock(state).await;

    let (said, code, _) = tokio::task::spawn_blocking({
        let api = api.clone();
        move || bot(&api, None)
    })
    .await
    .expect("joined");
    assert_eq!(code, Some(2), "refused without the token: {said}");
    assert!(said.contains("registration refused: 401"), "{said}");

    let (said, code, public) = tokio::task::spawn_blocking({
        let api = api.clone();
        move || bot(&api, Some(TOKEN))
    })
    .await
    .expect("joined");
    assert_eq!(code, None, "still serving after registering: {said}");
    assert!(said.contains("registered with app 1000002"), "{said}");
    let world: serde_json::Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a client")
        .get(format!("{api}/mock/world"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("the world")
        .json()
        .await
        .expect("JSON");
    let app = world["corps"][0]["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .find(|a| a["agentid"] == 1000002)
        .expect("the demo app");
    assert_eq!(app["callback"]["url"], public.as_str());
}

/// `bot aibot` against the mock at `api` with `secret`: what it printed up to its first subscribe (then it is
/// killed) or its exit, and its exit status if it exited by itself.
fn aibot(api: &str, secret: &str) -> (String, Option<i32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bot"))
        .args(["aibot", "--ws-url", &api.replace("http://", "ws://")])
        .args(["--secret", secret])
        .env_remove("BOT_AIBOT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bot starts");
    let mut said = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("a line");
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("aibot subscribed") {
            let _ = child.kill();
            let _ = child.wait();
            return (said, None);
        }
    }
    let code = child.wait().expect("status").code();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut said);
    }
    (said, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_aibot_subscribes_and_a_wrong_secret_ends_it() {
    let state = mock_server::State::demo(Default::default()).expect("the demo world");
    let (api, _mock) = serve_mock(state).await;
    let run = |secret: &'static str| {
        let api = api.clone();
        tokio::task::spawn_blocking(move || aibot(&api, secret))
    };
    let (said, code) = run("demo-aibot-secret-0123456789abcdefghijklmno")
        .await
        .expect("joined");
    assert_eq!(code, None, "{said}");
    assert!(said.contains("aibot subscribed (connection 1)"), "{said}");
    let (said, code) = run("wrong").await.expect("joined");
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("the server refused the subscribe: 853000 invalid bot_id or secret"),
        "{said}"
    );
}

/// The fenced block right after `<!-- help: NAME -->` in the workspace's README.md.
fn readme_help_block(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let tag = format!("<!-- help: {name} -->\n```\n");
    let start = readme
        .find(&tag)
        .unwrap_or_else(|| panic!("README.md has the {name} help block"))
        + tag.len();
    let len = readme[start..].find("```\n").expect("the block ends");
    readme[start..start + len].to_owned()
}

#[test]
fn the_readmes_help_blocks_are_the_binarys_help() {
    for (name, args) in [
        ("bot", &["--help"][..]),
        ("bot aibot", &["aibot", "--help"]),
    ] {
        // No environment: clap shows an env variable's value when it is set.
        let out = Command::new(env!("CARGO_BIN_EXE_bot"))
            .args(args)
            .env_clear()
            .output()
            .expect("bot --help");
        assert!(out.status.success());
        assert_eq!(
            readme_help_block(name),
            String::from_utf8(out.stdout).expect("UTF-8"),
            "README.md's `{name} --help` block differs from the binary's: paste the binary's"
        );
    }
}
