//! The WeCom API under `/cgi-bin/`: one module per API family, and the layer every call passes through
//! (faults, body limit, the errcode envelope with its hint, the journal, metrics).

pub mod agent;
pub mod aibot;
mod answer;
pub mod appchat;
mod cards;
#[cfg(test)]
mod coverage;
pub mod directory;
pub mod directory_batch;
pub mod directory_ids;
pub mod directory_write;
pub mod externalcontact;
mod extract;
pub mod jsapi;
pub mod kf;
mod layer;
pub mod media;
pub mod message;
mod paging;
#[cfg(test)]
mod props;
mod reply;
pub mod token;
mod unmodelled;
pub mod webhook;
mod wrong_json;

pub use extract::{caller, dir_caller, json, own_base, Caller, DirCaller, Params, RawBody};
pub use reply::{ok, ok_json_bytes, ok_raw, ok_with_errmsg, ApiError, ApiResult};
pub use unmodelled::is_unmodelled;

use axum::extract::Request;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::state::State as Shared;

/// How an endpoint is called. `Upload` is a POST whose multipart body gets the upload limit instead of the JSON one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    /// wechatpy sends some list calls as GET, WxJava as POST.
    GetOrPost,
    Upload,
}

/// One path the mock answers under `/cgi-bin/`.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub path: &'static str,
    pub verb: Verb,
}

/// A handler called directly with its request and the state, as axum's router would call it.
type Call = fn(Request, Arc<Shared>) -> Pin<Box<dyn Future<Output = Response> + Send>>;

/// The one list of endpoints: [`ENDPOINTS`] (and so the metrics' labels and the coverage table) and the handlers
/// [`dispatch`] calls are both made from it, so they cannot disagree.
macro_rules! endpoints {
    ($( $verb:ident $path:literal => $handler:path; )*) => {
        /// Every path the mock answers under `/cgi-bin/`, in the order metrics index them.
        pub const ENDPOINTS: &[Endpoint] = &[$( Endpoint { path: $path, verb: Verb::$verb } ),*];

        /// Each endpoint's handler, in the order of [`ENDPOINTS`].
        const CALLS: &[Call] = &[$( |req, st| Handler::<_, Arc<Shared>>::call($handler, req, st) ),*];
    };
}

