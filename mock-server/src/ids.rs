//! Ids the mock makes up (tokens, msgids, media ids, chat ids): derived from the fixture's seed and a counter,
//! so the same seed and the same calls give the same ids, with no lock on the hot path.

use std::sync::atomic::{AtomicU64, Ordering};

const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub(crate) const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug)]
pub struct Ids {
    seed: u64,
    next: AtomicU64,
}

/// splitmix64: a full-period mix, good enough to make ids look random and stay reproducible.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` characters of `alphabet` that depend only on `key`: ids made up from the seed (generated customers).
pub(crate) fn derived(key: u64, n: usize, alphabet: &[u8]) -> String {
    let mut s = String::with_capacity(n);
    let mut state = mix(key);
    for i in 0..n {
        if i % 8 == 0 {
            state = mix(state);
        }
        s.push(alphabet[(state >> ((i % 8) * 8)) as usize % alphabet.len()] as char);
    }
    s
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids {
            seed,
            next: AtomicU64::new(1),
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    fn chars(&self, n: usize, alphabet: &[u8]) -> String {
        derived(self.seed ^ mix(self.next_seq()), n, alphabet)
    }

    /// An access token: 128 URL-safe characters (WeCom's are up to 512 bytes).
    pub fn token(&self) -> String {
        self.chars(128, URLSAFE)
    }

    /// A media id in WeCom's shape (`1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0`).
    pub fn media_id(&self) -> String {
        self.chars(44, URLSAFE)
    }

    pub fn chatid(&self) -> String {
        self.chars(19, ALNUM)
    }

    /// A kf account id in WeCom's shape (`wkaURZYgAASQW0XmsP-rwqA1BT0Si9QA`).
    pub fn open_kfid(&self) -> String {
        format!("wk{}", self.chars(30, URLSAFE))
    }

    /// A group send's msgid (`msgGCAAAXtWyujaWJHDDGi0mACas1w`).
    pub fn groupmsg_id(&self) -> String {
        format!("msg{}", self.chars(27, ALNUM))
    }

    /// A contact way's `config_id`: 32 hex digits.
    pub fn config_id(&self) -> String {
        self.chars(32, b"0123456789abcdef")
    }

    /// `n` lowercase hex digits (the ids inside WeCom's links).
    pub fn hex(&self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }

    /// The path of a picture on WeCom's image host, as WeCom's own look:
    /// `/wwpic/638423_eiQfriAYRAyYzRY_1625631158/0`.
    pub fn picture_path(&self, now_s: i64) -> String {
        let n = mix(self.seed ^ self.next_seq()) % 900_000 + 100_000;
        format!("/wwpic/{n}_{}_{now_s}/0", self.chars(15, ALNUM))
    }

    /// The 30 characters after `et` of a customer tag or tag group id.
    pub fn tag_id(&self) -> String {
        self.chars(30, ALNUM)
    }

    /// A `kf_msg_or_event` pull token (`ENC9caGvCfykSze56CxUi3AApuGDM8FVE8n2sAwZxj44J5W`).
    pub fn kf_token(&self) -> String {
        format!("ENC{}", self.chars(44, ALNUM))
    }

    /// A JS-SDK ticket, an OAuth code or a `user_ticket`: `n` URL-safe characters.
    pub fn opaque(&self, n: usize) -> String {
        self.chars(n, URLSAFE)
    }

    /// A member's `openid` (`oDjGHs-1yCnGrRovBj2yHij5JAAA`): the same for the same corp and userid.
    pub fn openid(&self, corpid: &str, userid: &str) -> String {
        // FNV-1a over both, so it needs no counter and survives a reset.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in corpid
            .bytes()
            .chain([0])
            .chain(userid.to_lowercase().bytes())
        {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        format!("o{}", derived(self.seed ^ h, 27, URLSAFE))
    }

    /// A `sync_msg` cursor: the log position with a check, so a made-up cursor is refused.
    pub fn cursor(&self, pos: u64) -> String {
        let tag = mix(self.seed ^ pos ^ 0x6375_7273_6f72) as u32;
        format!("{tag:08x}{pos:x}")
    }

    pub fn cursor_pos(&self, cursor: &str) -> Option<u64> {
        let pos = u64::from_str_radix(cursor.get(8..)?, 16).ok()?;
        (self.cursor(pos) == cursor).then_some(pos)
    }

    pub fn response_code(&self) -> String {
        self.chars(43, URLSAFE)
    }

    /// A message id that carries its own sequence number, so a recall finds it without an index:
    /// 8 hex digits of noise, then the sequence number as 16 hex digits.
    pub fn msgid(&self, seq: u64) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let tag = mix(self.seed ^ seq.rotate_left(17)) as u32;
        let mut s = String::with_capacity(24);
        for shift in (0..8).rev() {
            s.push(HEX[((tag >> (shift * 4)) & 0xf) as usize] as char);
        }
        for shift in (0..16).rev() {
            s.push(HEX[((seq >> (shift * 4)) & 0xf) as usize] as char);
        }
        s
    }
}

/// The sequence number inside a [`Ids::msgid`].
pub fn msgid_seq(msgid: &str) -> Option<u64> {
    if msgid.len() != 24 {
        return None;
    }
    u64::from_str_radix(msgid.get(8..)?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let (a, b) = (Ids::new(7), Ids::new(7));
        assert_eq!(a.token(), b.token());
        assert_eq!(a.media_id(), b.media_id());
        assert_ne!(a.token(), Ids::new(8).token());
        assert_eq!(a.token().len(), 128);
    }

    #[test]
    fn msgid_round_trips_its_seq() {
        let ids = Ids::new(1);
        for seq in [0, 1, 99, u64::MAX] {
            assert_eq!(msgid_seq(&ids.msgid(seq)), Some(seq));
        }
        assert!(ids.msgid(0x2a).ends_with("000000000000002a"));
        assert_eq!(msgid_seq("nope"), None);
        assert_eq!(msgid_seq("zzzzzzzzzzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let ids = Ids::new(3);
        for pos in [0, 1, 4096, u64::MAX] {
            assert_eq!(ids.cursor_pos(&ids.cursor(pos)), Some(pos));
        }
        assert_eq!(ids.cursor_pos("000000001"), None);
        assert_eq!(ids.cursor_pos("短"), None);
        assert_eq!(Ids::new(4).cursor_pos(&ids.cursor(7)), None);
    }
}
