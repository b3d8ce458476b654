use proptest::prelude::*;

use super::vectors::*;
use super::*;

fn crypt(k: &Keys) -> MsgCrypt {
    MsgCrypt::new(k.token, k.encoding_aes_key, k.receive_id).unwrap_or_else(|e| panic!("keys: {e}"))
}

fn random(ascii: &str) -> [u8; 16] {
    let mut r = [0u8; 16];
    r.copy_from_slice(ascii.as_bytes());
    r
}

#[test]
fn a_doc_example_decrypts_and_reencrypts_byte_for_byte() {
    let c = crypt(&A_KEYS);
    assert_eq!(hex::encode(c.key), A_KEY_HEX);
    assert_eq!(c.signature(A_TIMESTAMP, A_NONCE, A_ENCRYPT), A_SIGNATURE);
    let d = c.decrypt_verified(A_SIGNATURE, A_TIMESTAMP, A_NONCE, A_ENCRYPT);
    assert_eq!(d.as_deref().map(String::from_utf8_lossy), Ok(A_MSG.into()));
    let d = c.decrypt(A_ENCRYPT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.random, random(A_RANDOM));
    assert_eq!(
        c.encrypt(A_MSG.as_bytes(), &d.random),
        A_ENCRYPT,
        "pad 30: a 16-byte PKCS#7 would differ"
    );
}

#[test]
fn b_url_verification() {
    let c = crypt(&A_KEYS);
    let reply = c.verify_url(B_SIGNATURE, B_TIMESTAMP, B_NONCE, B_ECHOSTR);
    assert_eq!(reply.as_deref(), Ok(B_REPLY.as_bytes()));
    let d = c.decrypt(B_ECHOSTR).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.random, random(B_RANDOM));
    assert_eq!(c.encrypt(B_REPLY.as_bytes(), &d.random), B_ECHOSTR);
    // What arrives on the wire is URL-encoded; the signature is over the decoded value.
    assert!(B_ECHOSTR_ON_THE_WIRE.contains("%2F") && B_ECHOSTR_ON_THE_WIRE.ends_with("%3D%3D"));
}

#[test]
fn c_official_python_sample() {
    let c = crypt(&C_KEYS);
    let get = c.verify_url(C_GET_SIGNATURE, C_GET_TIMESTAMP, C_GET_NONCE, C_GET_ECHOSTR);
    assert_eq!(get.as_deref(), Ok(C_GET_REPLY.as_bytes()));
    let post = c.decrypt_verified(
        C_POST_SIGNATURE,
        C_POST_TIMESTAMP,
        C_POST_NONCE,
        C_POST_ENCRYPT,
    );
    assert_eq!(post.as_deref(), Ok(C_POST_MSG.as_bytes()));
    assert_eq!(C_POST_MSG.len(), 228, "UTF-8 bytes, 你好 included");
    assert_eq!(
        c.encrypt(C_POST_MSG.as_bytes(), &random(C_POST_RANDOM)),
        C_POST_ENCRYPT
    );
}

#[test]
fn d_wechatpy_tests() {
    let c = crypt(&D_KEYS);
    let ok = c.verify_url(
        D_CHECK_SIGNATURE,
        D_CHECK_TIMESTAMP,
        D_CHECK_NONCE,
        D_CHECK_ECHOSTR,
    );
    assert_eq!(ok.as_deref(), Ok(D_CHECK_REPLY.as_bytes()));
    let wrong = c.verify_url(
        D_CHECK_SIGNATURE,
        D_CHECK_TIMESTAMP,
        D_CHECK_WRONG_NONCE,
        D_CHECK_ECHOSTR,
    );
    assert_eq!(wrong, Err(CryptoError::ValidateSignature));
    assert_eq!(CryptoError::ValidateSignature.code(), -40001);

    let enc = c.encrypt(D_ENC_MSG.as_bytes(), &random(D_ENC_RANDOM));
    assert_eq!(enc, D_ENC_ENCRYPT);
    assert_eq!(
        c.signature(D_ENC_TIMESTAMP, D_ENC_NONCE, &enc),
        D_ENC_SIGNATURE
    );

    let dec = c.decrypt_verified(D_DEC_SIGNATURE, D_DEC_TIMESTAMP, D_DEC_NONCE, D_DEC_ENCRYPT);
    let xml = String::from_utf8(dec.unwrap_or_default()).unwrap_or_default();
    for want in [D_DEC_FROM, D_DEC_CONTENT, D_DEC_MSGID] {
        assert!(xml.contains(want), "{want} not in {xml}");
    }
    let d = c.decrypt(D_DEC_ENCRYPT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.random, random(D_DEC_RANDOM));
    assert_eq!(c.encrypt(&d.msg, &d.random), D_DEC_ENCRYPT, "pad 1");
}

#[test]
fn e_wxjava_test() {
    let c = crypt(&E_KEYS);
    assert_eq!(c.encrypt(E_MSG.as_bytes(), &random(E_RANDOM)), E_ENCRYPT);
    assert_eq!(
        c.decrypt(E_ENCRYPT).map(|d| d.msg),
        Ok(E_MSG.as_bytes().to_vec())
    );
}

