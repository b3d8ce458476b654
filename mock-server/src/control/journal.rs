//! `/mock/journal`: the request journal a page at a time, newest first.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{QueryString, Shared, WithState};

#[derive(Deserialize)]
pub(super) struct JournalQuery {
    path: Option<String>,
    limit: Option<usize>,
    before: Option<u64>,
    errcode: Option<i64>,
}

/// Newest first, `limit` (default 100, at most 1000) at a time; `before` = the last page's `next_before`.
pub(super) async fn journal(
    State(st): WithState,
    QueryString(q): QueryString<JournalQuery>,
) -> Response {
    // A page of 1,000 entries is up to 18 MB of JSON: written on a blocking thread, or four reads at once
    // would hold both runtime workers, and `/mock/health` behind them, for tens of milliseconds.
    match tokio::task::spawn_blocking(move || journal_page(&st, &q)).await {
        Ok(Ok(json)) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(serde::Serialize)]
struct JournalPage<'a> {
    n_recorded: u64,
    n_evicted: u64,
    kept_bytes: usize,
    max_bytes: usize,
    next_before: Option<u64>,
    entries: Vec<crate::journal::View<'a>>,
}

fn journal_page(st: &Shared, q: &JournalQuery) -> serde_json::Result<Vec<u8>> {
    let select = crate::journal::Select {
        limit: q.limit.unwrap_or(100),
        before: q.before,
        path: q.path.as_deref(),
        errcode: q.errcode,
    };
    let entries = st.journal.list(&select);
    let (kept_bytes, max_bytes) = st.journal.kept_bytes();
    serde_json::to_vec(&JournalPage {
        n_recorded: st.journal.n_recorded(),
        n_evicted: st.journal.n_evicted(),
        kept_bytes,
        max_bytes,
        next_before: entries.last().map(|(seq, _)| *seq),
        entries: entries.iter().map(|(seq, e)| e.view(*seq)).collect(),
    })
}
