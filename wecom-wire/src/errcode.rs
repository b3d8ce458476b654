//! The errcode table: code → the errmsg text WeCom puts before `, hint:`, the meaning WeCom's global errcode
//! table (developer.work.weixin.qq.com document/path/90313) gives it, and whether WeCom adds a hint at all.
//!
//! The meaning is there so a reader can check at a glance that a code is used for what WeCom says it means.
//! errmsg texts WeCom has not been seen to send are our best guess; the README lists them.

use std::fmt;

/// A WeCom errcode. A JSON number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errcode(pub i64);

macro_rules! table {
    ($( $name:ident = $code:expr, $text:expr, $official:expr; )*) => {
        impl Errcode {
            $( pub const $name: Errcode = Errcode($code); )*

            /// Every code in the table, for documentation and exhaustive tests: all the mock can give, and the
            /// few clients react to that it never gives (42009).
            pub const ALL: &'static [Errcode] = &[$( Errcode($code) ),*];

            /// The short text WeCom puts at the start of `errmsg`.
            pub fn text(self) -> &'static str {
                match self.0 {
                    $( $code => $text, )*
                    _ => "unknown error",
                }
            }

            /// What WeCom's global errcode table says the code means, in its own words.
            pub fn official(self) -> &'static str {
                match self.0 {
                    $( $code => $official, )*
                    _ => "",
                }
            }
        }
    };
}

