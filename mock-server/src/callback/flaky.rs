//! A flaky bot over 10,000 messages: it fails the first attempts of a message at random (seeded) by answering
//! 500, closing the connection, answering garbage or hanging past the timeout, and sometimes answers late but in
//! time. Every message must be delivered, within 4 attempts, and the attempt log must account for each one.
//! Beside the queue it tests: the pushes are dispatched straight into it, numbered as the bot's plan wants.

use axum::http::Method;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use wecom_wire::callback::{message_xml, parse_fields, parse_push_envelope, Value as X};
use wecom_wire::crypto::MsgCrypt;

use super::Push;
use crate::testing::{call, BOT_AGENTID, CORPID};

const N_MESSAGES: u64 = 10_000;
const SEED: u64 = 20_261_125;
/// Long enough that a busy machine never turns a planned success into a timeout; hangs pay it in full.
const TIMEOUT_MS: u64 = 1000;
/// A guard against a hung test, never a way to wait for something.
const GUARD: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Status500,
    Close,
    Garbage,
    Hang,
}

/// What the bot does to a message: how many attempts fail and how.
fn plan(msgid: &str) -> (Vec<Fail>, bool) {
    let mut rng = fastrand::Rng::with_seed(
        SEED ^ msgid.parse::<u64>().unwrap_or(0).wrapping_mul(0x9e37_79b9),
    );
    let n_fail = match rng.u32(0..100) {
        0..70 => 0,
        70..85 => 1,
        85..95 => 2,
        _ => 3,
    };
    let fails = (0..n_fail)
        .map(|_| match rng.u32(0..1000) {
            // Hangs cost a whole timeout each; keep them rare.
            0..1 => Fail::Hang,
            1..400 => Fail::Status500,
            400..700 => Fail::Close,
            _ => Fail::Garbage,
        })
        .collect();
    (fails, rng.u32(0..10) == 0)
}

fn expected_outcome(f: Fail) -> &'static str {
    match f {
        Fail::Status500 => "http_status",
        Fail::Close => "connect",
        Fail::Garbage => "bad_reply",
        Fail::Hang => "timeout",
    }
}

struct Bot {
    crypt: MsgCrypt,
    n_attempts: Mutex<HashMap<String, usize>>,
    delivered: mpsc::UnboundedSender<String>,
}

/// One HTTP/1.1 request off the connection: (target, body). None when the peer closed it.
async fn read_request(r: &mut BufReader<tokio::net::TcpStream>) -> Option<(String, String)> {
    let mut line = String::new();
    r.read_line(&mut line).await.ok().filter(|n| *n > 0)?;
    let target = line.split_whitespace().nth(1)?.to_owned();
    let mut len = 0;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).await.ok().filter(|n| *n > 0)?;
        if h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).await.ok()?;
    Some((target, String::from_utf8(body).ok()?))
}