endpoints! {
    Get "/cgi-bin/gettoken" => token::gettoken;
    Post "/cgi-bin/message/send" => message::send;
    Post "/cgi-bin/message/recall" => message::recall;
    Post "/cgi-bin/message/update_template_card" => cards::update_template_card;
    Post "/cgi-bin/message/update_taskcard" => cards::update_taskcard;
    Post "/cgi-bin/appchat/create" => appchat::create;
    Get "/cgi-bin/appchat/get" => appchat::get;
    Post "/cgi-bin/appchat/update" => appchat::update;
    Post "/cgi-bin/appchat/send" => appchat::send;
    Upload "/cgi-bin/media/upload" => media::upload;
    Get "/cgi-bin/media/get" => media::get;
    Upload "/cgi-bin/media/uploadimg" => media::uploadimg;
    Post "/cgi-bin/webhook/send" => webhook::send;
    Post "/cgi-bin/aibot/response" => aibot::response;
    Upload "/cgi-bin/webhook/upload_media" => webhook::upload_media;
    Get "/cgi-bin/user/get" => directory::user_get;
    Get "/cgi-bin/user/list" => directory::user_list;
    Get "/cgi-bin/user/simplelist" => directory::user_simplelist;
    Get "/cgi-bin/department/list" => directory::department_list;
    Get "/cgi-bin/department/get" => directory::department_get;
    Get "/cgi-bin/department/simplelist" => directory::department_simplelist;
    Post "/cgi-bin/user/list_id" => directory_ids::list_id;
    Post "/cgi-bin/user/getuserid" => directory_ids::getuserid;
    Post "/cgi-bin/user/convert_to_openid" => directory_ids::convert_to_openid;
    Post "/cgi-bin/user/create" => directory_write::user_create;
    Post "/cgi-bin/user/update" => directory_write::user_update;
    Get "/cgi-bin/user/delete" => directory_write::user_delete;
    Post "/cgi-bin/user/batchdelete" => directory_write::user_batchdelete;
    Post "/cgi-bin/department/create" => directory_write::department_create;
    Post "/cgi-bin/department/update" => directory_write::department_update;
    Get "/cgi-bin/department/delete" => directory_write::department_delete;
    Post "/cgi-bin/tag/create" => directory_write::tag_create;
    Post "/cgi-bin/tag/update" => directory_write::tag_update;
    Get "/cgi-bin/tag/delete" => directory_write::tag_delete;
    Post "/cgi-bin/tag/addtagusers" => directory_write::tag_addtagusers;
    Post "/cgi-bin/tag/deltagusers" => directory_write::tag_deltagusers;
    Post "/cgi-bin/batch/syncuser" => directory_batch::syncuser;
    Post "/cgi-bin/batch/replaceuser" => directory_batch::replaceuser;
    Post "/cgi-bin/batch/replaceparty" => directory_batch::replaceparty;
    Get "/cgi-bin/batch/getresult" => directory_batch::getresult;
    Get "/cgi-bin/auth/getuserinfo" => jsapi::auth_getuserinfo;
    Get "/cgi-bin/user/getuserinfo" => jsapi::user_getuserinfo;
    Get "/cgi-bin/get_jsapi_ticket" => jsapi::corp_ticket;
    Get "/cgi-bin/ticket/get" => jsapi::agent_ticket;
    Get "/cgi-bin/tag/list" => directory::tag_list;
    Get "/cgi-bin/tag/get" => directory::tag_get;
    Get "/cgi-bin/agent/get" => agent::get;
    Get "/cgi-bin/agent/list" => agent::list;
    Post "/cgi-bin/agent/set" => agent::set;
    Post "/cgi-bin/menu/create" => agent::menu_create;
    GetOrPost "/cgi-bin/menu/get" => agent::menu_get;
    GetOrPost "/cgi-bin/menu/delete" => agent::menu_delete;
    Get "/cgi-bin/getcallbackip" => directory::callback_ip;
    Get "/cgi-bin/get_api_domain_ip" => directory::callback_ip;
    Get "/cgi-bin/externalcontact/get_follow_user_list" => externalcontact::customers::follow_user_list;
    Get "/cgi-bin/externalcontact/list" => externalcontact::customers::list;
    Get "/cgi-bin/externalcontact/get" => externalcontact::customers::get;
    Post "/cgi-bin/externalcontact/batch/get_by_user" => externalcontact::customers::batch_get_by_user;
    Post "/cgi-bin/externalcontact/remark" => externalcontact::customers::remark;
    Post "/cgi-bin/externalcontact/mark_tag" => externalcontact::customers::mark_tag;
    Post "/cgi-bin/externalcontact/get_corp_tag_list" => externalcontact::tags::list;
    Post "/cgi-bin/externalcontact/add_corp_tag" => externalcontact::tags::add;
    Post "/cgi-bin/externalcontact/edit_corp_tag" => externalcontact::tags::edit;
    Post "/cgi-bin/externalcontact/del_corp_tag" => externalcontact::tags::del;
    Post "/cgi-bin/externalcontact/add_contact_way" => externalcontact::ways::add;
    Post "/cgi-bin/externalcontact/get_contact_way" => externalcontact::ways::get;
    Post "/cgi-bin/externalcontact/update_contact_way" => externalcontact::ways::update;
    Post "/cgi-bin/externalcontact/del_contact_way" => externalcontact::ways::del;
    Post "/cgi-bin/externalcontact/list_contact_way" => externalcontact::ways::list;
    Post "/cgi-bin/externalcontact/send_welcome_msg" => externalcontact::ways::send_welcome_msg;
    Post "/cgi-bin/externalcontact/transfer_customer" => externalcontact::transfer::transfer_customer;
    Post "/cgi-bin/externalcontact/transfer_result" => externalcontact::transfer::transfer_result;
    Post "/cgi-bin/externalcontact/resigned/transfer_customer" => externalcontact::transfer::resigned_transfer_customer;
    Post "/cgi-bin/externalcontact/resigned/transfer_result" => externalcontact::transfer::transfer_result;
    Post "/cgi-bin/externalcontact/get_unassigned_list" => externalcontact::transfer::unassigned_list;
    Post "/cgi-bin/externalcontact/groupchat/list" => externalcontact::groupchat::list;
    Post "/cgi-bin/externalcontact/groupchat/get" => externalcontact::groupchat::get;
    Post "/cgi-bin/externalcontact/groupchat/transfer" => externalcontact::groupchat::resigned_transfer;
    Post "/cgi-bin/externalcontact/groupchat/onjob_transfer" => externalcontact::groupchat::onjob_transfer;
    Post "/cgi-bin/externalcontact/add_msg_template" => externalcontact::groupmsg::add_msg_template;
    Post "/cgi-bin/externalcontact/get_groupmsg_list_v2" => externalcontact::groupmsg::list_v2;
    Post "/cgi-bin/externalcontact/get_groupmsg_task" => externalcontact::groupmsg::task;
    Post "/cgi-bin/externalcontact/get_groupmsg_send_result" => externalcontact::groupmsg::send_result;
    Post "/cgi-bin/externalcontact/get_group_msg_result" => externalcontact::groupmsg::old_result;
    Post "/cgi-bin/externalcontact/remind_groupmsg_send" => externalcontact::groupmsg::remind;
    Post "/cgi-bin/externalcontact/cancel_groupmsg_send" => externalcontact::groupmsg::cancel;
    Post "/cgi-bin/externalcontact/transfer" => externalcontact::transfer::legacy_transfer;
    Post "/cgi-bin/externalcontact/get_user_behavior_data" => externalcontact::statistic::user_behavior_data;
    Post "/cgi-bin/externalcontact/groupchat/statistic" => externalcontact::statistic::groupchat_statistic;
    Post "/cgi-bin/externalcontact/groupchat/statistic_group_by_day" => externalcontact::statistic::groupchat_statistic_by_day;
    Post "/cgi-bin/externalcontact/group_welcome_template/add" => externalcontact::templates::add;
    Post "/cgi-bin/externalcontact/group_welcome_template/edit" => externalcontact::templates::edit;
    Post "/cgi-bin/externalcontact/group_welcome_template/get" => externalcontact::templates::get;
    Post "/cgi-bin/externalcontact/group_welcome_template/del" => externalcontact::templates::del;
    Post "/cgi-bin/externalcontact/groupchat/add_join_way" => externalcontact::joinways::add;
    Post "/cgi-bin/externalcontact/groupchat/get_join_way" => externalcontact::joinways::get;
    Post "/cgi-bin/externalcontact/groupchat/update_join_way" => externalcontact::joinways::update;
    Post "/cgi-bin/externalcontact/groupchat/del_join_way" => externalcontact::joinways::del;
    Post "/cgi-bin/externalcontact/opengid_to_chatid" => externalcontact::idconvert::opengid_to_chatid;
    Post "/cgi-bin/externalcontact/unionid_to_external_userid" => externalcontact::idconvert::unionid_to_external_userid;
    Post "/cgi-bin/idconvert/unionid_to_external_userid" => externalcontact::idconvert::idconvert_unionid;
    Post "/cgi-bin/externalcontact/get_new_external_userid" => externalcontact::idconvert::new_external_userid;
    Post "/cgi-bin/externalcontact/add_moment_task" => externalcontact::moments::add_moment_task;
    GetOrPost "/cgi-bin/externalcontact/get_moment_task_result" => externalcontact::moments::task_result;
    Post "/cgi-bin/externalcontact/cancel_moment_task" => externalcontact::moments::cancel;
    Post "/cgi-bin/externalcontact/get_moment_list" => externalcontact::moments::list;
    Post "/cgi-bin/externalcontact/get_moment_task" => externalcontact::moments::task;
    Post "/cgi-bin/externalcontact/get_moment_customer_list" => externalcontact::moments::customer_list;
    Post "/cgi-bin/externalcontact/get_moment_send_result" => externalcontact::moments::send_result;
    Post "/cgi-bin/externalcontact/get_moment_comments" => externalcontact::moments::comments;
    Post "/cgi-bin/externalcontact/customer_acquisition/list_link" => externalcontact::acquisition::list_link;
    Post "/cgi-bin/externalcontact/customer_acquisition/get" => externalcontact::acquisition::get;
    Post "/cgi-bin/externalcontact/customer_acquisition/create_link" => externalcontact::acquisition::create_link;
    Post "/cgi-bin/externalcontact/customer_acquisition/update_link" => externalcontact::acquisition::update_link;
    Post "/cgi-bin/externalcontact/customer_acquisition/delete_link" => externalcontact::acquisition::delete_link;
    Post "/cgi-bin/externalcontact/customer_acquisition/customer" => externalcontact::acquisition::customer;
    GetOrPost "/cgi-bin/externalcontact/customer_acquisition_quota" => externalcontact::acquisition::quota;
    Post "/cgi-bin/externalcontact/customer_acquisition/statistic" => externalcontact::acquisition::statistic;
    Post "/cgi-bin/kf/account/add" => kf::account::add;
    Post "/cgi-bin/kf/account/del" => kf::account::del;
    Post "/cgi-bin/kf/account/update" => kf::account::update;
    GetOrPost "/cgi-bin/kf/account/list" => kf::account::list;
    Post "/cgi-bin/kf/add_contact_way" => kf::account::add_contact_way;
    Post "/cgi-bin/kf/servicer/add" => kf::session::servicer_add;
    Post "/cgi-bin/kf/servicer/del" => kf::session::servicer_del;
    Get "/cgi-bin/kf/servicer/list" => kf::session::servicer_list;
    Post "/cgi-bin/kf/customer/batchget" => kf::session::customer_batchget;
    Post "/cgi-bin/kf/sync_msg" => kf::msg::sync_msg;
    Post "/cgi-bin/kf/send_msg" => kf::msg::send_msg;
    Post "/cgi-bin/kf/send_msg_on_event" => kf::msg::send_msg_on_event;
    Post "/cgi-bin/kf/service_state/get" => kf::session::state_get;
    Post "/cgi-bin/kf/service_state/trans" => kf::session::state_trans;
    GetOrPost "/cgi-bin/kf/customer/get_upgrade_service_config" => kf::upgrade::config;
    Post "/cgi-bin/kf/customer/upgrade_service" => kf::upgrade::upgrade;
    Post "/cgi-bin/kf/customer/cancel_upgrade_service" => kf::upgrade::cancel;
    Post "/cgi-bin/kf/get_corp_statistic" => kf::stats::corp;
    Post "/cgi-bin/kf/get_servicer_statistic" => kf::stats::servicer;
}

