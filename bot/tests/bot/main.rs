//! Integration tests: the bot against a small fake WeCom API (paging, which items get answers, retries), and
//! against the real mock-server (1,000 customers, each answered once, in the right inbox).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
mod binary;
mod fake;
mod mock;
mod restart;