table! {
    SYSTEM_BUSY = -1, "system busy", "系统繁忙";
    OK = 0, "ok", "请求成功";
    INVALID_CREDENTIAL = 40001, "invalid credential", "不合法的secret参数";
    INVALID_USERID = 40003, "invalid userid", "无效的UserID";
    INVALID_MEDIA_FILE = 40004, "invalid media type", "不合法的媒体文件类型";
    INVALID_TYPE = 40005, "invalid file type", "不合法的type参数";
    INVALID_FILE_SIZE = 40006, "invalid file size", "不合法的文件大小";
    INVALID_MEDIA_ID = 40007, "invalid media_id", "不合法的media_id参数";
    INVALID_MSGTYPE = 40008, "invalid message type", "不合法的msgtype参数";
    INVALID_IMAGE_SIZE = 40009, "invalid image size", "上传图片大小不是有效值";
    INVALID_VIDEO_SIZE = 40011, "invalid video size", "上传视频大小不是有效值";
    INVALID_CORPID = 40013, "invalid corpid", "不合法的CorpID";
    INVALID_TOKEN = 40014, "invalid access_token", "不合法的access_token";
    MENU_BUTTON_COUNT = 40016, "invalid button size", "不合法的按钮个数";
    MENU_BUTTON_TYPE = 40017, "invalid button type", "不合法的按钮类型";
    MENU_BUTTON_NAME = 40018, "invalid button name size", "不合法的按钮名字长度";
    MENU_BUTTON_KEY = 40019, "invalid button key size", "不合法的按钮KEY长度";
    MENU_BUTTON_URL = 40020, "invalid button url size", "不合法的按钮URL长度";
    MENU_SUB_LEVEL = 40022, "invalid sub button level", "不合法的子菜单级数";
    MENU_SUB_COUNT = 40023, "invalid sub button size", "不合法的子菜单按钮个数";
    MENU_SUB_TYPE = 40024, "invalid sub button type", "不合法的子菜单按钮类型";
    MENU_SUB_NAME = 40025, "invalid sub button name size", "不合法的子菜单按钮名字长度";
    MENU_SUB_KEY = 40026, "invalid sub button key size", "不合法的子菜单按钮KEY长度";
    MENU_SUB_URL = 40027, "invalid sub button url size", "不合法的子菜单按钮URL长度";
    INVALID_CODE = 40029, "invalid code", "不合法的oauth_code";
    INVALID_USERID_LIST = 40031, "invalid userid list", "不合法的UserID列表";
    INVALID_USERID_LIST_LEN = 40032, "invalid userid list size", "不合法的UserID列表长度";
    MENU_SUB_URL_DOMAIN = 40054, "invalid sub button url domain", "不合法的子菜单url域名";
    MENU_URL_DOMAIN = 40055, "invalid button url domain", "不合法的菜单url域名";
    INVALID_AGENTID = 40056, "invalid agentid", "不合法的agentid";
    INVALID_PARAMETER = 40058, "invalid Request Parameter", "不合法的参数";
    EMPTY_PARAM = 40063, "param is empty", "参数为空";
    INVALID_PARTY_LIST = 40066, "invalid party list", "不合法的部门列表";
    INVALID_TAGID = 40068, "invalid tagid", "不合法的标签/标签组ID";
    TAG_NODES_ALL_INVALID = 40070, "all tag nodes invalid", "指定的标签范围节点全部无效";
    TAG_NAME_EXISTS = 40071, "UserTag Name Already Exist", "不合法的标签名字";
    TAG_NAME_LENGTH = 40072, "invalid tagname size", "不合法的标签名字长度";
    JOBID_NOT_FOUND = 40088, "jobid not exist", "jobid不存在";
    INVALID_EXTERNAL_USERID = 40096, "invalid external userid", "不合法的外部联系人userid";
    MEMBER_NOT_RESIGNED = 40097, "user is not resigned", "该成员尚未离职";
    TRANSFER_TOO_OFTEN = 40128, "customer transfer too frequently", "客户转接过于频繁（90个自然日内，在职成员的每位客户仅可被转接2次）";
    CUSTOMER_IN_TRANSFER = 40129, "external userid is being transferred", "当前客户正在转接中";
    SAME_HANDOVER_TAKEOVER = 40130, "handover_userid is same as takeover_userid", "原跟进人与接手人一样，不可继承";
    NOT_FOLLOWER = 40131, "handover_userid is not the follow user of external userid", "handover_userid 并不是外部联系人的跟进人";
    TOKEN_MISSING = 41001, "access_token missing", "缺少access_token参数";
    CORPID_MISSING = 41002, "corpid missing", "缺少corpid参数";
    CORPSECRET_MISSING = 41004, "corpsecret missing", "缺少secret参数";
    USERID_MISSING = 41009, "missing userid", "缺少userid参数";
    WELCOME_CODE_MISSING = 41049, "welcome code missing", "缺少欢迎语code参数";
    INVALID_WELCOME_CODE = 41050, "invalid welcome code", "无效的欢迎语code";
    ALREADY_CHATTED = 41051, "externaluser has started chatting", "客户和服务人员已经开始聊天了";
    WELCOME_TEMPLATE_LIMIT = 41055, "group welcome template count reach limit", "群欢迎语模板数量达到上限";
    NOT_TEMPLATE_OWNER = 41058, "no privilege to edit the group welcome template", "无此群欢迎语模板的编辑权限";
    MOMENT_ID_MISSING = 41059, "missing moment id", "缺少moment_id参数";
    INVALID_MOMENT_ID = 41060, "invalid moment id", "不合法的moment_id参数";
    MOMENT_NOT_BY_USER = 41061, "moment not published by this userid", "不合法朋友圈发送成员userid，当前朋友圈并非此用户发表";
    MOMENT_NOT_PUBLISHED = 41062, "moment not published by the userid yet", "企业创建的朋友圈尚未被成员userid发表";
    MOMENT_ID_TYPE = 41067, "invalid moment_id type", "朋友圈moment_id类型错误";
    MOMENT_EMPTY = 41089, "moment text and attachments are both empty", "朋友圈附件与内容不能同时为empty";
    ACQUISITION_LINK_LIMIT = 41095, "customer acquisition link count out of limit", "获客链接数量超过上限";
    MENU_NAME_MISSING = 41102, "missing menu name", "缺少菜单名";
    TOKEN_EXPIRED = 42001, "access_token expired", "access_token已过期";
    SUITE_TOKEN_EXPIRED = 42009, "suite_access_token expired", "suite_access_token已过期";
    INVALID_TASK_ID = 42014, "invalid task_id", "任务卡片消息的task_id不合法";
    UPDATE_AGENT_MISMATCH = 42015, "the message was sent by another agent", "更新的消息的应用与发送消息的应用不匹配";
    TASK_ID_NOT_FOUND = 42016, "task_id not exist", "更新的task_id不存在";
    BUTTON_KEY_NOT_FOUND = 42017, "button key is not exist", "按钮key值不存在";
    EMPTY_MEDIA = 44001, "empty media data", "多媒体文件为空";
    EMPTY_CONTENT = 44004, "empty content", "文本消息content参数为空";
    MEDIA_TOO_LARGE = 45001, "media size out of limit", "多媒体文件大小超过限制";
    CONTENT_TOO_LARGE = 45002, "content size out of limit", "消息内容大小超过限制";
    AGENT_DESCRIPTION_SIZE = 45004, "invalid agent description size", "应用description参数长度不符合系统限制";
    FREQ_LIMIT = 45009, "api freq out of limit", "接口调用超过限制";
    AGENT_NAME_SIZE = 45022, "invalid agent name size", "应用name参数长度不符合系统限制";
    CONCURRENT_LIMIT = 45033, "api concurrent out of limit", "接口并发调用超过限制";
    MENU_NOT_SET = 46003, "menu no exist", "菜单未设置";
    USER_NOT_EXIST = 46004, "user not exist", "指定的用户不存在";
    API_FORBIDDEN = 48002, "api forbidden", "API接口无权限调用";
    DEPARTMENT_NAME_LENGTH = 60001, "department name size invalid", "部门长度不符合限制";
    DEPARTMENT_NOT_FOUND = 60003, "department not found", "部门ID不存在";
    PARENT_NOT_FOUND = 60004, "parent department not found", "父部门不存在";
    DEPARTMENT_HAS_MEMBERS = 60005, "department contains members", "部门下存在成员";
    DEPARTMENT_HAS_CHILDREN = 60006, "department contains sub-departments", "部门下存在子部门";
    ROOT_DEPARTMENT = 60007, "not allow to delete root department", "不允许删除根部门";
    DEPARTMENT_EXISTS = 60008, "department existed", "部门已存在";
    DEPARTMENT_NAME_CHARS = 60009, "department name contains invalid char", "部门名称含有非法字符";
    DEPARTMENT_CYCLE = 60010, "department exist cycle", "部门存在循环关系";
    NO_PRIVILEGE = 60011, "no privilege to access/modify contact/party/agent", "指定的成员/部门/标签参数无权限";
    UNTRUSTED_IP = 60020, "not allow to access from your ip", "不安全的访问IP";
    USERID_EXISTS = 60102, "userid existed", "UserID已存在";
    INVALID_MOBILE = 60103, "mobile invalid", "手机号码不合法";
    MOBILE_EXISTS = 60104, "mobile existed", "手机号码已存在";
    INVALID_EMAIL = 60105, "email invalid", "邮箱不合法";
    EMAIL_EXISTS = 60106, "email existed", "邮箱已存在";
    TOO_MANY_DEPARTMENTS = 60110, "user department size exceed limit", "用户所属部门数量超过限制";
    USERID_NOT_FOUND = 60111, "userid not found", "UserID不存在";
    INVALID_USER_NAME = 60112, "invalid name", "成员name参数不合法";
    INVALID_PARTY = 60123, "invalid party id", "无效的部门id";
    INVALID_PARENT_PARTY = 60124, "invalid parent party id", "无效的父部门id";
    DEPARTMENT_MISSING = 60127, "missing department", "缺少department参数";
    MOBILE_AND_EMAIL_EMPTY = 60129, "mobile and email are both empty", "成员手机和邮箱都为空";
    LEADER_FLAGS_MISMATCH = 60132, "is_leader_in_dept size not equal to department size", "is_leader_in_dept和department的元素个数不一致";
    INVALID_RESPONSE_CODE = 60140, "invalid response_code", "无效的response_code";
    ALL_RECIPIENTS_INVALID = 81013, "user & party & tag all invalid", "UserID、部门ID、标签ID全部非法或无权限";
    REQUEST_COUNT_LIMIT = 81017, "request count exceed limit", "请求个数超过限制";
    NO_RECIPIENT = 82001, "All touser & toparty & totag invalid", "指定的成员/部门/标签全部为空";
    NOT_EXTERNAL_CONTACT = 84061, "not external contact", "不存在外部联系人的关系";
    INVALID_CHATID = 86001, "invalid chatid", "参数 chatid 不合法";
    CHAT_NOT_FOUND = 86003, "chatid not exist", "参数 chatid 不存在";
    INVALID_CHAT_OWNER = 86005, "invalid chat owner", "参数 群主不合法";
    CHAT_MEMBER_COUNT = 86006, "chat member count out of range", "群成员数过多或过少";
    INVALID_CHAT_MEMBER = 86007, "invalid chat member", "不合法的群成员";
    CHAT_EXISTS = 86215, "chatid already exist", "会话ID已经存在";
    GROUP_OWNER_NOT_RESIGNED = 90500, "group owner not resigned", "群主并未离职";
    NOT_CUSTOMER_GROUP = 90501, "chat is not external group chat", "该群不是客户群";
    GROUP_OWNER_RESIGNED = 90502, "group owner resigned", "群主已经离职";
    GROUP_OWNER_UNCHANGED = 90504, "group owner not changed", "群主没变";
    GROUP_ALREADY_INHERITED = 90508, "resigned group already inherited", "离职群已经继承";
    INVALID_OPENGID = 90511, "invalid opengid", "opengid不存在或者无效";
    INVALID_WEBHOOK = 93000, "invalid webhook url", "机器人webhookurl不合法或者机器人已经被移除出群";
    KF_INVALID_OPEN_KFID = 95000, "invalid open_kfid", "不合法的open_kfid";
    KF_REPLY_LIMIT = 95001, "send msg count limit", "发送客服消息次数限制";
    KF_REPLY_TIME_LIMIT = 95002, "send msg time limit", "发送客服消息时间限制";
    KF_OPEN_KFID_NOT_EXIST = 95004, "open_kfid not exist", "open_kfid不存在";
    KF_INVALID_MSG_TOKEN = 95007, "invalid msg token", "不合法的msgtoken";
    KF_INVALID_SERVICER = 95014, "invalid servicer userid", "用户不是接待人员";
    KF_INVALID_STATE_CHANGE = 95016, "invalid service state transition", "不允许这种状态转移";
    KF_SESSION_STATE = 95018, "send msg session status invalid", "发送客服消息时当前会话状态不允许发送";
    KF_SERVICER_STOPPED = 95019, "servicer stopped or suspended", "接待人员已停止接待或暂时挂起，无法完成指定的操作";
    AGENT_MISMATCH = 301002, "access_token and agentid mismatch", "无权限操作指定的应用";
    INVALID_TIME_RANGE = 600018, "invalid start endtime", "not in WeCom's table; seen in a real answer of groupchat/statistic_group_by_day";
}

