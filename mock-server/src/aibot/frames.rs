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
