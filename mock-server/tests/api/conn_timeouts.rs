//! The connection layer's timeouts on a real socket: a head trickled byte by byte (slowloris), an idle
//! keep-alive connection, a body that never comes; none of them cuts a request that is under way.

use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use crate::raw::{self, patient, send, Limits};

const SHORT_MS: u64 = 300;

#[tokio::test]
async fn a_trickled_head_is_closed_after_the_header_timeout() {
    let server = raw::serve(Limits {
        header_timeout_ms: SHORT_MS,
        ..patient()
    })
    .await;
    let s = server.connect().await;
    let opened = Instant::now();
    let (mut rd, mut wr) = s.into_split();
    // One byte every 20 ms, a header that never ends: the head is never whole.
    let trickle = tokio::spawn(async move {
        let head = b"GET /mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for b in head.iter().chain(std::iter::repeat(&b'a')) {
            tick.tick().await;
            if wr.write_all(&[*b]).await.is_err() {
                return;
            }
        }
    });
    let got = closed_half(&mut rd).await;
    assert!(
        opened.elapsed() >= Duration::from_millis(SHORT_MS),
        "closed before the timeout: {:?}",
        opened.elapsed()
    );
    assert!(got.is_empty(), "no answer to half a head: {got:?}");
    trickle.abort();
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = raw::serve(Limits {
        header_timeout_ms: SHORT_MS,
        ..patient()
    })
    .await;
    let mut s = server.connect().await;
    let opened = Instant::now();
    assert!(raw::closed(&mut s).await.is_empty());
    assert!(opened.elapsed() >= Duration::from_millis(SHORT_MS));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = raw::serve(Limits {
        idle_timeout_ms: SHORT_MS,
        ..patient()
    })
    .await;
    let mut s = server.connect().await;
    for _ in 0..2 {
        send(&mut s, &raw::get("/mock/health")).await;
        let r = raw::response(&mut s)
            .await
            .unwrap_or_else(|| panic!("closed"));
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.json()["status"], "ok");
    }
    let answered = Instant::now();
    assert!(raw::closed(&mut s).await.is_empty());
    assert!(answered.elapsed() >= Duration::from_millis(SHORT_MS));
}

#[tokio::test]
async fn a_slow_handler_is_not_cut_by_the_header_or_idle_timeout() {
    let server = raw::serve(Limits {
        header_timeout_ms: 100,
        idle_timeout_ms: 100,
        ..patient()
    })
    .await;
    let mut s = server.connect().await;
    let fault = br#"{"path": "/cgi-bin/gettoken", "delay_ms": 400}"#;
    let req = format!(
        "POST /mock/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n",
        fault.len()
    );
    send(&mut s, &[req.as_bytes(), fault].concat()).await;
    assert_eq!(raw::response(&mut s).await.map(|r| r.status), Some(200));
    send(&mut s, &raw::get("/cgi-bin/gettoken")).await;
    let started = Instant::now();
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("the call under way was cut"));
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.json()["errcode"], 41004, "{r:?}");
}

#[tokio::test]
async fn a_declared_body_that_does_not_come_is_refused_after_the_body_timeout() {
    let server = raw::serve(Limits {
        body_timeout_ms: SHORT_MS,
        ..patient()
    })
    .await;
    for path in [
        "/cgi-bin/message/send?access_token=x",
        "/mock/clock/advance",
    ] {
        let mut s = server.connect().await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789"
        );
        send(&mut s, head.as_bytes()).await;
        let started = Instant::now();
        let r = raw::response(&mut s).await;
        assert!(
            started.elapsed() >= Duration::from_millis(SHORT_MS),
            "{path}"
        );
        // The WeCom API says why (408); the control API's body reader answers its own 4xx. Either way the
        // connection goes, since the rest of the body is never read.
        let status = r.map(|r| r.status);
        assert!(
            status.is_some_and(|s| (400..500).contains(&s)),
            "{path}: {status:?}"
        );
        if path.starts_with("/cgi-bin") {
            assert_eq!(status, Some(408));
        }
        raw::closed(&mut s).await;
    }
}

/// [`raw::closed`] on a read half.
async fn closed_half(rd: &mut tokio::net::tcp::OwnedReadHalf) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let wait = async {
        let mut chunk = [0u8; 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    };
    if tokio::time::timeout(raw::BOUND, wait).await.is_err() {
        panic!("the slow head kept its connection past {:?}", raw::BOUND);
    }
    got
}
