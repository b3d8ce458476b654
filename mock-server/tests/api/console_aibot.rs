//! The web console with an AI bot: as 张三, write to 智能助手 while the reference AI bot holds its long
//! connection; the streamed answer appears whole, and the message's chips show its first chunk and the answer.

use crate::browser;
use crate::console::say;
use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_chats_with_an_ai_bot() {
    let Some(b) = browser::open("aibot").await else {
        return;
    };
    let app = spawn_app().await;
    let aibot = bot::AiBot::new(bot::AibotConfig {
        ws_url: format!("ws://{}", app.addr),
        ..bot::AibotConfig::demo()
    })
    .expect("the AI bot");
    let mut subscribed = aibot.subscribed();
    let (_task, _stop) = bot::spawn_aibot(aibot.clone());
    subscribed.wait_for(|n| *n >= 1).await.expect("subscribed");

    b.client.goto(&app.url("/mock/ui")).await.expect("open");
    b.wait_text("#status", "live").await;
    // The chat kind picked as a user would: the select's value, then its change event.
    b.client
        .execute(
            "const s = document.getElementById('chat-kind'); s.value = 'aibot'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("pick the AI bot chat");
    b.wait_text("#chat-aibot option:checked", "智能助手").await;
    b.wait_text("#chat-member option:checked", "张三").await;
    say(&b, "你好，助手").await;
    b.wait_text("#chat-log .bubble.them", "echo: 你好，助手")
        .await;
    b.wait_text("#chat-log .bubble.me .chip", "first chunk")
        .await;
    b.wait_text("#chat-log .bubble.me .chip.roundtrip", "round trip")
        .await;
    b.screenshot("aibot").await;
    let errors = b.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    b.close().await;
}