async fn serve(listener: TcpListener, bot: Arc<Bot>) {
    while let Ok((stream, _)) = listener.accept().await {
        let bot = bot.clone();
        tokio::spawn(async move {
            let mut r = BufReader::new(stream);
            while let Some((target, body)) = read_request(&mut r).await {
                let query: HashMap<String, String> = target
                    .split_once('?')
                    .map(|(_, q)| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                    .unwrap_or_default();
                let p = |k: &str| query.get(k).cloned().unwrap_or_default();
                let env = parse_push_envelope(&body).unwrap_or_else(|e| panic!("{e}"));
                let plain = bot
                    .crypt
                    .decrypt_verified(
                        &p("msg_signature"),
                        &p("timestamp"),
                        &p("nonce"),
                        &env.encrypt,
                    )
                    .unwrap_or_else(|e| panic!("{e}"));
                let fields = parse_fields(&String::from_utf8_lossy(&plain)).unwrap_or_default();
                let msgid = fields.get("MsgId").unwrap_or_default().to_owned();
                let n = {
                    let mut seen = bot.n_attempts.lock().unwrap_or_else(|e| e.into_inner());
                    let n = seen.entry(msgid.clone()).or_default();
                    *n += 1;
                    *n
                };
                let (fails, late) = plan(&msgid);
                let reply: &[u8] = match fails.get(n - 1) {
                    None => {
                        if late {
                            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                        }
                        let _ = bot.delivered.send(msgid);
                        b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess"
                    }
                    Some(Fail::Status500) => {
                        b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n"
                    }
                    Some(Fail::Garbage) => b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n<xml>oops",
                    Some(Fail::Close) => return,
                    Some(Fail::Hang) => {
                        tokio::time::sleep(std::time::Duration::from_millis(TIMEOUT_MS + 200))
                            .await;
                        return;
                    }
                };
                if r.get_mut().write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_bot_gets_every_one_of_10000_messages_within_4_attempts() {
    let state = crate::State::demo(crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
    // A garbage answer to a 200 is retried only with this setting; here it stands for every way a try fails.
    let patch = json!({"callback_timeout_ms": TIMEOUT_MS, "retry_bad_reply": true});
    let (status, _) = call(&state, Method::PATCH, "/mock/settings", patch.to_string()).await;
    assert_eq!(status, 200);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}/cb",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let (tx, mut delivered) = mpsc::unbounded_channel();
    let crypt = MsgCrypt::new(
        "DemoBotCallbackToken",
        "DemoBotEncodingAESKey0123456789abcdefghijkA",
        CORPID,
    );
    let bot = Arc::new(Bot {
        crypt: crypt.unwrap_or_else(|e| panic!("{e}")),
        n_attempts: Mutex::default(),
        delivered: tx,
    });
    tokio::spawn(serve(listener, bot.clone()));
    // Set directly: this bot speaks only POST, and URL verification has its own tests.
    state.callbacks.set_url((0, BOT_AGENTID), url);

    let push = |n: u64| Push {
        receiver: (0, BOT_AGENTID),
        msgid: n.to_string(),
        plaintext: message_xml(&[
            ("MsgType", X::Text("text")),
            ("Content", X::Text("hi")),
            ("MsgId", X::Number(n as i64)),
        ]),
        reply_to: None,
        customer: None,
    };
    for n in 1..=N_MESSAGES {
        state.callbacks.dispatch(&state, push(n));
    }
    let mut got = std::collections::HashSet::new();
    while got.len() < N_MESSAGES as usize {
        let m = tokio::time::timeout(GUARD, delivered.recv()).await;
        let m = m
            .unwrap_or_else(|_| panic!("stuck after {} deliveries", got.len()))
            .unwrap_or_else(|| panic!("the bot stopped"));
        assert!(got.insert(m.clone()), "{m} delivered twice");
    }
    // One worker per receiver, in order: once a later push reaches the bot, every earlier attempt is recorded.
    state.callbacks.dispatch(&state, push(N_MESSAGES + 1));
    let last = tokio::time::timeout(GUARD, delivered.recv()).await;
    assert_eq!(last.ok().flatten(), Some((N_MESSAGES + 1).to_string()));

    let mut log: HashMap<String, Vec<(u32, &'static str)>> = HashMap::new();
    for a in state.callbacks.attempts.newest(usize::MAX, None) {
        log.entry(a.msgid.clone())
            .or_default()
            .push((a.n, a.outcome));
    }
    let mut n_failed_attempts = 0;
    for n in 1..=N_MESSAGES {
        let msgid = n.to_string();
        let (fails, _) = plan(&msgid);
        let mut attempts = log.remove(&msgid).unwrap_or_default();
        attempts.sort();
        let want: Vec<(u32, &str)> = fails
            .iter()
            .map(|f| expected_outcome(*f))
            .chain(["acknowledged"])
            .enumerate()
            .map(|(i, o)| (i as u32 + 1, o))
            .collect();
        assert_eq!(attempts, want, "message {msgid}");
        assert!(attempts.len() <= 4);
        n_failed_attempts += fails.len();
    }
    assert!(
        n_failed_attempts > 4_000,
        "the bot was flaky enough: {n_failed_attempts}"
    );
}
