//! Integration tests: the bot against a small fake WeCom API (paging, which items get answers, retries), and
//! against the real mock-server (1,000 customers, each answered once, in the right inbox).

mod fake;
mod mock;
mod restart;
