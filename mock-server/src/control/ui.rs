//! `GET /mock/ui`: the web console's page, behind the control API's guard like the rest of `/mock/` (a
//! placeholder until the console lands).

use axum::response::Html;

pub(super) async fn page() -> Html<&'static str> {
    Html("console")
}
