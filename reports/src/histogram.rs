//! Latency histograms as they travel in a report: HdrHistogram's V2 format, DEFLATE-compressed and base64'd
//! (the `HISTFAAA…` strings other HdrHistogram tools read), with the headline figures beside it for readers that
//! do not decode it. The blob is the truth; the figures are derived from it when written.

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// The highest latency a histogram holds, in µs (one hour); higher values are clamped to it.
pub const MAX_US: u64 = 3_600_000_000;
/// Significant digits kept.
pub const SIGFIG: u8 = 3;

/// A new empty latency histogram: 1 µs to [`MAX_US`], 3 significant digits.
#[allow(
    clippy::expect_used,
    reason = "the bounds are constants that hdrhistogram accepts"
)]
pub fn new() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, SIGFIG).expect("valid histogram bounds")
}

/// Records `us`, clamped into the histogram's range, so no sample is ever refused.
pub fn record(h: &mut Histogram<u64>, us: u64) {
    let _ = h.record(us.clamp(1, MAX_US));
}

#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    #[error("not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("not an HdrHistogram V2 blob: {0}")]
    Decode(String),
    #[error("the histogram holds {decoded} samples but says n = {said}")]
    Count { said: u64, decoded: u64 },
    #[error("{field} says {said} but the histogram says {decoded}")]
    Figure {
        field: &'static str,
        said: String,
        decoded: String,
    },
}

/// HdrHistogram's V2 cookies, plain and DEFLATE-compressed (the base values with the word-size bits 0x10).
const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
const V2_DEFLATE_COOKIE: u32 = 0x1c84_9304 | 0x10;
/// The plain V2 header: cookie, payload length, offset, digits, lowest, highest, ratio.
const V2_HEADER_BYTES: usize = 40;
/// No histogram of ours inflates to more (1 µs–1 h at 3 digits is ~190 KiB of counts at most, and V2 packs them).
const MAX_INFLATED_BYTES: u64 = 16 * 1024 * 1024;

/// The plain V2 bytes of a blob, checked so that a hand-edited header cannot make the decoder allocate what the
/// blob does not hold.
fn plain_v2(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, HistogramError> {
    let bad = |why: &str| HistogramError::Decode(why.to_owned());
    let word = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let plain: std::borrow::Cow<[u8]> = match word(bytes, 0) {
        Some(V2_COOKIE) => bytes.into(),
        Some(V2_DEFLATE_COOKIE) => {
            let len = word(bytes, 4).ok_or_else(|| bad("no compressed length"))? as usize;
            let zipped = bytes
                .get(8..8 + len)
                .ok_or_else(|| bad("the compressed length is past the end"))?;
            let mut out = Vec::new();
            let mut inflate = std::io::Read::take(
                flate2::read::ZlibDecoder::new(zipped),
                MAX_INFLATED_BYTES + 1,
            );
            std::io::Read::read_to_end(&mut inflate, &mut out)
                .map_err(|e| bad(&format!("does not inflate: {e}")))?;
            if out.len() as u64 > MAX_INFLATED_BYTES {
                return Err(bad("inflates to more than any histogram holds"));
            }
            out.into()
        }
        _ => return Err(bad("not a V2 cookie")),
    };
    if word(&plain, 0) != Some(V2_COOKIE) {
        return Err(bad("the compressed blob does not hold a V2 histogram"));
    }
    let payload = word(&plain, 4).ok_or_else(|| bad("a header cut short"))? as usize;
    if plain.len() < V2_HEADER_BYTES || payload > plain.len() - V2_HEADER_BYTES {
        return Err(bad("the header says more payload than the blob holds"));
    }
    Ok(plain)
}

/// The serialized form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoded {
    pub n: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    /// HdrHistogram V2 + DEFLATE, base64 (standard alphabet, padded).
    pub hdr: String,
}

