//! One request from a subscribed bot, handled and acked: each command to the module that models it, and the
//! ack with its `req_id` unchanged (a body for the upload's init and finish, an errcode for a refusal).

use serde_json::Value;

use wecom_wire::aibot::{self, refusal, Frame, Refusal};
use wecom_wire::Errcode;

use super::{deliver, streams, uploads, welcome, BotKey};
use crate::state::State;

/// The ack of one request from bot `key`.
pub(super) fn answer(st: &State, key: BotKey, f: &Frame) -> Frame {
    let req_id = &f.headers.req_id;
    match handle(st, key, f) {
        Ok(Value::Null) => Frame::ack(req_id, 0, "ok"),
        Ok(body) => Frame::ack_with(req_id, body),
        Err((code, msg)) => Frame::ack(req_id, code, msg),
    }
}

fn handle(st: &State, key: BotKey, f: &Frame) -> Result<Value, Refusal> {
    let (req_id, body) = (f.headers.req_id.as_str(), &f.body);
    let done = |r: Result<(), Refusal>| r.map(|()| Value::Null);
    match f.cmd.as_deref().unwrap_or_default() {
        // A subscribe on a live session is taken as it is (WeCom rate-limits, and does not refuse, them).
        aibot::PING | aibot::SUBSCRIBE => Ok(Value::Null),
        aibot::RESPOND_MSG => done(streams::respond(st, key, req_id, body)),
        aibot::RESPOND_WELCOME => done(welcome::welcome(st, key, req_id, body)),
        aibot::RESPOND_UPDATE => done(welcome::update(st, key, req_id, body)),
        aibot::SEND_MSG => done(deliver::send_msg(st, key, body)),
        aibot::UPLOAD_INIT => uploads::init(st, key, body),
        aibot::UPLOAD_CHUNK => done(uploads::chunk(st, key, body)),
        aibot::UPLOAD_FINISH => uploads::finish(st, key, body),
        _ => Err(refusal(Errcode::INVALID_PARAMETER, "unknown cmd")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aibot::Pending;
    use proptest::prelude::*;
    use serde_json::json;

    const WAITING: &str = "aibot_msg_waiting";

    fn state() -> std::sync::Arc<State> {
        let st = State::demo(crate::Config::default()).unwrap_or_else(|e| panic!("{e}"));
        let key = st
            .world()
            .aibot("aibDemoAssistant0000000000000001")
            .unwrap();
        let _ = st.aibots.begin(key, 0, 0);
        let pending = Pending {
            corp: key.0,
            bot: key.1,
            user: 0,
            msgid: "waiting".into(),
            chat: None,
            at_ms: st.clock.now_ms(),
            stream: None,
            started: false,
            finished: false,
            answered: false,
        };
        st.aibots.wait_for(WAITING.into(), pending);
        st
    }

    fn body() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            prop::sample::select(vec![
                "stream",
                "text",
                "markdown",
                "template_card",
                "file",
                "image",
                "update_template_card",
                "zhangsan",
                "",
                "长",
                "aGVsbG8=",
                "s1",
                "task_1",
                "0cc175b9c0f1b6a831c399e269772661",
            ])
            .prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "msgtype",
                    "stream",
                    "id",
                    "finish",
                    "content",
                    "text",
                    "markdown",
                    "template_card",
                    "task_id",
                    "response_type",
                    "chatid",
                    "chat_type",
                    "file",
                    "media_id",
                    "type",
                    "filename",
                    "total_size",
                    "total_chunks",
                    "md5",
                    "upload_id",
                    "chunk_index",
                    "base64_data",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect()))
        })
    }

    fn cmd() -> impl Strategy<Value = Option<String>> {
        let known = prop::sample::select(vec![
            aibot::PING,
            aibot::SUBSCRIBE,
            aibot::RESPOND_MSG,
            aibot::RESPOND_WELCOME,
            aibot::RESPOND_UPDATE,
            aibot::SEND_MSG,
            aibot::UPLOAD_INIT,
            aibot::UPLOAD_CHUNK,
            aibot::UPLOAD_FINISH,
            aibot::MSG_CALLBACK,
        ])
        .prop_map(|c| Some(c.to_owned()));
        prop_oneof![4 => known, 1 => ".{0,12}".prop_map(Some), 1 => Just(None)]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Any frame a bot sends is acked with its own req_id and an errcode; one refused changes nothing the
        /// store holds (inboxes, media).
        #[test]
        fn every_frame_is_acked_and_refusals_change_nothing(
            cmd in cmd(), waiting in any::<bool>(), body in body(),
        ) {
            let st = state();
            let key = (0, 0);
            let req_id = if waiting { WAITING.to_owned() } else { "aibot_msg_other".to_owned() };
            let f = Frame { cmd, headers: aibot::Headers { req_id: req_id.clone() }, body, errcode: None, errmsg: None };
            let before = st.fingerprint();
            let ack = answer(&st, key, &f);
            prop_assert_eq!(&ack.headers.req_id, &req_id);
            prop_assert!(ack.cmd.is_none());
            let code = ack.errcode;
            prop_assert!(code.is_some());
            if code != Some(0) {
                prop_assert_eq!(st.fingerprint(), before, "{:?} refused with {:?} but changed the store", f, ack);
            }
        }
    }

    /// The req_ids the mock mints never start as the SDKs' own do (`ping`, `aibot_subscribe`): Node's SDK checks
    /// those prefixes before its pending acks, so a callback named so would be taken for an ack.
    #[test]
    fn the_mocks_req_ids_are_not_the_sdks() {
        for minted in [crate::aibot::MSG_REQ_ID, crate::aibot::EVENT_REQ_ID] {
            assert!(!minted.starts_with(aibot::PING) && !minted.starts_with(aibot::SUBSCRIBE));
        }
        let ack = answer(
            &state(),
            (0, 0),
            &Frame::command(aibot::PING, "ping_1", json!(null)),
        );
        assert_eq!(
            (ack.errcode, ack.headers.req_id.as_str()),
            (Some(0), "ping_1")
        );
    }
}
