//! WeCom's host names, as SDKs hard-code them and as the links and pictures WeCom hands out name them. Each
//! comes as a bare name (for SNI, `CONNECT` and `Host`) and as the `https://` origin it is used under.

macro_rules! hosts {
    ($($(#[$doc:meta])* $name:ident, $origin:ident = $host:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: &str = $host;
            #[doc = concat!("`https://", $host, "`")]
            pub const $origin: &str = concat!("https://", $host);
        )*
        /// Every WeCom host name above.
        pub const ALL: &[&str] = &[$($host),*];
    };
}

hosts! {
    /// The API: `/cgi-bin/…` for every app, the contacts-sync secret and kf.
    API, API_ORIGIN = "qyapi.weixin.qq.com";
    /// The web host of kf contact links (`/kfid/…`) and 获客助手 links (`/ca/…`).
    WEB, WEB_ORIGIN = "work.weixin.qq.com";
    /// Pictures: `media/uploadimg` answers and QR codes (`/wwpic/…`).
    PICTURES, PICTURES_ORIGIN = "wework.qpic.cn";
    /// The AI bots' long connection (`wss://openws.work.weixin.qq.com`).
    AIBOT_WS, AIBOT_WS_ORIGIN = "openws.work.weixin.qq.com";
}

/// The host part of `host[:port]`, lowercased, with IPv6 brackets kept: what a `CONNECT` target, an
/// absolute URI's authority or a `Host` header names.
pub fn name_of(authority: &str) -> String {
    bare(authority).to_ascii_lowercase()
}

/// Whether `authority` (`host[:port]`, any case) names the host `name`; allocates nothing, for a check on
/// every request.
pub fn names(authority: &str, name: &str) -> bool {
    bare(authority).eq_ignore_ascii_case(name)
}

fn bare(authority: &str) -> &str {
    let host = match authority.rsplit_once(':') {
        // `[::1]:443` and `host:443`, but not a bare `::1`.
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => authority,
    };
    host.trim_end_matches('.')
}

/// Whether `name` (see [`name_of`]) is one of WeCom's hosts.
pub fn is_wecom(name: &str) -> bool {
    ALL.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_the_hosts_under_https() {
        assert_eq!(API_ORIGIN, "https://qyapi.weixin.qq.com");
        assert_eq!(ALL.len(), 4);
    }

    #[test]
    fn a_name_drops_its_port_and_case() {
        for (authority, want) in [
            ("qyapi.weixin.qq.com:443", "qyapi.weixin.qq.com"),
            ("QYAPI.weixin.qq.com", "qyapi.weixin.qq.com"),
            ("qyapi.weixin.qq.com.:443", "qyapi.weixin.qq.com"),
            ("[::1]:8080", "[::1]"),
            ("127.0.0.1:80", "127.0.0.1"),
        ] {
            assert_eq!(name_of(authority), want, "{authority}");
        }
        assert!(is_wecom(&name_of("work.weixin.qq.com:443")));
        assert!(names("Work.Weixin.qq.com.:443", WEB) && !names("work.weixin.qq.com.cn", WEB));
        assert!(!is_wecom(&name_of("example.com:443")));
        assert!(!is_wecom(&name_of("qyapi.weixin.qq.com.evil.example:443")));
    }
}