impl Encoded {
    #[allow(
        clippy::expect_used,
        reason = "writing to a Vec fails only on a histogram the crate itself could not have built"
    )]
    pub fn from_histogram(h: &Histogram<u64>) -> Encoded {
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(h, &mut bytes)
            .expect("serializing a histogram into memory");
        let q = |q: f64| {
            if h.is_empty() {
                0
            } else {
                h.value_at_quantile(q)
            }
        };
        Encoded {
            n: h.len(),
            min_us: if h.is_empty() { 0 } else { h.min() },
            mean_us: if h.is_empty() { 0.0 } else { h.mean() },
            p50_us: q(0.5),
            p90_us: q(0.9),
            p99_us: q(0.99),
            p999_us: q(0.999),
            max_us: if h.is_empty() { 0 } else { h.max() },
            hdr: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The histogram back, checked against every figure written beside it (a hand edit shows here).
    pub fn decode(&self) -> Result<Histogram<u64>, HistogramError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(&self.hdr)?;
        let plain = plain_v2(&bytes)?;
        let mut h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut plain.as_ref())
            .map_err(|e| HistogramError::Decode(format!("{e:?}")))?;
        h.auto(true);
        if h.len() != self.n {
            return Err(HistogramError::Count {
                said: self.n,
                decoded: h.len(),
            });
        }
        let again = Encoded::from_histogram(&h);
        let figures = [
            ("min_us", self.min_us, again.min_us),
            ("p50_us", self.p50_us, again.p50_us),
            ("p90_us", self.p90_us, again.p90_us),
            ("p99_us", self.p99_us, again.p99_us),
            ("p999_us", self.p999_us, again.p999_us),
            ("max_us", self.max_us, again.max_us),
        ];
        for (field, said, decoded) in figures {
            if said != decoded {
                return Err(HistogramError::Figure {
                    field,
                    said: said.to_string(),
                    decoded: decoded.to_string(),
                });
            }
        }
        if (self.mean_us - again.mean_us).abs() > 1e-6 * again.mean_us.abs().max(1.0) {
            return Err(HistogramError::Figure {
                field: "mean_us",
                said: self.mean_us.to_string(),
                decoded: again.mean_us.to_string(),
            });
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn encoding_is_lossless(samples in proptest::collection::vec(1u64..10_000_000, 0..500)) {
            let mut h = new();
            for s in &samples {
                record(&mut h, *s);
            }
            let back = Encoded::from_histogram(&h).decode().unwrap();
            prop_assert_eq!(back.len(), h.len());
            for v in h.iter_recorded() {
                prop_assert_eq!(back.count_at(v.value_iterated_to()), v.count_at_value());
            }
            prop_assert_eq!(back, h);
        }
    }

    #[test]
    fn a_count_that_does_not_match_is_refused() {
        let mut h = new();
        record(&mut h, 5);
        let mut e = Encoded::from_histogram(&h);
        e.n = 2;
        assert!(matches!(
            e.decode(),
            Err(HistogramError::Count {
                said: 2,
                decoded: 1
            })
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let e = Encoded {
            hdr: "bm90IGEgaGlzdG9ncmFt".into(),
            ..Encoded::from_histogram(&new())
        };
        assert!(matches!(e.decode(), Err(HistogramError::Decode(_))));
        let e = Encoded {
            hdr: "***".into(),
            ..Encoded::from_histogram(&new())
        };
        assert!(matches!(e.decode(), Err(HistogramError::Base64(_))));
    }

    #[test]
    fn an_edited_figure_is_refused() {
        let mut h = new();
        record(&mut h, 2_480);
        let mut e = Encoded::from_histogram(&h);
        e.p99_us = 1;
        assert!(matches!(
            e.decode(),
            Err(HistogramError::Figure {
                field: "p99_us",
                ..
            })
        ));
    }

    #[test]
    fn a_header_that_claims_gigabytes_is_refused_cheaply() {
        // A plain V2 header saying 0xFFFFFFF0 bytes of payload follow, and none do.
        let mut blob = Vec::new();
        blob.extend_from_slice(&V2_COOKIE.to_be_bytes());
        blob.extend_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        blob.extend_from_slice(&[0; 32]);
        let e = Encoded {
            hdr: base64::engine::general_purpose::STANDARD.encode(&blob),
            ..Encoded::from_histogram(&new())
        };
        assert!(matches!(e.decode(), Err(HistogramError::Decode(m)) if m.contains("more payload")));
    }

    #[test]
    fn out_of_range_samples_are_clamped_not_lost() {
        let mut h = new();
        record(&mut h, 0);
        record(&mut h, u64::MAX);
        assert_eq!(h.len(), 2);
        assert_eq!(h.min(), 1);
        assert!(h.max() >= MAX_US);
    }
}
