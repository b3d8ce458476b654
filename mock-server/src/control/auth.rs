//! Who may use the control API: the predicates `guard` applies (the bearer token, loopback callers).

use std::net::IpAddr;
use subtle::ConstantTimeEq;

/// Whether a caller is on this host. A dual-stack listener bound to `[::]` sees an IPv4 loopback caller as
/// `::ffff:127.0.0.1`, which is the same caller.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

/// Whether an `Authorization` header value carries `want` as its bearer token, compared in constant time so
/// the answer's timing does not tell how much of a guess was right. An empty `want` opens nothing (the binary
/// refuses one at start; this keeps a library caller's empty token from matching a bare `Bearer`).
pub fn bearer_matches(authorization: Option<&[u8]>, want: &str) -> bool {
    let Some(given) = authorization.and_then(|v| v.strip_prefix(b"Bearer ")) else {
        return false;
    };
    !want.is_empty() && bool::from(given.ct_eq(want.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_ipv4_loopback_caller_is_loopback() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(is_loopback(ip("127.0.0.1")));
        assert!(is_loopback(ip("127.3.2.1")));
        assert!(is_loopback(ip("::1")));
        assert!(is_loopback(ip("::ffff:127.0.0.1")));
        assert!(!is_loopback(ip("::ffff:192.0.2.7")));
        assert!(!is_loopback(ip("192.0.2.7")));
        assert!(!is_loopback(ip("::")));
        assert!(!is_loopback(ip("2001:db8::1")));
    }

    #[test]
    fn only_the_right_bearer_token_passes() {
        assert!(bearer_matches(Some(b"Bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(Some(b"Bearer s3cre"), "s3cret"), "a prefix");
        assert!(!bearer_matches(Some(b"Bearer s3cret!"), "s3cret"), "longer");
        assert!(!bearer_matches(Some(b"Bearer S3CRET"), "s3cret"), "case");
        assert!(!bearer_matches(Some(b"s3cret"), "s3cret"), "no scheme");
        assert!(!bearer_matches(Some(b"Bearer "), "s3cret"), "empty");
        assert!(!bearer_matches(None, "s3cret"), "none");
        assert!(
            !bearer_matches(Some(b"Bearer "), ""),
            "an empty token opens nothing"
        );
        assert!(!bearer_matches(Some(b"Bearer"), ""), "nor a bare scheme");
    }
}
