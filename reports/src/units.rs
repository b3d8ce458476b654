//! Durations (`250ms`, `10s`, `2m`) and rates (`50/s`, `3000/m`) as scenarios write them.

use std::time::Duration;

/// A duration with a unit: `us`/`µs`, `ms`, `s`, `m`, `h`. A bare number is refused: `100` could mean anything.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("{t:?} needs a unit: {t}ms or {t}s"))?;
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{t:?} is not a duration (e.g. 250ms, 10s, 2m)"))?;
    let scale = match unit.trim() {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        u => {
            return Err(format!(
                "unknown unit {u:?} in {t:?} (use us, ms, s, m or h)"
            ))
        }
    };
    let secs = n * scale;
    if !secs.is_finite() || secs > 86_400.0 * 365.0 {
        return Err(format!("{t:?} is too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A rate per second: `50/s`, `3000/m`, `10/h`, or a bare number (per second).
pub fn rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (num, per) = t.split_once('/').unwrap_or((t, "s"));
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{t:?} is not a rate (e.g. 50/s, 3000/m)"))?;
    let per_s = match per.trim() {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        u => return Err(format!("unknown unit {u:?} in {t:?} (use /s, /m or /h)")),
    };
    let r = n / per_s;
    if !(0.0..=10_000_000.0).contains(&r) {
        return Err(format!("{t:?} is not a usable rate (0 to 10,000,000/s)"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(duration("40us"), Ok(Duration::from_micros(40)));
        assert!(duration("100").unwrap_err().contains("needs a unit"));
        assert!(duration("10 parsecs").is_err());
        assert!(duration("ms").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(rate("50/s"), Ok(50.0));
        assert_eq!(rate("50"), Ok(50.0));
        assert_eq!(rate("120/m"), Ok(2.0));
        assert!(rate("-1/s").is_err());
        assert!(rate("fast").is_err());
        assert!(rate("5/fortnight").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,20}") {
            let _ = duration(&s);
            let _ = rate(&s);
        }
    }
}
