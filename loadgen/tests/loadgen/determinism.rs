//! The same seed gives the same calls in the same order; another seed gives others. Compared on the mock's own
//! journal of what it was sent.

use serde_json::Value;

const SCENARIO: &str = r#"
name: determinism
target: TARGET
bot: none
data:
  customer: { from: customers, pick: random }
  member: { from: members, pick: random }
workload:
  - closed: { vus: 1, iterations: 30 }
steps:
  - call: GET /cgi-bin/externalcontact/get
    query: { external_userid: "${customer}" }
  - call: POST /cgi-bin/message/send
    body: { touser: "${member}", msgtype: text, agentid: 1000002, text: { content: "n ${iteration} to ${member}" } }
"#;

async fn journal_of(seed: u64) -> Vec<(String, String, String)> {
    let (url, _state, _mock) = crate::spawn_mock().await;
    let plan = crate::plan(&SCENARIO.replace("TARGET", &url));
    let opts = loadgen::run::Options {
        seed: Some(seed),
        ..Default::default()
    };
    let report = crate::run(plan, opts).await;
    assert_eq!(report.counters.n_iterations, 30);
    let body = reqwest_free_get(&url, "/mock/journal?limit=1000").await;
    let v: Value = serde_json::from_str(&body).expect("journal JSON");
    // Newest first, in the order the mock took them.
    let calls: Vec<(String, String, String)> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["query"].to_string(),
                e["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    calls
}

/// A GET with loadgen's own client, so the test needs no other HTTP crate.
async fn reqwest_free_get(url: &str, path: &str) -> String {
    let mut conn = loadgen::http::Conn::new(loadgen::http::Base::parse(url).expect("url"));
    let r = conn
        .send(
            loadgen::scenario::plan::Method::Get,
            path,
            None,
            std::time::Duration::from_secs(10),
        )
        .await
        .expect("journal answers");
    String::from_utf8_lossy(&r.body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_makes_the_same_calls_in_the_same_order() {
    let a = journal_of(42).await;
    let b = journal_of(42).await;
    let c = journal_of(43).await;
    let n = |path: &str| a.iter().filter(|c| c.0 == path).count();
    // An iteration whose customer follows nobody ends at its 84061, before message/send.
    assert_eq!(
        (n("/cgi-bin/gettoken"), n("/cgi-bin/externalcontact/get")),
        (1, 30)
    );
    assert!(n("/cgi-bin/message/send") >= 15, "{a:#?}");
    assert_eq!(a, b);
    assert_ne!(a, c);
}
