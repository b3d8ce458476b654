//! The console's files: each is served with its type, and every file a page or a script loads is one served.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{ASSETS, PAGE};

async fn get(path: &str) -> (StatusCode, String, String) {
    let state = crate::State::demo(crate::Config::default()).unwrap();
    let app = crate::app(state);
    let res = app
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn the_page_and_every_file_are_served_with_their_type() {
    let (status, kind, body) = get("/mock/ui").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert_eq!(body, PAGE);
    for (name, want_kind, want_body) in ASSETS {
        let (status, kind, body) = get(&format!("/mock/ui/{name}")).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(&kind, want_kind, "{name}");
        assert_eq!(&body, want_body, "{name}");
    }
    assert_eq!(get("/mock/ui/nope.js").await.0, StatusCode::NOT_FOUND);
    let (status, _, defaults) = get("/mock/ui/defaults.json").await;
    assert_eq!(status, StatusCode::OK);
    let defaults: serde_json::Value = serde_json::from_str(&defaults).unwrap();
    assert_eq!(defaults["expired_token_errcode"], 42001);
}

/// `./x.js` in an import, `/mock/ui/x` in the page: every one of them is in [`ASSETS`], and every asset is
/// loaded by something (a file no one loads is dead weight in the binary).
#[test]
fn every_file_loaded_is_served_and_every_file_served_is_loaded() {
    let served: Vec<&str> = ASSETS.iter().map(|(n, _, _)| *n).collect();
    let mut loaded = Vec::new();
    for text in std::iter::once(PAGE).chain(ASSETS.iter().map(|(_, _, b)| *b)) {
        for quote in ['\'', '"'] {
            for prefix in ["./", "/mock/ui/"] {
                let start = format!("{quote}{prefix}");
                for (i, _) in text.match_indices(&start) {
                    let rest = &text[i + start.len()..];
                    if let Some(end) = rest.find(quote) {
                        loaded.push(rest[..end].to_owned());
                    }
                }
            }
        }
    }
    for name in &loaded {
        if name != "defaults.json" {
            assert!(
                served.contains(&name.as_str()),
                "{name} is loaded but not served"
            );
        }
    }
    for name in &served {
        assert!(
            loaded.iter().any(|l| l == name),
            "{name} is served but nothing loads it"
        );
    }
}

/// Names, messages and bodies are data: the scripts build the DOM from text nodes, never from markup.
#[test]
fn no_script_parses_markup() {
    for (name, _, body) in ASSETS {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!body.contains(sink), "{name} uses {sink}");
        }
    }
}
