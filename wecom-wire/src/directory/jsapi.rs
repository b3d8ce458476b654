//! The JS-SDK signature (doc 90506): sha1 over `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, keys in that
//! (alphabetical) order, values as they are, the URL without its `#` fragment.

use sha1::{Digest, Sha1};

/// The lowercase hex sha1 signature `wx.config` and `wx.agentConfig` carry.
pub fn signature(ticket: &str, noncestr: &str, timestamp: &str, url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let plain =
        format!("jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}");
    hex::encode(Sha1::digest(plain.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the official page.
    #[test]
    fn official_example() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let sig = signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value",
        );
        assert_eq!(sig, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
        let with_fragment = signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value#section",
        );
        assert_eq!(with_fragment, sig, "the fragment is not signed");
    }
}
