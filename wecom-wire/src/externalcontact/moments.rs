//! 客户朋友圈 (document/path/95094, 93333): `add_moment_task` (asynchronous: a jobid, then
//! `get_moment_task_result`), `cancel_moment_task`, `get_moment_list`, `get_moment_task`,
//! `get_moment_customer_list`, `get_moment_send_result`, `get_moment_comments`; the request shapes and checks.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient;
use crate::{Errcode, WireError};

/// `text.content` at most 2000 bytes [U: the doc's 2000].
pub const MAX_TEXT_BYTES: usize = 2000;
/// Up to 9 images, or one video, or one link.
pub const MAX_IMAGES: usize = 9;
/// `get_moment_list`: a window of at most 30 days, `limit` ≤ 20 (the doc).
pub const MAX_LIST_SPAN_S: i64 = 30 * 86_400;
pub const LIST_LIMIT_MAX: i64 = 20;
/// `get_moment_task` and `get_moment_customer_list`: `limit` ≤ 1000; `get_moment_send_result` ≤ 5000.
pub const TASK_LIMIT_MAX: i64 = 1000;
pub const SEND_RESULT_LIMIT_MAX: i64 = 5000;
/// `get_moment_task_result` statuses: 1 started, 2 running, 3 done.
pub const JOB_DONE: i64 = 3;

