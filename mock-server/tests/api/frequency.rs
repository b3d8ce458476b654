//! WeCom's base frequency limit, when a setting turns it on: per corp and API, a window opened by the first call,
//! and the call past the limit blocks the API for a whole minute from that moment. App messages are not counted.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn past_the_limit_an_api_is_blocked_for_a_minute_from_the_refusal() {
    let app = spawn_app().await;
    let r = app
        .http
        .patch(app.url("/mock/settings"))
        .json(&json!({"api_per_minute": 3}))
        .send()
        .await;
    assert!(r.is_ok_and(|r| r.status() == 200));
    let t = app.token().await;
    let user_get = format!("/cgi-bin/user/get?access_token={t}&userid=zhangsan");
    for i in 0..3 {
        assert_eq!(code(&app.get(&user_get).await), 0, "call {i}");
    }
    app.advance(50).await;
    let refused = app.get(&user_get).await;
    assert_eq!(code(&refused), 45009, "{refused}");
    let other = app
        .get(&format!("/cgi-bin/department/list?access_token={t}"))
        .await;
    assert_eq!(code(&other), 0, "each API has its own count");
    for i in 0..5 {
        assert_eq!(
            code(&app.text_to(&t, "lisi", &format!("m{i}")).await),
            0,
            "message/send is not counted"
        );
    }
    app.advance(30).await;
    assert_eq!(
        code(&app.get(&user_get).await),
        45009,
        "the first window is over, the block is not"
    );
    app.advance(31).await;
    assert_eq!(code(&app.get(&user_get).await), 0, "60 s after the refusal");
}
