//! The WeCom API under `/cgi-bin/`: one module per API family, and the layer every call passes through
//! (faults, body limit, the errcode envelope with its hint, the journal, metrics).

pub mod appchat;
pub mod directory;
pub mod externalcontact;
mod extract;
pub mod kf;
mod layer;
pub mod media;
pub mod message;
mod reply;
pub mod token;
pub mod webhook;

pub use extract::{caller, json, own_base, Caller, Params, RawBody};
pub use reply::{ok, ok_json_bytes, ok_raw, ok_with_errmsg, ApiError, ApiResult};

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use std::sync::Arc;

use wecom_wire::Errcode;

use crate::state::State;

type Shared = Arc<State>;

/// Every path the mock answers under `/cgi-bin/`; metrics label requests with these.
pub const PATHS: &[&str] = &[
    "/cgi-bin/gettoken",
    "/cgi-bin/message/send",
    "/cgi-bin/message/recall",
    "/cgi-bin/appchat/create",
    "/cgi-bin/appchat/get",
    "/cgi-bin/appchat/update",
    "/cgi-bin/appchat/send",
    "/cgi-bin/media/upload",
    "/cgi-bin/media/get",
    "/cgi-bin/media/uploadimg",
    "/cgi-bin/webhook/send",
    "/cgi-bin/webhook/upload_media",
    "/cgi-bin/user/get",
    "/cgi-bin/user/list",
    "/cgi-bin/user/simplelist",
    "/cgi-bin/department/list",
    "/cgi-bin/tag/list",
    "/cgi-bin/tag/get",
    "/cgi-bin/agent/get",
    "/cgi-bin/getcallbackip",
    "/cgi-bin/get_api_domain_ip",
    "/cgi-bin/externalcontact/get_follow_user_list",
    "/cgi-bin/externalcontact/list",
    "/cgi-bin/externalcontact/get",
    "/cgi-bin/externalcontact/batch/get_by_user",
    "/cgi-bin/externalcontact/remark",
    "/cgi-bin/externalcontact/mark_tag",
    "/cgi-bin/externalcontact/get_corp_tag_list",
    "/cgi-bin/externalcontact/add_corp_tag",
    "/cgi-bin/externalcontact/edit_corp_tag",
    "/cgi-bin/externalcontact/del_corp_tag",
    "/cgi-bin/externalcontact/add_contact_way",
    "/cgi-bin/externalcontact/get_contact_way",
    "/cgi-bin/externalcontact/update_contact_way",
    "/cgi-bin/externalcontact/del_contact_way",
    "/cgi-bin/externalcontact/list_contact_way",
    "/cgi-bin/externalcontact/send_welcome_msg",
    "/cgi-bin/externalcontact/transfer_customer",
    "/cgi-bin/externalcontact/transfer_result",
    "/cgi-bin/externalcontact/resigned/transfer_customer",
    "/cgi-bin/externalcontact/resigned/transfer_result",
    "/cgi-bin/externalcontact/get_unassigned_list",
    "/cgi-bin/externalcontact/groupchat/list",
    "/cgi-bin/externalcontact/groupchat/get",
    "/cgi-bin/externalcontact/groupchat/transfer",
    "/cgi-bin/externalcontact/groupchat/onjob_transfer",
    "/cgi-bin/externalcontact/add_msg_template",
    "/cgi-bin/externalcontact/get_groupmsg_list_v2",
    "/cgi-bin/externalcontact/get_groupmsg_task",
    "/cgi-bin/externalcontact/get_groupmsg_send_result",
    "/cgi-bin/externalcontact/get_group_msg_result",
    "/cgi-bin/externalcontact/remind_groupmsg_send",
    "/cgi-bin/externalcontact/cancel_groupmsg_send",
    "/cgi-bin/kf/account/add",
    "/cgi-bin/kf/account/del",
    "/cgi-bin/kf/account/update",
    "/cgi-bin/kf/account/list",
    "/cgi-bin/kf/add_contact_way",
    "/cgi-bin/kf/servicer/add",
    "/cgi-bin/kf/servicer/del",
    "/cgi-bin/kf/servicer/list",
    "/cgi-bin/kf/customer/batchget",
    "/cgi-bin/kf/sync_msg",
    "/cgi-bin/kf/send_msg",
    "/cgi-bin/kf/send_msg_on_event",
    "/cgi-bin/kf/service_state/get",
    "/cgi-bin/kf/service_state/trans",
];

