//! Ids of generated customers that carry their own number: a keyed permutation of (number, key) written in
//! letters and digits, with a check, so `external_userid → index` needs no map and a made-up id decodes to nothing.

use crate::ids::{derived, mix, ALNUM};

/// Base-62 digits that hold one `u64` (62^11 > 2^64).
const HALF_CHARS: usize = 11;
/// The two halves of the permuted block.
const BLOCK_CHARS: usize = 2 * HALF_CHARS;
const N_ROUNDS: u64 = 4;

/// One Feistel round's function: the key picks a different mix per round.
fn round(key: u64, r: u64, x: u64) -> u64 {
    mix(x ^ key.rotate_left(13 * r as u32 + 7) ^ r)
}

fn permute(key: u64, n: u64) -> (u64, u64) {
    let (mut l, mut r) = (n, key);
    for i in 0..N_ROUNDS {
        (l, r) = (r, l ^ round(key, i, r));
    }
    (l, r)
}

fn unpermute(key: u64, (mut l, mut r): (u64, u64)) -> (u64, u64) {
    for i in (0..N_ROUNDS).rev() {
        (l, r) = (r ^ round(key, i, l), l);
    }
    (l, r)
}

fn push_base62(out: &mut String, mut v: u64) {
    let mut digits = [0u8; HALF_CHARS];
    for d in digits.iter_mut().rev() {
        *d = ALNUM[(v % 62) as usize];
        v /= 62;
    }
    out.extend(digits.iter().map(|&b| b as char));
}

fn read_base62(s: &[u8]) -> Option<u64> {
    s.iter().try_fold(0u64, |acc, &b| {
        let d = ALNUM.iter().position(|&a| a == b)? as u64;
        acc.checked_mul(62)?.checked_add(d)
    })
}

/// The check characters after the block: they depend on the whole block.
fn check(block: (u64, u64), n_chars: usize) -> String {
    derived(mix(block.0 ^ block.1.rotate_left(32)), n_chars, ALNUM)
}

/// `n_chars` (at least 22) letters and digits that stand for number `n` under `key`.
pub fn encode(key: u64, n: u64, n_chars: usize) -> String {
    let block = permute(key, n);
    let mut s = String::with_capacity(n_chars);
    push_base62(&mut s, block.0);
    push_base62(&mut s, block.1);
    s.push_str(&check(block, n_chars.saturating_sub(BLOCK_CHARS)));
    s
}

/// The number `s` stands for under `key`, if it is one [`encode`] makes with `n_chars`.
pub fn decode(key: u64, s: &str, n_chars: usize) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != n_chars || n_chars < BLOCK_CHARS {
        return None;
    }
    let block = (
        read_base62(&b[..HALF_CHARS])?,
        read_base62(&b[HALF_CHARS..BLOCK_CHARS])?,
    );
    if check(block, n_chars - BLOCK_CHARS).as_bytes() != &b[BLOCK_CHARS..] {
        return None;
    }
    let (n, k) = unpermute(key, block);
    (k == key).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_number_round_trips(key: u64, n: u64, n_chars in 22usize..40) {
            let s = encode(key, n, n_chars);
            prop_assert_eq!(s.len(), n_chars);
            prop_assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
            prop_assert_eq!(decode(key, &s, n_chars), Some(n));
        }

        #[test]
        fn another_key_or_a_changed_character_decodes_to_nothing(
            key: u64, other: u64, n: u64, at in 0usize..30, c in "[A-Za-z0-9]",
        ) {
            let s = encode(key, n, 30);
            if other != key {
                prop_assert_eq!(decode(other, &s, 30), None);
            }
            let mut changed = s.clone();
            changed.replace_range(at..at + 1, &c);
            if changed != s {
                prop_assert_eq!(decode(key, &changed, 30), None);
            }
        }

        #[test]
        fn made_up_ids_decode_to_nothing(key: u64, s in "[A-Za-z0-9]{30}") {
            prop_assert_eq!(decode(key, &s, 30), None);
        }
    }

    #[test]
    fn wrong_lengths_and_characters_are_refused() {
        let s = encode(5, 42, 30);
        assert_eq!(decode(5, &s[..29], 30), None);
        assert_eq!(decode(5, &format!("{s}A"), 30), None);
        assert_eq!(decode(5, &s.replacen(&s[..1], "-", 1), 30), None);
        assert_eq!(decode(5, "短", 30), None);
        assert_eq!(decode(5, &"z".repeat(30), 30), None, "past u64 in base 62");
    }
}
