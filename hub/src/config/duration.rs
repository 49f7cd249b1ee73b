//! `HumanDuration`: durations written as people write them in config (`"0s"`, `"50ms"`,
//! `"5m"`, `"1h30m"`, `"2d"`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written as one or more `<integer><unit>` parts, unit one of `ms`, `s`, `m`, `h`,
/// `d`: `"5s"`, `"30m"`, `"1h30m"`. `"0"` alone is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(Duration);

impl HumanDuration {
    pub const fn from_secs(seconds: u64) -> Self {
        Self(Duration::from_secs(seconds))
    }

    pub const fn from_millis(millis: u64) -> Self {
        Self(Duration::from_millis(millis))
    }

    pub fn get(self) -> Duration {
        self.0
    }

    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if text == "0" {
            return Ok(Self(Duration::ZERO));
        }
        let rule = || {
            format!(
                "`{input}` is not a duration: write e.g. \"0s\", \"500ms\", \"5s\", \"5m\", \"2h\", \"1h30m\""
            )
        };
        if text.is_empty() {
            return Err(rule());
        }
        let mut total = Duration::ZERO;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            let unit_len = rest[digits..].find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len() - digits);
            let (number, unit) = (&rest[..digits], &rest[digits..digits + unit_len]);
            let value: u64 = number.parse().map_err(|_| rule())?;
            let part = match unit {
                "ms" => Duration::from_millis(value),
                "s" => Duration::from_secs(value),
                "m" => Duration::from_secs(value.checked_mul(60).ok_or_else(rule)?),
                "h" => Duration::from_secs(value.checked_mul(3600).ok_or_else(rule)?),
                "d" => Duration::from_secs(value.checked_mul(86_400).ok_or_else(rule)?),
                _ => return Err(rule()),
            };
            total = total.checked_add(part).ok_or_else(rule)?;
            rest = &rest[digits + unit_len..];
        }
        Ok(Self(total))
    }
}

impl From<HumanDuration> for Duration {
    fn from(value: HumanDuration) -> Self {
        value.0
    }
}

impl fmt::Display for HumanDuration {
    /// The shortest exact form: `0s`, `250ms`, `5s`, `5m`, `2h`, `1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis == 0 {
            return f.write_str("0s");
        }
        let mut rest = millis;
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        let cases = [
            ("0", 0),
            ("0s", 0),
            ("50ms", 50),
            ("5s", 5_000),
            ("5m", 300_000),
            ("2h", 7_200_000),
            ("1d", 86_400_000),
            ("1h30m", 5_400_000),
        ];
        for (text, millis) in cases {
            assert_eq!(HumanDuration::parse(text), Ok(HumanDuration::from_millis(millis)), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for text in ["", "5", "s", "5 min", "1.5h", "-5s", "5x"] {
            let error = HumanDuration::parse(text).unwrap_err();
            assert!(error.contains("is not a duration"), "{text}: {error}");
        }
    }

    #[test]
    fn displays_the_shortest_exact_form_and_round_trips() {
        for text in ["0s", "250ms", "5s", "5m", "2h", "1h30m", "1d"] {
            assert_eq!(HumanDuration::parse(text).unwrap().to_string(), text);
        }
    }
}
