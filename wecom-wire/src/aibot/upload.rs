//! The long connection's chunked upload: `init` names the file, each `chunk` (indexed from 0, in any order, a
//! repeat harmless) carries up to 512 KiB in base64, `finish` gives a media_id valid 3 days. The raw bodies are
//! read permissively (each SDK adds fields of its own) and checked here against WeCom's limits.

use base64::Engine;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::Value;

use super::{refusal, Refusal};
use crate::media::MediaType;
use crate::Errcode;

/// Bytes of one chunk, decoded.
pub const MAX_CHUNK_BYTES: usize = 512 * 1024;
/// Chunks of one upload.
pub const MAX_CHUNKS: usize = 100;
/// A file smaller than this is refused (WeCom's media minimum for this API).
pub const MIN_TOTAL_BYTES: usize = 5;
pub const MAX_FILENAME_BYTES: usize = 256;
/// An upload not finished within this is forgotten.
pub const SESSION_TTL_MS: i64 = 30 * 60 * 1000;

/// The largest file of each type: images and voice 2 MB, video 10 MB, other files 20 MB.
pub fn max_bytes(kind: MediaType) -> usize {
    match kind {
        MediaType::Image | MediaType::Voice => 2 * 1024 * 1024,
        MediaType::Video => 10 * 1024 * 1024,
        MediaType::File => 20 * 1024 * 1024,
    }
}

const BAD_TYPE: Refusal = refusal(Errcode::INVALID_TYPE, "invalid media type");
const BAD_SIZE: Refusal = refusal(Errcode::INVALID_FILE_SIZE, "invalid file size");
/// An `upload_id` that names no upload under way (unknown, finished, or past its 30 minutes).
pub const UNKNOWN_UPLOAD: Refusal = refusal(Errcode::INVALID_PARAMETER, "invalid upload_id");
/// `finish` before every chunk came.
pub const MISSING_CHUNKS: Refusal = refusal(Errcode::INVALID_PARAMETER, "chunks missing");
/// `finish` with a file whose md5 is not the one `init` gave.
pub const MD5_MISMATCH: Refusal = refusal(Errcode::INVALID_PARAMETER, "md5 mismatch");
/// The chunks add up to another size than `init` gave.
pub const SIZE_MISMATCH: Refusal = refusal(Errcode::INVALID_FILE_SIZE, "total_size mismatch");

fn bad(what: &'static str) -> Refusal {
    refusal(Errcode::INVALID_PARAMETER, what)
}

#[derive(Deserialize)]
struct RawInit {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    filename: String,
    #[serde(default)]
    total_size: u64,
    #[serde(default)]
    total_chunks: u64,
    #[serde(default)]
    md5: Option<String>,
}

/// `aibot_upload_media_init`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Init {
    pub kind: MediaType,
    pub filename: String,
    pub total_size: usize,
    pub total_chunks: usize,
    /// Lowercase hex, when given.
    pub md5: Option<String>,
}

