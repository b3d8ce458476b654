//! Integration tests: the bot against a small fake WeCom API (paging, which items get answers, retries), and
//! against the real mock-server (1,000 customers, each answered once, in the right inbox; the AI-bot mode's
//! streams, welcome, kick and reconnection).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
mod aibot;
mod binary;
mod fake;
mod mock;
mod restart;
