//! Real WeCom paths the mock does not model (OA, 邮件, 直播, 打卡, third-party provider APIs, …): they must not
//! look like WeCom's "no such path" (an empty 404), nor like a success. Each answers 48002 (API接口无权限调用:
//! the simulated company has granted no app that API), is marked in the journal and in `/metrics`, and is
//! printed on the console the first time it is called.
//!
//! The list is taken from the paths real SDKs call (wechatpy 2.0, go-workwx). A path is here or in
//! [`super::ENDPOINTS`], never both (a test checks), so modelling an endpoint means moving it.

use axum::extract::State;
use axum::http::Uri;
use std::sync::Arc;

use wecom_wire::{Errcode, WireError};

use super::ApiError;
use crate::state::State as Shared;

pub const UNMODELLED: &[&str] = &[
    "/cgi-bin/batch/invite",
    "/cgi-bin/card/invoice/reimburse/getinvoiceinfo",
    "/cgi-bin/card/invoice/reimburse/getinvoiceinfobatch",
    "/cgi-bin/card/invoice/reimburse/updateinvoicestatus",
    "/cgi-bin/card/invoice/reimburse/updatestatusbatch",
    "/cgi-bin/checkin/addcheckinuserface",
    "/cgi-bin/checkin/getcheckin_daydata",
    "/cgi-bin/checkin/getcheckin_monthdata",
    "/cgi-bin/checkin/getcheckindata",
    "/cgi-bin/checkin/getcheckinoption",
    "/cgi-bin/checkin/getcheckinschedulist",
    "/cgi-bin/checkin/getcorpcheckinoption",
    "/cgi-bin/checkin/setcheckinschedulist",
    "/cgi-bin/corp/get_join_qrcode",
    "/cgi-bin/corp/getopenapprovaldata",
    "/cgi-bin/dial/get_dial_record",
    "/cgi-bin/exmail/account/act_email",
    "/cgi-bin/exmail/group/create",
    "/cgi-bin/exmail/group/delete",
    "/cgi-bin/exmail/group/get",
    "/cgi-bin/exmail/group/search",
    "/cgi-bin/exmail/group/update",
    "/cgi-bin/exmail/mail/get_newcount",
    "/cgi-bin/exmail/publicmail/create",
    "/cgi-bin/exmail/publicmail/delete",
    "/cgi-bin/exmail/publicmail/get",
    "/cgi-bin/exmail/publicmail/search",
    "/cgi-bin/exmail/publicmail/update",
    "/cgi-bin/exmail/useroption/get",
    "/cgi-bin/exmail/useroption/update",
    "/cgi-bin/export/department",
    "/cgi-bin/export/get_result",
    "/cgi-bin/export/simple_user",
    "/cgi-bin/export/taguser",
    "/cgi-bin/export/user",
    "/cgi-bin/externalcontact/close_temp_chat",
    "/cgi-bin/externalcontact/get_transfer_result",
    "/cgi-bin/hardware/get_hardware_checkin_data",
    "/cgi-bin/living/cancel",
    "/cgi-bin/living/create",
    "/cgi-bin/living/delete_replay_data",
    "/cgi-bin/living/get_living_code",
    "/cgi-bin/living/get_living_info",
    "/cgi-bin/living/get_living_share_info",
    "/cgi-bin/living/get_user_all_livingid",
    "/cgi-bin/living/get_watch_stat",
    "/cgi-bin/living/modify",
    "/cgi-bin/media/get/jssdk",
    "/cgi-bin/miniprogram/jscode2session",
    "/cgi-bin/msgaudit/check_room_agree",
    "/cgi-bin/msgaudit/check_single_agree",
    "/cgi-bin/msgaudit/get_permit_user_list",
    "/cgi-bin/msgaudit/groupchat/get",
    "/cgi-bin/oa/applyevent",
    "/cgi-bin/oa/calendar/add",
    "/cgi-bin/oa/calendar/del",
    "/cgi-bin/oa/calendar/get",
    "/cgi-bin/oa/calendar/update",
    "/cgi-bin/oa/getapprovaldetail",
    "/cgi-bin/oa/getapprovalinfo",
    "/cgi-bin/oa/gettemplatedetail",
    "/cgi-bin/oa/journal/get_record_detail",
    "/cgi-bin/oa/journal/get_record_list",
    "/cgi-bin/oa/journal/get_stat_list",
    "/cgi-bin/oa/meetingroom/add",
    "/cgi-bin/oa/meetingroom/book",
    "/cgi-bin/oa/meetingroom/cancel_book",
    "/cgi-bin/oa/meetingroom/del",
    "/cgi-bin/oa/meetingroom/edit",
    "/cgi-bin/oa/meetingroom/get_booking_info",
    "/cgi-bin/oa/meetingroom/get_booking_info_by_meeting_id",
    "/cgi-bin/oa/meetingroom/list",
    "/cgi-bin/oa/schedule/add",
    "/cgi-bin/oa/schedule/del",
    "/cgi-bin/oa/schedule/del_attendees",
    "/cgi-bin/oa/schedule/get",
    "/cgi-bin/oa/schedule/get_by_calendar",
    "/cgi-bin/oa/schedule/update",
    "/cgi-bin/oa/vacation/getcorpconf",
    "/cgi-bin/oa/vacation/getuservacationquota",
    "/cgi-bin/oa/vacation/setoneuserquota",
    "/cgi-bin/service/get_auth_info",
    "/cgi-bin/service/get_login_info",
    "/cgi-bin/service/get_permanent_code",
    "/cgi-bin/service/get_pre_auth_code",
    "/cgi-bin/service/get_provider_token",
    "/cgi-bin/service/get_suite_token",
    "/cgi-bin/service/miniprogram/jscode2session",
    "/cgi-bin/service/set_session_info",
    "/cgi-bin/user/authsucc",
    "/cgi-bin/user/convert_to_userid",
    "/cgi-bin/user/get_active_stat",
    "/cgi-bin/user/get_userid_by_email",
];

/// Whether `path` is a WeCom path the mock knows of but does not model.
pub fn is_unmodelled(path: &str) -> bool {
    UNMODELLED.binary_search(&path).is_ok()
}

/// Every unmodelled path answers this, whatever its method, token or body.
pub(super) async fn answer(State(st): State<Arc<Shared>>, uri: Uri) -> ApiError {
    let path = uri.path();
    if let Ok(i) = UNMODELLED.binary_search(&path) {
        let known = UNMODELLED[i];
        if st.metrics.unmodelled_call(known) {
            eprintln!(
                "mock-server: {known} is a real WeCom API that this mock does not model; it answers 48002"
            );
        }
    }
    ApiError::from(WireError::with_detail(
        Errcode::API_FORBIDDEN,
        "api forbidden: a WeCom API the mock does not model",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_unique_and_apart_from_the_endpoints() {
        assert!(
            UNMODELLED.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        for e in super::super::ENDPOINTS {
            assert!(
                !is_unmodelled(e.path),
                "{} is modelled: take it off UNMODELLED",
                e.path
            );
        }
    }
}
