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
pub fn new() -> Histogram<u64> {
    // The bounds are constants that hdrhistogram accepts.
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
}

/// The serialized form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub fn from_histogram(h: &Histogram<u64>) -> Encoded {
        let mut bytes = Vec::new();
        // Writing to a Vec fails only on a histogram the crate itself could not have built.
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

    /// The histogram back, checked against the count written beside it (a hand edit shows here).
    pub fn decode(&self) -> Result<Histogram<u64>, HistogramError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(&self.hdr)?;
        let mut h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| HistogramError::Decode(format!("{e:?}")))?;
        h.auto(true);
        if h.len() != self.n {
            return Err(HistogramError::Count {
                said: self.n,
                decoded: h.len(),
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
    fn out_of_range_samples_are_clamped_not_lost() {
        let mut h = new();
        record(&mut h, 0);
        record(&mut h, u64::MAX);
        assert_eq!(h.len(), 2);
        assert_eq!(h.min(), 1);
        assert!(h.max() >= MAX_US);
    }
}