#[derive(Debug, Default, Deserialize)]
pub struct Text {
    pub content: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SenderList {
    #[serde(default)]
    pub user_list: Vec<String>,
    #[serde(default)]
    pub department_list: Vec<Id>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ExternalContactList {
    #[serde(default)]
    pub tag_list: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VisibleRange {
    pub sender_list: Option<SenderList>,
    pub external_contact_list: Option<ExternalContactList>,
}

/// An integer that may come as a string of digits.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(transparent)]
pub struct Id(#[serde(deserialize_with = "lenient::int")] pub i64);

#[derive(Debug, Default, Deserialize)]
pub struct AddMomentTask {
    pub text: Option<Text>,
    #[serde(default)]
    pub attachments: Vec<Value>,
    pub visible_range: Option<VisibleRange>,
}

/// A checked moment: its text, its attachments as `get_moment_list` shows them, and the media ids to check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Content {
    pub text: String,
    /// `image: [{media_id}]`, `video: {media_id}` or `link: {title, url}`, ready to merge into a list item.
    pub shown: serde_json::Map<String, Value>,
    pub media_ids: Vec<String>,
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))?
        .as_str()
        .filter(|s| !s.is_empty())
}

impl AddMomentTask {
    pub fn content(&self) -> Result<Content, WireError> {
        let text = self
            .text
            .as_ref()
            .and_then(|t| t.content.clone())
            .unwrap_or_default();
        if text.len() > MAX_TEXT_BYTES {
            return Err(WireError::too_long("text.content", MAX_TEXT_BYTES));
        }
        if text.is_empty() && self.attachments.is_empty() {
            return Err(Errcode::MOMENT_EMPTY.into());
        }
        let mut c = Content {
            text,
            ..Content::default()
        };
        let kinds: Vec<&str> = self
            .attachments
            .iter()
            .map(|a| a.get("msgtype").and_then(Value::as_str).unwrap_or(""))
            .collect();
        let (mut images, mut others) = (Vec::new(), 0);
        for (a, kind) in self.attachments.iter().zip(&kinds) {
            match *kind {
                "image" => {
                    let id = str_at(a, &["image", "media_id"])
                        .ok_or_else(|| WireError::missing("image.media_id"))?;
                    c.media_ids.push(id.to_owned());
                    images.push(serde_json::json!({ "media_id": id }));
                }
                "video" => {
                    let id = str_at(a, &["video", "media_id"])
                        .ok_or_else(|| WireError::missing("video.media_id"))?;
                    c.media_ids.push(id.to_owned());
                    c.shown.insert(
                        "video".into(),
                        serde_json::json!({ "media_id": id, "thumb_media_id": "" }),
                    );
                    others += 1;
                }
                "link" => {
                    let url = str_at(a, &["link", "url"])
                        .ok_or_else(|| WireError::missing("link.url"))?;
                    let title = str_at(a, &["link", "title"]).unwrap_or_default();
                    if let Some(id) = str_at(a, &["link", "media_id"]) {
                        c.media_ids.push(id.to_owned());
                    }
                    c.shown.insert(
                        "link".into(),
                        serde_json::json!({ "title": title, "url": url }),
                    );
                    others += 1;
                }
                _ => return Err(WireError::invalid_field("attachments.msgtype")),
            }
        }
        // Images, a video and a link do not mix; at most 9 images.
        if images.len() > MAX_IMAGES || others > 1 || (others == 1 && !images.is_empty()) {
            return Err(WireError::invalid_field("attachments"));
        }
        if !images.is_empty() {
            c.shown.insert("image".into(), Value::Array(images));
        }
        Ok(c)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MomentId {
    pub moment_id: Option<String>,
    pub userid: Option<String>,
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

impl MomentId {
    pub fn moment_id(&self) -> Result<&str, WireError> {
        self.moment_id
            .as_deref()
            .filter(|m| !m.is_empty())
            .ok_or_else(|| Errcode::MOMENT_ID_MISSING.into())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct MomentList {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub start_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub end_time: Option<i64>,
    pub creator: Option<String>,
    /// 0 the corp's, 1 members' own, 2 both (default).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub filter_type: Option<i64>,
    pub cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub limit: Option<i64>,
}

impl MomentList {
    pub fn window(&self) -> Result<(i64, i64), WireError> {
        let (start, end) = super::time_window(self.start_time, self.end_time, MAX_LIST_SPAN_S)?;
        if self.filter_type.is_some_and(|f| !(0..=2).contains(&f)) {
            return Err(WireError::invalid_field("filter_type"));
        }
        Ok((start, end))
    }
}

#[derive(Debug, Serialize)]
pub struct JobResponse {
    pub jobid: String,
}

#[derive(Debug, Serialize, Default)]
pub struct InvalidSenders {
    pub user_list: Vec<String>,
    pub department_list: Vec<i64>,
}

#[derive(Debug, Serialize, Default)]
pub struct InvalidContacts {
    pub tag_list: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JobResult {
    pub errcode: i64,
    pub errmsg: String,
    pub moment_id: String,
    pub invalid_sender_list: InvalidSenders,
    pub invalid_external_contact_list: InvalidContacts,
}

#[derive(Debug, Serialize)]
pub struct TaskResultResponse {
    pub status: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub result: JobResult,
}

#[derive(Debug, Serialize)]
pub struct Publish {
    pub userid: String,
    pub publish_status: i64,
}

#[derive(Debug, Serialize)]
pub struct TaskListResponse {
    pub next_cursor: String,
    pub task_list: Vec<Publish>,
}

#[derive(Debug, Serialize)]
pub struct CustomerListResponse {
    pub next_cursor: String,
    pub customer_list: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct Reaction {
    pub external_userid: String,
    pub create_time: i64,
}

#[derive(Debug, Serialize)]
pub struct CommentsResponse {
    pub comment_list: Vec<Reaction>,
    pub like_list: Vec<Reaction>,
}

#[derive(Debug, Serialize)]
pub struct MomentListResponse {
    pub next_cursor: String,
    pub moment_list: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(v: Value) -> Result<Content, Errcode> {
        serde_json::from_value::<AddMomentTask>(v)
            .map_err(|_| Errcode::INVALID_PARAMETER)?
            .content()
            .map_err(|e| e.code)
    }

    #[test]
    fn a_moment_has_text_or_attachments_of_one_kind() {
        assert_eq!(content(json!({})), Err(Errcode::MOMENT_EMPTY));
        let ok = content(
            json!({"text": {"content": "新品"}, "attachments": [{"msgtype": "image", "image": {"media_id": "m1"}}]}),
        );
        assert_eq!(ok.map(|c| c.media_ids), Ok(vec!["m1".to_owned()]));
        let mixed = json!({"attachments": [{"msgtype": "image", "image": {"media_id": "m"}}, {"msgtype": "link", "link": {"url": "https://x"}}]});
        assert_eq!(content(mixed), Err(Errcode::INVALID_PARAMETER));
        let ten: Vec<Value> = (0..10)
            .map(|_| json!({"msgtype": "image", "image": {"media_id": "m"}}))
            .collect();
        assert_eq!(
            content(json!({"attachments": ten})),
            Err(Errcode::INVALID_PARAMETER)
        );
        assert_eq!(
            content(json!({"text": {"content": "x".repeat(2001)}})),
            Err(Errcode::INVALID_PARAMETER)
        );
    }
}