const UPLOAD_PATHS: &[&str] = &[
    "/cgi-bin/media/upload",
    "/cgi-bin/media/uploadimg",
    "/cgi-bin/webhook/upload_media",
];

/// The index of a path in [`PATHS`].
fn path_index(path: &str) -> Option<usize> {
    PATHS.iter().position(|p| *p == path)
}

pub fn routes(state: Shared) -> Router<Shared> {
    Router::new()
        .route("/cgi-bin/gettoken", get_only(token::gettoken))
        .route("/cgi-bin/message/send", post_only(message::send))
        .route("/cgi-bin/message/recall", post_only(message::recall))
        .route("/cgi-bin/appchat/create", post_only(appchat::create))
        .route("/cgi-bin/appchat/get", get_only(appchat::get))
        .route("/cgi-bin/appchat/update", post_only(appchat::update))
        .route("/cgi-bin/appchat/send", post_only(appchat::send))
        .route("/cgi-bin/media/upload", post_only(media::upload))
        .route("/cgi-bin/media/get", get_only(media::get))
        .route("/cgi-bin/media/uploadimg", post_only(media::uploadimg))
        .route("/cgi-bin/webhook/send", post_only(webhook::send))
        .route(
            "/cgi-bin/webhook/upload_media",
            post_only(webhook::upload_media),
        )
        .route("/cgi-bin/user/get", get_only(directory::user_get))
        .route("/cgi-bin/user/list", get_only(directory::user_list))
        .route(
            "/cgi-bin/user/simplelist",
            get_only(directory::user_simplelist),
        )
        .route(
            "/cgi-bin/department/list",
            get_only(directory::department_list),
        )
        .route("/cgi-bin/tag/list", get_only(directory::tag_list))
        .route("/cgi-bin/tag/get", get_only(directory::tag_get))
        .route("/cgi-bin/agent/get", get_only(directory::agent_get))
        .route("/cgi-bin/getcallbackip", get_only(directory::callback_ip))
        .route(
            "/cgi-bin/get_api_domain_ip",
            get_only(directory::callback_ip),
        )
        .route(
            "/cgi-bin/externalcontact/get_follow_user_list",
            get_only(externalcontact::customers::follow_user_list),
        )
        .route(
            "/cgi-bin/externalcontact/list",
            get_only(externalcontact::customers::list),
        )
        .route(
            "/cgi-bin/externalcontact/get",
            get_only(externalcontact::customers::get),
        )
        .route(
            "/cgi-bin/externalcontact/batch/get_by_user",
            post_only(externalcontact::customers::batch_get_by_user),
        )
        .route(
            "/cgi-bin/externalcontact/remark",
            post_only(externalcontact::customers::remark),
        )
        .route(
            "/cgi-bin/externalcontact/mark_tag",
            post_only(externalcontact::customers::mark_tag),
        )
        .route(
            "/cgi-bin/externalcontact/get_corp_tag_list",
            post_only(externalcontact::tags::list),
        )
        .route(
            "/cgi-bin/externalcontact/add_corp_tag",
            post_only(externalcontact::tags::add),
        )
        .route(
            "/cgi-bin/externalcontact/edit_corp_tag",
            post_only(externalcontact::tags::edit),
        )
        .route(
            "/cgi-bin/externalcontact/del_corp_tag",
            post_only(externalcontact::tags::del),
        )
        .route(
            "/cgi-bin/externalcontact/add_contact_way",
            post_only(externalcontact::ways::add),
        )
        .route(
            "/cgi-bin/externalcontact/get_contact_way",
            post_only(externalcontact::ways::get),
        )
        .route(
            "/cgi-bin/externalcontact/update_contact_way",
            post_only(externalcontact::ways::update),
        )
        .route(
            "/cgi-bin/externalcontact/del_contact_way",
            post_only(externalcontact::ways::del),
        )
        .route(
            "/cgi-bin/externalcontact/list_contact_way",
            post_only(externalcontact::ways::list),
        )
        .route(
            "/cgi-bin/externalcontact/send_welcome_msg",
            post_only(externalcontact::ways::send_welcome_msg),
        )
        .route(
            "/cgi-bin/externalcontact/transfer_customer",
            post_only(externalcontact::transfer::transfer_customer),
        )
        .route(
            "/cgi-bin/externalcontact/transfer_result",
            post_only(externalcontact::transfer::transfer_result),
        )
        .route(
            "/cgi-bin/externalcontact/resigned/transfer_customer",
            post_only(externalcontact::transfer::resigned_transfer_customer),
        )
        .route(
            "/cgi-bin/externalcontact/resigned/transfer_result",
            post_only(externalcontact::transfer::transfer_result),
        )
        .route(
            "/cgi-bin/externalcontact/get_unassigned_list",
            post_only(externalcontact::transfer::unassigned_list),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/list",
            post_only(externalcontact::groupchat::list),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/get",
            post_only(externalcontact::groupchat::get),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/transfer",
            post_only(externalcontact::groupchat::resigned_transfer),
        )
        .route(
            "/cgi-bin/externalcontact/groupchat/onjob_transfer",
            post_only(externalcontact::groupchat::onjob_transfer),
        )
        .route(
            "/cgi-bin/externalcontact/add_msg_template",
            post_only(externalcontact::groupmsg::add_msg_template),
        )
        .route(
            "/cgi-bin/externalcontact/get_groupmsg_list_v2",
            post_only(externalcontact::groupmsg::list_v2),
        )
        .route(
            "/cgi-bin/externalcontact/get_groupmsg_task",
            post_only(externalcontact::groupmsg::task),
        )
        .route(
            "/cgi-bin/externalcontact/get_groupmsg_send_result",
            post_only(externalcontact::groupmsg::send_result),
        )
        .route(
            "/cgi-bin/externalcontact/get_group_msg_result",
            post_only(externalcontact::groupmsg::old_result),
        )
        .route(
            "/cgi-bin/externalcontact/remind_groupmsg_send",
            post_only(externalcontact::groupmsg::remind),
        )
        .route(
            "/cgi-bin/externalcontact/cancel_groupmsg_send",
            post_only(externalcontact::groupmsg::cancel),
        )
        .route("/cgi-bin/kf/account/add", post_only(kf::account::add))
        .route("/cgi-bin/kf/account/del", post_only(kf::account::del))
        .route("/cgi-bin/kf/account/update", post_only(kf::account::update))
        .route(
            "/cgi-bin/kf/account/list",
            get(kf::account::list)
                .post(kf::account::list)
                .fallback(|| async { ApiError::from(Errcode::REQUIRE_POST) }),
        )
        .route(
            "/cgi-bin/kf/add_contact_way",
            post_only(kf::account::add_contact_way),
        )
        .route(
            "/cgi-bin/kf/servicer/add",
            post_only(kf::session::servicer_add),
        )
        .route(
            "/cgi-bin/kf/servicer/del",
            post_only(kf::session::servicer_del),
        )
        .route(
            "/cgi-bin/kf/servicer/list",
            get_only(kf::session::servicer_list),
        )
        .route(
            "/cgi-bin/kf/customer/batchget",
            post_only(kf::session::customer_batchget),
        )
        .route("/cgi-bin/kf/sync_msg", post_only(kf::msg::sync_msg))
        .route("/cgi-bin/kf/send_msg", post_only(kf::msg::send_msg))
        .route(
            "/cgi-bin/kf/send_msg_on_event",
            post_only(kf::msg::send_msg_on_event),
        )
        .route(
            "/cgi-bin/kf/service_state/get",
            post_only(kf::session::state_get),
        )
        .route(
            "/cgi-bin/kf/service_state/trans",
            post_only(kf::session::state_trans),
        )
        .layer(from_fn_with_state(state, layer::layer))
}

fn get_only<H, T>(h: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared>,
    T: 'static,
{
    get(h).fallback(|| async { ApiError::from(Errcode::REQUIRE_GET) })
}

fn post_only<H, T>(h: H) -> MethodRouter<Shared>
where
    H: axum::handler::Handler<T, Shared>,
    T: 'static,
{
    post(h).fallback(|| async { ApiError::from(Errcode::REQUIRE_POST) })
}
