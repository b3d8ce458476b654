//! Known-good WXBizMsgCrypt vectors, verbatim: Tencent's doc example and official samples, wechatpy's and WxJava's
//! crypto tests, each recomputed independently.

pub struct Keys {
    pub token: &'static str,
    pub encoding_aes_key: &'static str,
    pub receive_id: &'static str,
}

/// A: Tencent's doc example (POST), and B: the same keys' URL verification.
pub const A_KEYS: Keys = Keys {
    token: "QDG6eK",
    encoding_aes_key: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    receive_id: "wx5823bf96d3bd56c7",
};
pub const A_KEY_HEX: &str = "8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760";
pub const A_TIMESTAMP: &str = "1409659813";
pub const A_NONCE: &str = "1372623149";
pub const A_SIGNATURE: &str = "477715d11cdb4164915debcba66cb864d751f3e6";
pub const A_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
pub const A_RANDOM: &str = "0960688932c47ef1";
pub const A_MSG: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";
pub const B_TIMESTAMP: &str = "1409659589";
pub const B_NONCE: &str = "263014780";
pub const B_SIGNATURE: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
pub const B_ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
pub const B_ECHOSTR_ON_THE_WIRE: &str = "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
pub const B_REPLY: &str = "1616140317555161061";
pub const B_RANDOM: &str = "c41b64491c2468d0";

/// C: Tencent's official Python sample.
pub const C_KEYS: Keys = Keys {
    token: "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    encoding_aes_key: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
    receive_id: "ww1436e0e65a779aee",
};
pub const C_GET_SIGNATURE: &str = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb";
pub const C_GET_TIMESTAMP: &str = "1476416373";
pub const C_GET_NONCE: &str = "47744683";
pub const C_GET_ECHOSTR: &str =
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";
pub const C_GET_REPLY: &str = "1288432023552776189";
pub const C_POST_SIGNATURE: &str = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e";
pub const C_POST_TIMESTAMP: &str = "1476422779";
pub const C_POST_NONCE: &str = "1597212914";
pub const C_POST_ENCRYPT: &str = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+";
pub const C_POST_RANDOM: &str = "694ce5a83ae07fe3";
pub const C_POST_MSG: &str = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>";

/// D: wechatpy's `tests/test_crypto.py`.
pub const D_KEYS: Keys = Keys {
    token: "123456",
    encoding_aes_key: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
    receive_id: "wx49f0ab532d5d035a",
};
pub const D_CHECK_SIGNATURE: &str = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96";
pub const D_CHECK_TIMESTAMP: &str = "1411443780";
pub const D_CHECK_NONCE: &str = "437374425";
pub const D_CHECK_ECHOSTR: &str =
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
pub const D_CHECK_REPLY: &str = "5927782489442352469";
pub const D_CHECK_WRONG_NONCE: &str = "437374424";
pub const D_ENC_RANDOM: &str = "1234567890123456";
pub const D_ENC_NONCE: &str = "461056294";
pub const D_ENC_TIMESTAMP: &str = "1411525903";
pub const D_ENC_MSG: &str = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
pub const D_ENC_ENCRYPT: &str = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";
pub const D_ENC_SIGNATURE: &str = "407518b7649e86ef23978113f92d27afa9296533";
pub const D_DEC_SIGNATURE: &str = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d";
pub const D_DEC_TIMESTAMP: &str = "1411525903";
pub const D_DEC_NONCE: &str = "461056294";
pub const D_DEC_ENCRYPT: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
pub const D_DEC_FROM: &str = "messense";
pub const D_DEC_CONTENT: &str = "test";
pub const D_DEC_MSGID: &str = "4363689963896700987";
pub const D_DEC_RANDOM: &str = "ec90b1530358d4d3";

/// E: WxJava's `WxCryptUtilTest`.
pub const E_KEYS: Keys = Keys {
    token: "pamtest",
    encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    receive_id: "wxb11529c136998cb6",
};
pub const E_RANDOM: &str = "aaaabbbbccccdddd";
pub const E_MSG: &str = "我是中文abcd123";
pub const E_ENCRYPT: &str =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

/// F: 智能机器人's callback mode (JSON, receiveid `""`), computed independently of this crate with Python's
/// `cryptography` on A's keys, random, timestamp and nonce; WeCom's Node SDK 1.0.7 (`WecomCrypto(token, key,
/// '')`) verifies and decrypts it. Its first block is A's (same key, IV and random).
pub const F_RECEIVE_ID: &str = "";
pub const F_MSG: &str = r#"{"msgid":"MOCKMSGID0001","aibotid":"aibDemoAssistant0000000000000001","chattype":"single","from":{"userid":"zhangsan"},"msgtype":"text","text":{"content":"你好"}}"#;
pub const F_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEPd7B2T2QhSBQMZJI/nYNhf9buQ4ZDfyv5cj+4XcSEFmEjnFGf7lD3lWqvWh6OVzkB7WCm96/5F1//nlOCJDZyDhssN4MmstDkXegNQDqd2YXpx6r6nDJhnQMP7sAyQ6VQ52xwak7x8zdjAjEqm9RCJWfmRzxXevCuMT9dLBZUFmex9wZk37JOoLT8Um20DckSWtGfVvIg1BP76dR6l1uJ2zPg0ZV/nVmJNtOOkw8hF2";
pub const F_SIGNATURE: &str = "aa897c759cec3d25526ac7f238b489649f764afd";
/// F's URL verification: B's echo, random, timestamp and nonce with receiveid `""` (same independent computation).
pub const F_ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKnyZP901mej+/Kx8sFd+6WUvACxpMYJc74oFTUo+sPDFg==";
pub const F_ECHO_SIGNATURE: &str = "46bf7bc5ee52a0ec54c80500383fd152d900b77c";
