//! Ids the mock makes up (tokens, msgids, media ids, chat ids): derived from the fixture's seed and a counter,
//! so the same seed and the same calls give the same ids, with no lock on the hot path.

use std::sync::atomic::{AtomicU64, Ordering};

const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

#[derive(Debug)]
pub struct Ids {
    seed: u64,
    next: AtomicU64,
}

/// splitmix64: a full-period mix, good enough to make ids look random and stay reproducible.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
        let seq = self.next_seq();
        let mut s = String::with_capacity(n);
        let mut state = mix(self.seed ^ mix(seq));
        for i in 0..n {
            if i % 8 == 0 {
                state = mix(state);
            }
            s.push(alphabet[(state >> ((i % 8) * 8)) as usize % alphabet.len()] as char);
        }
        s
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
}