impl Init {
    pub fn check(body: &Value) -> Result<Init, Refusal> {
        let raw: RawInit =
            serde_json::from_value(body.clone()).map_err(|_| bad("invalid upload init"))?;
        let kind = MediaType::parse(&raw.kind).ok_or(BAD_TYPE)?;
        if raw.filename.is_empty() || raw.filename.len() > MAX_FILENAME_BYTES {
            return Err(bad("filename must be 1-256 bytes"));
        }
        let total_size = usize::try_from(raw.total_size).map_err(|_| BAD_SIZE)?;
        if !(MIN_TOTAL_BYTES..=max_bytes(kind)).contains(&total_size) {
            return Err(BAD_SIZE);
        }
        let total_chunks = usize::try_from(raw.total_chunks).unwrap_or(usize::MAX);
        if !(1..=MAX_CHUNKS).contains(&total_chunks)
            || total_chunks.saturating_mul(MAX_CHUNK_BYTES) < total_size
        {
            return Err(bad("total_chunks must be 1-100 and hold total_size"));
        }
        let md5 = match raw.md5 {
            Some(m) if m.len() == 32 && m.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(m.to_ascii_lowercase())
            }
            Some(m) if m.is_empty() => None,
            Some(_) => return Err(bad("md5 must be 32 hex digits")),
            None => None,
        };
        Ok(Init {
            kind,
            filename: raw.filename,
            total_size,
            total_chunks,
            md5,
        })
    }

    /// Whether `data`, the chunks put together, is the file this init announced.
    pub fn matches(&self, data: &[u8]) -> Result<(), Refusal> {
        if data.len() != self.total_size {
            return Err(SIZE_MISMATCH);
        }
        match &self.md5 {
            Some(want) if *want != hex::encode(Md5::digest(data)) => Err(MD5_MISMATCH),
            _ => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct RawChunk {
    #[serde(default)]
    upload_id: String,
    #[serde(default)]
    chunk_index: Option<u64>,
    #[serde(default)]
    base64_data: String,
}

/// `aibot_upload_media_chunk`, decoded; its index is checked against its upload by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub upload_id: String,
    pub index: usize,
    pub data: Vec<u8>,
}

impl Chunk {
    pub fn check(body: &Value) -> Result<Chunk, Refusal> {
        let raw: RawChunk =
            serde_json::from_value(body.clone()).map_err(|_| bad("invalid upload chunk"))?;
        let index = raw
            .chunk_index
            .and_then(|i| usize::try_from(i).ok())
            .ok_or(bad("chunk_index missing"))?;
        // Decoded length is at most 3/4 of the text: a chunk far over the limit is refused unread.
        if raw.base64_data.len() / 4 * 3 > MAX_CHUNK_BYTES + 3 {
            return Err(BAD_SIZE);
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(raw.base64_data.as_bytes())
            .map_err(|_| bad("base64_data is not base64"))?;
        if data.is_empty() || data.len() > MAX_CHUNK_BYTES {
            return Err(BAD_SIZE);
        }
        Ok(Chunk {
            upload_id: raw.upload_id,
            index,
            data,
        })
    }
}

/// The `upload_id` of a `finish` (the third-party SDK also sends the filename and type, which WeCom ignores).
pub fn finish_id(body: &Value) -> Result<&str, Refusal> {
    body.get("upload_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(UNKNOWN_UPLOAD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn init(body: Value) -> Result<Init, Refusal> {
        Init::check(&body)
    }

    /// What Node's uploadMedia sent on loopback, and the third party's extra fields, are taken.
    #[test]
    fn the_sdks_bodies_are_taken() {
        let i = init(
            json!({"type": "file", "filename": "a.bin", "total_size": 1_200_000,
            "total_chunks": 3, "md5": "0CC175B9C0F1B6A831C399E269772661"}),
        )
        .unwrap();
        assert_eq!(i.kind, MediaType::File);
        assert_eq!(i.md5.as_deref(), Some("0cc175b9c0f1b6a831c399e269772661"));
        let c = Chunk::check(
            &json!({"upload_id": "u1", "chunk_index": 0, "base64_data": "aGVsbG8=",
            "total_chunks": 3}),
        )
        .unwrap();
        assert_eq!((c.index, c.data.as_slice()), (0, &b"hello"[..]));
        assert_eq!(
            finish_id(&json!({"upload_id": "u1", "filename": "a", "media_type": "file"})),
            Ok("u1")
        );
    }

    #[test]
    fn every_limit_is_refused_at_its_edge() {
        let ok = json!({"type": "image", "filename": "a.png", "total_size": 5, "total_chunks": 1});
        assert!(init(ok.clone()).is_ok());
        let with = |k: &str, v: Value| {
            let mut b = ok.clone();
            b[k] = v;
            init(b)
        };
        assert_eq!(with("total_size", json!(4)), Err(BAD_SIZE));
        assert_eq!(
            with("total_size", json!(2 * 1024 * 1024 + 1)),
            Err(BAD_SIZE)
        );
        assert_eq!(with("type", json!("gif")), Err(BAD_TYPE));
        assert!(with("filename", json!("x".repeat(256))).is_ok());
        assert!(with("filename", json!("x".repeat(257))).is_err());
        assert!(with("total_chunks", json!(0)).is_err());
        assert!(with("total_chunks", json!(101)).is_err());
        assert!(with("md5", json!("xyz")).is_err());
        let big =
            json!({"type": "file", "filename": "a", "total_size": 1_048_577, "total_chunks": 2});
        assert!(init(big).is_err(), "2 chunks cannot hold 1 MiB + 1");
        let chunk = |n: usize| {
            let data = base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
            Chunk::check(&json!({"upload_id": "u", "chunk_index": 0, "base64_data": data}))
        };
        assert!(chunk(MAX_CHUNK_BYTES).is_ok());
        assert_eq!(chunk(MAX_CHUNK_BYTES + 1), Err(BAD_SIZE));
        assert!(Chunk::check(&json!({"upload_id": "u", "base64_data": "aGk="})).is_err());
    }

    #[test]
    fn finish_checks_size_and_md5() {
        let i = init(
            json!({"type": "file", "filename": "a", "total_size": 5, "total_chunks": 1,
            "md5": "5d41402abc4b2a76b9719d911017c592"}),
        )
        .unwrap();
        assert_eq!(i.matches(b"hello"), Ok(()));
        assert_eq!(i.matches(b"hellp"), Err(MD5_MISMATCH));
        assert_eq!(i.matches(b"hell"), Err(SIZE_MISMATCH));
    }
}