/// The index of a path in [`ENDPOINTS`].
/// Every call looks its path up once; a scan of the table would cost a string comparison per endpoint.
fn path_index(path: &str) -> Option<usize> {
    type Index = std::collections::HashMap<&'static str, usize, foldhash::fast::RandomState>;
    static INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(|| {
        ENDPOINTS
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path, i))
            .collect()
    });
    INDEX.get(path).copied()
}

/// What a path under `/cgi-bin/` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// An endpoint, by its index in [`ENDPOINTS`].
    Endpoint(usize),
    /// A real WeCom path the mock does not model ([`unmodelled::UNMODELLED`]).
    Unmodelled,
}

fn find(path: &str) -> Option<Found> {
    if let Some(i) = path_index(path) {
        return Some(Found::Endpoint(i));
    }
    is_unmodelled(path).then_some(Found::Unmodelled)
}

/// Every call under `/cgi-bin/`: the endpoint found by one hash lookup and called through [`layer::wrap`]; a path
/// the mock does not know is an empty 404, as WeCom answers. Called by the app for every such path: routing the
/// API through axum's router cost a boxed service clone, a matched-path extension and a middleware per call.
pub async fn dispatch(st: Arc<Shared>, req: Request) -> Response {
    let Some(found) = find(req.uri().path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    layer::wrap(st, req, found).await
}

/// The handler for what was found, or the refusal of a POST API called with another method: the official
/// errcode table gives a wrong method as a cause of 40063 (参数为空). WeCom reads a GET API's query string
/// whatever the method.
fn handler_of(found: Found, method: &Method) -> Option<Call> {
    match found {
        Found::Unmodelled => {
            Some(|req, st| Handler::<_, Arc<Shared>>::call(unmodelled::answer, req, st))
        }
        Found::Endpoint(i) => match ENDPOINTS[i].verb {
            Verb::Get | Verb::GetOrPost => Some(CALLS[i]),
            Verb::Post | Verb::Upload if method == Method::POST => Some(CALLS[i]),
            Verb::Post | Verb::Upload => None,
        },
    }
}
