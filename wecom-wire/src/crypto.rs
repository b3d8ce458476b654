//! WXBizMsgCrypt, the callback crypto WeCom and every SDK use: SHA1 signatures over the sorted
//! (token, timestamp, nonce, data), AES-256-CBC with the IV taken from the key, and PKCS#7 padding to a multiple
//! of 32 bytes (not 16). As docs/wecom-wire.md describes it, byte for byte.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine as _;
use sha1::{Digest, Sha1};

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// WXBizMsgCrypt pads to this, not to the AES block size.
const PAD_TO: usize = 32;
const RANDOM_BYTES: usize = 16;

/// EncodingAESKeys end in a character whose low bits a strict decoder refuses (Tencent's own example does), so
/// the key is decoded forgivingly.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The official samples' error kinds; [`CryptoError::code`] gives their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("signature check failed")]
    ValidateSignature,
    #[error("XML parse failed")]
    ParseXml,
    #[error("illegal EncodingAESKey")]
    IllegalAesKey,
    #[error("receiveid does not match")]
    ValidateReceiveId,
    #[error("AES decrypt failed")]
    DecryptAes,
    #[error("decrypted buffer illegal")]
    IllegalBuffer,
    #[error("base64 decode failed")]
    DecodeBase64,
}

impl CryptoError {
    /// The number the official samples return (`-40001` …).
    pub fn code(self) -> i32 {
        match self {
            CryptoError::ValidateSignature => -40001,
            CryptoError::ParseXml => -40002,
            CryptoError::IllegalAesKey => -40004,
            CryptoError::ValidateReceiveId => -40005,
            CryptoError::DecryptAes => -40007,
            CryptoError::IllegalBuffer => -40008,
            CryptoError::DecodeBase64 => -40010,
        }
    }
}

/// A message and the 16 random bytes it was encrypted with (re-encrypting with them gives the same ciphertext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    pub msg: Vec<u8>,
    pub random: [u8; RANDOM_BYTES],
}

/// One receiver's keys: its Token, its EncodingAESKey and the receiveid (the corpid for a corp's own apps).
#[derive(Clone)]
pub struct MsgCrypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys stay out of logs.
        f.debug_struct("MsgCrypt")
            .field("receive_id", &self.receive_id)
            .finish_non_exhaustive()
    }
}