impl Errcode {
    /// WeCom leaves the hint off a few errors (seen on 40014 for user/get and message/send).
    pub fn has_hint(self) -> bool {
        !matches!(self, Errcode::OK | Errcode::INVALID_TOKEN)
    }

    pub fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// Codes after which a freshly fetched access_token may succeed. WeCom has been seen answering 40014 for an
    /// expired token, and Tencent's own demo client refreshes on 42009 as well, so a client refreshes on all.
    pub const STALE_TOKEN: &'static [Errcode] = &[
        Errcode::INVALID_TOKEN,
        Errcode::TOKEN_EXPIRED,
        Errcode::SUITE_TOKEN_EXPIRED,
    ];

    /// Codes after which the same call may succeed a little later: WeCom was busy, or the caller went too fast.
    pub const TRANSIENT: &'static [Errcode] = &[Errcode::SYSTEM_BUSY, Errcode::FREQ_LIMIT];

    pub fn is_stale_token(self) -> bool {
        Errcode::STALE_TOKEN.contains(&self)
    }

    pub fn is_transient(self) -> bool {
        Errcode::TRANSIENT.contains(&self)
    }
}

impl fmt::Display for Errcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A request rejected the way WeCom would reject it: an errcode and, where WeCom says more than the table's
/// text (`text.content exceed max length 2048. invalid Request Parameter`), the longer text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("errcode {code}: {}", self.text())]
pub struct WireError {
    pub code: Errcode,
    pub detail: Option<String>,
}

