//! `GET /mock/events`: the event stream as Server-Sent Events, one JSON event per `data:` line, filterable by
//! `kind`, `route`, `receiver` and `msgid`. A subscriber that falls behind gets an event `missed` with the count.

use axum::extract::State;
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::Sse as SseResponse;
use std::convert::Infallible;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::{QueryString, WithState};
use crate::events::Filter;

pub async fn stream(
    State(st): WithState,
    QueryString(filter): QueryString<Filter>,
) -> SseResponse<impl Stream<Item = Result<Sse, Infallible>>> {
    let rx = st.events.subscribe();
    let events = BroadcastStream::new(rx).filter_map(move |item| match item {
        Ok(e) if filter.keeps(&e) => Sse::default().json_data(&*e).ok().map(Ok),
        Ok(_) => None,
        Err(BroadcastStreamRecvError::Lagged(n)) => {
            Some(Ok(Sse::default().event("missed").data(n.to_string())))
        }
    });
    SseResponse::new(events).keep_alive(KeepAlive::default())
}
