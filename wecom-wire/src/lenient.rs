//! Numbers as WeCom reads them: SDKs send some integers as JSON strings (silenceper sends `agentid` as
//! `"1000002"`) and WeCom accepts them, so these fields take a number or a string of digits.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string of digits")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("integer out of range"))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<i64, E> {
        Ok(i64::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// `#[serde(deserialize_with = "lenient::int")]` for a required integer.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)
}

/// `#[serde(default, deserialize_with = "lenient::opt_int")]` for an optional integer (`null` = absent).
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, a string of digits or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(IntVisitor).map(Some)
        }
    }
    d.deserialize_option(OptVisitor)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "super::opt_int")]
        n: Option<i64>,
    }

    fn parse(s: &str) -> Option<Option<i64>> {
        serde_json::from_str::<T>(s).ok().map(|t| t.n)
    }

    #[test]
    fn takes_numbers_and_digit_strings() {
        assert_eq!(parse(r#"{"n":1000002}"#), Some(Some(1_000_002)));
        assert_eq!(parse(r#"{"n":"1000002"}"#), Some(Some(1_000_002)));
        assert_eq!(parse(r#"{"n":null}"#), Some(None));
        assert_eq!(parse(r#"{}"#), Some(None));
        assert_eq!(parse(r#"{"n":"abc"}"#), None);
        assert_eq!(parse(r#"{"n":[1]}"#), None);
        assert_eq!(parse(r#"{"n":18446744073709551615}"#), None);
    }
}