impl WireError {
    pub fn new(code: Errcode) -> Self {
        WireError { code, detail: None }
    }

    pub fn with_detail(code: Errcode, detail: impl Into<String>) -> Self {
        WireError {
            code,
            detail: Some(detail.into()),
        }
    }

    /// WeCom's wording for an over-long field: `markdown.content exceed max length 4096. invalid Request Parameter`.
    pub fn too_long(field: &str, max_bytes: usize) -> Self {
        Self::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} exceed max length {max_bytes}. invalid Request Parameter"),
        )
    }

    /// A field of the wrong type or value, named as WeCom names them.
    pub fn invalid_field(field: &str) -> Self {
        Self::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} invalid. invalid Request Parameter"),
        )
    }

    /// A required field absent: `link_name missing. invalid Request Parameter`.
    pub fn missing(field: &str) -> Self {
        Self::with_detail(
            Errcode::INVALID_PARAMETER,
            format!("{field} missing. invalid Request Parameter"),
        )
    }

    /// The text before `, hint:`.
    pub fn text(&self) -> &str {
        self.detail.as_deref().unwrap_or_else(|| self.code.text())
    }
}

impl From<Errcode> for WireError {
    fn from(code: Errcode) -> Self {
        WireError::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut seen = std::collections::HashSet::new();
        for code in Errcode::ALL {
            assert_ne!(code.text(), "unknown error", "{code} has no text");
            assert!(
                !code.official().is_empty(),
                "{code} has no official meaning"
            );
            assert!(seen.insert(code.0), "{code} listed twice");
        }
        assert_eq!(Errcode(123_456).text(), "unknown error");
        assert!(
            Errcode::ALL.windows(2).all(|w| w[0] < w[1]),
            "the table is in numeric order, so a reader finds a code at a glance"
        );
    }