/// 智能机器人's callback mode: receiveid `""`, so nothing may follow the message, and a push made for a corp
/// (receiveid `ww…`) does not decrypt as the bot's (nor the bot's as the corp's).
#[test]
fn f_aibot_callback_mode_with_an_empty_receiveid() {
    let c = MsgCrypt::new(A_KEYS.token, A_KEYS.encoding_aes_key, F_RECEIVE_ID)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.encrypt(F_MSG.as_bytes(), &random(A_RANDOM)), F_ENCRYPT);
    assert_eq!(c.signature(A_TIMESTAMP, A_NONCE, F_ENCRYPT), F_SIGNATURE);
    // 21 base64 characters are 126 bits, all of the first 16-byte block.
    assert_eq!(F_ENCRYPT[..21], A_ENCRYPT[..21], "the first block is A's");
    let d = c.decrypt_verified(F_SIGNATURE, A_TIMESTAMP, A_NONCE, F_ENCRYPT);
    assert_eq!(d.as_deref(), Ok(F_MSG.as_bytes()));
    let back = c.decrypt(F_ENCRYPT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.random, random(A_RANDOM));
    assert_eq!(
        c.encrypt(&back.msg, &back.random),
        F_ENCRYPT,
        "a round trip"
    );

    let echo = c.verify_url(F_ECHO_SIGNATURE, B_TIMESTAMP, B_NONCE, F_ECHOSTR);
    assert_eq!(echo.as_deref(), Ok(B_REPLY.as_bytes()));
    assert_eq!(c.encrypt(B_REPLY.as_bytes(), &random(B_RANDOM)), F_ECHOSTR);

    let corp = crypt(&A_KEYS);
    assert_eq!(
        corp.decrypt(F_ENCRYPT).err(),
        Some(CryptoError::ValidateReceiveId)
    );
    assert_eq!(
        c.decrypt(A_ENCRYPT).err(),
        Some(CryptoError::ValidateReceiveId)
    );
    assert_eq!(
        c.verify_url(B_SIGNATURE, B_TIMESTAMP, B_NONCE, B_ECHOSTR)
            .err(),
        Some(CryptoError::ValidateReceiveId)
    );
}

#[test]
fn errors_are_the_official_kinds() {
    assert_eq!(
        MsgCrypt::new("t", "short", "r").err(),
        Some(CryptoError::IllegalAesKey)
    );
    assert_eq!(
        MsgCrypt::new("t", &"!".repeat(43), "r").err(),
        Some(CryptoError::IllegalAesKey)
    );
    let c = crypt(&A_KEYS);
    assert_eq!(
        c.decrypt("not base64!").err(),
        Some(CryptoError::DecodeBase64)
    );
    assert_eq!(
        c.decrypt("AAAA").err(),
        Some(CryptoError::DecryptAes),
        "3 bytes is not a whole block"
    );
    let other = MsgCrypt::new(A_KEYS.token, A_KEYS.encoding_aes_key, "wwsomeoneelse")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        other.decrypt(A_ENCRYPT).err(),
        Some(CryptoError::ValidateReceiveId)
    );
    assert_eq!(CryptoError::ValidateReceiveId.code(), -40005);
}

fn key_strategy() -> impl Strategy<Value = String> {
    // 42 free base64 characters and a 43rd that decodes cleanly.
    (
        "[A-Za-z0-9+/]{42}",
        prop::sample::select(vec!['A', 'Q', 'g', 'w']),
    )
        .prop_map(|(k, last)| format!("{k}{last}"))
}

proptest! {
    #[test]
    fn decrypt_inverts_encrypt(msg in prop::collection::vec(any::<u8>(), 0..600), key in key_strategy(),
                               rid in "[a-z0-9]{0,20}", rnd in any::<[u8; 16]>()) {
        let c = MsgCrypt::new("tok", &key, &rid).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let enc = c.encrypt(&msg, &rnd);
        prop_assert_eq!(c.decrypt(&enc), Ok(Decrypted { msg, random: rnd }));
    }

    #[test]
    fn tampering_with_any_byte_fails_verification(i in 0usize..1000, key in key_strategy()) {
        let c = MsgCrypt::new("tok", &key, "wwcorp").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let enc = c.encrypt(b"<xml><Content>hi</Content></xml>", &[7; 16]);
        let sig = c.signature("1700000000", "123", &enc);
        let mut bytes = enc.clone().into_bytes();
        let i = i % bytes.len();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap_or_default();
        prop_assert_eq!(c.decrypt_verified(&sig, "1700000000", "123", &tampered), Err(CryptoError::ValidateSignature));
    }

    #[test]
    fn decrypt_never_panics(s in ".{0,300}", b in prop::collection::vec(any::<u8>(), 0..300)) {
        let c = crypt(&A_KEYS);
        let _ = c.decrypt(&s);
        // Well-formed base64 of arbitrary blocks: every pad byte and length field is exercised.
        let _ = c.decrypt(&STANDARD.encode(&b));
    }
}