impl MsgCrypt {
    /// `encoding_aes_key` is the 43-character base64 key from the app's callback settings.
    pub fn new(
        token: &str,
        encoding_aes_key: &str,
        receive_id: &str,
    ) -> Result<MsgCrypt, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::IllegalAesKey);
        }
        let raw = KEY_BASE64
            .decode(format!("{encoding_aes_key}="))
            .map_err(|_| CryptoError::IllegalAesKey)?;
        let key: [u8; 32] = raw.try_into().map_err(|_| CryptoError::IllegalAesKey)?;
        Ok(MsgCrypt {
            token: token.to_owned(),
            key,
            receive_id: receive_id.to_owned(),
        })
    }

    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// `msg_signature`: lower-case hex SHA1 of token, timestamp, nonce and data, sorted and joined with nothing.
    /// `data` is the `Encrypt` value, or the `echostr` for URL verification.
    pub fn signature(&self, timestamp: &str, nonce: &str, data: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, data];
        parts.sort_unstable();
        let mut h = Sha1::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// Whether `msg_signature` signs `data`.
    pub fn verify(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        data: &str,
    ) -> Result<(), CryptoError> {
        if self
            .signature(timestamp, nonce, data)
            .eq_ignore_ascii_case(msg_signature)
        {
            Ok(())
        } else {
            Err(CryptoError::ValidateSignature)
        }
    }

    /// `random ‖ len(msg) as u32 BE ‖ msg ‖ receiveid`, padded to 32 bytes, AES-256-CBC, base64.
    pub fn encrypt(&self, msg: &[u8], random: &[u8; RANDOM_BYTES]) -> String {
        let len = RANDOM_BYTES + 4 + msg.len() + self.receive_id.len();
        let pad = PAD_TO - len % PAD_TO;
        let mut buf = Vec::with_capacity(len + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.receive_id.as_bytes());
        buf.resize(len + pad, pad as u8);
        let n = buf.len();
        // The buffer is a whole number of blocks by construction, so unpadded encryption cannot fail.
        let cipher = Encryptor::new(&self.key.into(), &self.iv().into());
        match cipher.encrypt_padded::<NoPadding>(&mut buf, n) {
            Ok(ct) => STANDARD.encode(ct),
            Err(_) => String::new(),
        }
    }

    /// Reverses [`MsgCrypt::encrypt`] and checks the receiveid. Does not check a signature: see
    /// [`MsgCrypt::decrypt_verified`].
    pub fn decrypt(&self, encrypted: &str) -> Result<Decrypted, CryptoError> {
        let mut buf = STANDARD
            .decode(encrypted.trim())
            .map_err(|_| CryptoError::DecodeBase64)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::DecryptAes);
        }
        let cipher = Decryptor::new(&self.key.into(), &self.iv().into());
        let plain = cipher
            .decrypt_padded::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::DecryptAes)?;
        // As the official decoder does: a pad byte outside 1..=32 counts as no padding.
        let pad = match plain.last() {
            Some(&p) if (1..=PAD_TO as u8).contains(&p) => p as usize,
            _ => 0,
        };
        let content = plain
            .get(..plain.len().saturating_sub(pad))
            .ok_or(CryptoError::IllegalBuffer)?;
        if content.len() < RANDOM_BYTES + 4 {
            return Err(CryptoError::IllegalBuffer);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(&content[RANDOM_BYTES..RANDOM_BYTES + 4]);
        let msg_end = (RANDOM_BYTES + 4)
            .checked_add(u32::from_be_bytes(len) as usize)
            .ok_or(CryptoError::IllegalBuffer)?;
        let msg = content
            .get(RANDOM_BYTES + 4..msg_end)
            .ok_or(CryptoError::IllegalBuffer)?;
        if &content[msg_end..] != self.receive_id.as_bytes() {
            return Err(CryptoError::ValidateReceiveId);
        }
        let mut random = [0u8; RANDOM_BYTES];
        random.copy_from_slice(&content[..RANDOM_BYTES]);
        Ok(Decrypted {
            msg: msg.to_vec(),
            random,
        })
    }

    /// Signature first, then decryption: what a receiver does with a push.
    pub fn decrypt_verified(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.verify(msg_signature, timestamp, nonce, encrypted)?;
        Ok(self.decrypt(encrypted)?.msg)
    }

    /// URL verification: the plaintext a receiver must answer with (`echostr` already URL-decoded).
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.decrypt_verified(msg_signature, timestamp, nonce, echostr)
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }
}

/// A file an AI bot is sent (an image, a file, a video in a member's message): AES-256-CBC under the message's
/// own 32-byte `aeskey`, the IV its first 16 bytes, PKCS#7 to 32 as for callbacks, with no random prefix or
/// length (the SDKs' `download_file` decrypt exactly this).
pub fn encrypt_file(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    let pad = PAD_TO - data.len() % PAD_TO;
    let mut buf = Vec::with_capacity(data.len() + pad);
    buf.extend_from_slice(data);
    buf.resize(data.len() + pad, pad as u8);
    let n = buf.len();
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let cipher = Encryptor::new(key.into(), &iv.into());
    match cipher.encrypt_padded::<NoPadding>(&mut buf, n) {
        Ok(ct) => ct.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// Reverses [`encrypt_file`]; none when the length or the padding is wrong.
pub fn decrypt_file(key: &[u8; 32], data: &[u8]) -> Option<Vec<u8>> {
    let mut buf = data.to_vec();
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let plain = Decryptor::new(key.into(), &iv.into())
        .decrypt_padded::<NoPadding>(&mut buf)
        .ok()?;
    let pad = usize::from(*plain.last()?);
    if pad == 0 || pad > PAD_TO || pad > plain.len() {
        return None;
    }
    Some(plain[..plain.len() - pad].to_vec())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod vectors;