    #[test]
    fn stale_token_and_transient_codes_are_exactly_these() {
        let codes = |list: &[Errcode]| list.iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(codes(Errcode::STALE_TOKEN), [40014, 42001, 42009]);
        assert_eq!(codes(Errcode::TRANSIENT), [-1, 45009]);
        for c in [40014, 42001, 42009] {
            assert!(Errcode(c).is_stale_token(), "{c}");
            assert!(!Errcode(c).is_transient(), "{c}");
        }
        for c in [-1, 45009] {
            assert!(Errcode(c).is_transient(), "{c}");
            assert!(!Errcode(c).is_stale_token(), "{c}");
        }
        // Neighbours that must not trigger a refresh or a retry: bad secret, missing token, concurrency limit.
        for c in [0, 40001, 41001, 42007, 45033] {
            assert!(!Errcode(c).is_stale_token(), "{c}");
            assert!(!Errcode(c).is_transient(), "{c}");
        }
        assert_eq!(
            Errcode::SUITE_TOKEN_EXPIRED.official(),
            "suite_access_token已过期"
        );
    }

    #[test]
    fn too_long_uses_wecom_wording() {
        let e = WireError::too_long("markdown.content", 4096);
        assert_eq!(e.code, Errcode::INVALID_PARAMETER);
        assert_eq!(
            e.text(),
            "markdown.content exceed max length 4096. invalid Request Parameter"
        );
    }

    /// docs/wecom-wire.md's table of the errcodes met most says what this table says.
    #[test]
    fn the_docs_errcode_table_matches() {
        let doc = include_str!("../../docs/wecom-wire.md");
        let rows: Vec<(i64, &str)> = doc
            .lines()
            .filter_map(|l| {
                let mut cells = l.split('|').map(str::trim).skip(1);
                let code = cells.next()?.parse().ok()?;
                let text = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                Some((code, text))
            })
            .collect();
        assert!(rows.len() >= 20, "the table was found: {rows:?}");
        for (code, text) in rows {
            let e = Errcode(code);
            assert!(Errcode::ALL.contains(&e), "{code} is not in the table");
            assert_eq!(e.text(), text, "errmsg of {code}");
        }
    }
}
