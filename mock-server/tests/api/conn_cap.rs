//! The connection cap: past `max_connections`, the WeCom API is refused while `/mock/health` and the rest of
//! the control API still answer on the reserve; past the reserve too, the oldest idle connection is closed for
//! the newcomer, and with none idle the newcomer is closed at once.

use tokio::net::TcpStream;

use crate::raw::{self, patient, send, Limits};
use mock_server::N_RESERVED_CONNECTIONS;

const CAP: usize = 3;

/// A connection the server has seated: it answered a health check on it. The server accepts in the order
/// connections were made, so after this every later connection is accepted after this one.
async fn seated(server: &raw::Server) -> TcpStream {
    let mut s = server.connect().await;
    send(&mut s, &raw::get("/mock/health")).await;
    let r = raw::response(&mut s).await;
    assert_eq!(r.map(|r| r.status), Some(200));
    s
}

#[tokio::test]
async fn the_control_api_is_reachable_when_the_connection_cap_is_hit() {
    let server = raw::serve(Limits {
        max_connections: CAP,
        ..patient()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(seated(&server).await);
    }
    // The cap is hit: a WeCom call gets 503 and its connection is closed.
    let mut s = server.connect().await;
    send(&mut s, &raw::get("/cgi-bin/gettoken")).await;
    let r = raw::response(&mut s)
        .await
        .unwrap_or_else(|| panic!("no answer"));
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.header("connection"), Some("close"));
    raw::closed(&mut s).await;
    // Health, the control API and metrics still answer, on keep-alive connections of the reserve.
    let mut s = server.connect().await;
    for path in ["/mock/health", "/mock/clock", "/metrics", "/mock/health"] {
        send(&mut s, &raw::get(path)).await;
        let r = raw::response(&mut s)
            .await
            .unwrap_or_else(|| panic!("{path}: closed"));
        assert_eq!(r.status, 200, "{path}: {r:?}");
    }
    // A held connection of the main pool still serves everything.
    send(&mut held[0], &raw::get("/cgi-bin/gettoken")).await;
    let r = raw::response(&mut held[0]).await;
    assert_eq!(r.map(|r| r.json()["errcode"].clone()), Some(41004.into()));
}

#[tokio::test]
async fn past_the_reserve_the_oldest_idle_connection_makes_room() {
    let server = raw::serve(Limits {
        max_connections: 1,
        ..patient()
    })
    .await;
    let mut held = vec![seated(&server).await];
    for _ in 0..N_RESERVED_CONNECTIONS {
        held.push(seated(&server).await);
    }
    // Every place is taken by an idle connection: the oldest is closed and the newcomer is served.
    let mut s = server.connect().await;
    send(&mut s, &raw::get("/mock/health")).await;
    let r = raw::response(&mut s).await;
    assert_eq!(r.map(|r| r.status), Some(200), "the newcomer is served");
    let got = raw::closed(&mut held[0]).await;
    assert!(got.is_empty(), "the oldest was closed without a word");
    // The next newcomer closes the next oldest.
    let mut t = server.connect().await;
    send(&mut t, &raw::get("/mock/health")).await;
    assert_eq!(raw::response(&mut t).await.map(|r| r.status), Some(200));
    raw::closed(&mut held[1]).await;
}
