//! The app: the one service every request reaches, in-process (tests' `oneshot`) and behind the connection
//! layer alike. The proxy's cases first, then the WeCom API by one table lookup, then the router for the rest.
//!
//! Why not one axum router for all: a router layer wraps every route, so each API call paid for two boxed
//! middlewares, a boxed service clone and a matched-path extension before its handler ran — more than the
//! handler's own work on the hottest calls.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{Service, ServiceExt};

use crate::state::State;
use crate::{api, proxy};

/// The whole server: `/cgi-bin/` (WeCom), then the router (`/mock/`, `/metrics`, `/wwpic/`, the AI bots' `/`).
#[derive(Clone)]
pub struct App {
    st: Arc<State>,
    router: Router,
}

impl App {
    pub(crate) fn new(st: Arc<State>, router: Router) -> App {
        App { st, router }
    }

    /// One request's answer. The connection layer calls this directly (no boxed future, no `Oneshot`).
    pub(crate) async fn answer<B>(self, req: axum::http::Request<B>) -> Response
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let req: Request = req.map(Body::new);
        if let Some(resp) = proxy::intercept(&self.st, &req) {
            return resp;
        }
        if req.uri().path().starts_with("/cgi-bin/") {
            return api::dispatch(self.st, req).await;
        }
        match self.router.oneshot(req).await {
            Ok(resp) => resp,
            Err(never) => match never {},
        }
    }
}

impl<B> Service<axum::http::Request<B>> for App
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { Ok(app.answer(req).await) })
    }
}
