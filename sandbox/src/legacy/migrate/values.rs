//! Legacy values as the contracts want them: MySQL datetimes as UTC instants (zero dates as
//! absent), Magento's `decimal(12,4)` as the contracts' decimal strings, provider names as slugs.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::super::columns::is_zero_date;

/// A MySQL `DATETIME` (`YYYY-MM-DD HH:MM:SS`, UTC, as the exports write it) or an RFC 3339
/// instant; `None` when empty, a zero date or unreadable.
pub fn instant(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if value.is_empty() || is_zero_date(value) {
        return None;
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S")
        .map(|naive| naive.and_utc())
        .ok()
        .or_else(|| DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).ok())
}

/// An ISO date (Magento may append a time); `None` when empty, a zero date or not a real date.
pub fn date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if is_zero_date(value) {
        return None;
    }
    NaiveDate::parse_from_str(value.get(..10).unwrap_or(value), "%Y-%m-%d").ok()
}

/// A decimal amount as ten-thousandths (Magento keeps 4 places), e.g. `49.0000` -> 490000.
pub fn ten_thousandths(value: &str) -> Option<i64> {
    let value = value.trim();
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > 4
        || !all_digits(whole)
        || !all_digits(fraction)
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<4}").parse().ok()?;
    let amount = whole * 10_000 + fraction;
    Some(if negative { -amount } else { amount })
}

/// Ten-thousandths as the contracts' amount: two places at least, four at most, no leading
/// zeros (`490000` -> `49.00`, `12345` -> `1.2345`).
pub fn amount_text(ten_thousandths: i64) -> String {
    let sign = if ten_thousandths < 0 { "-" } else { "" };
    let magnitude = ten_thousandths.unsigned_abs();
    let mut fraction = format!("{:04}", magnitude % 10_000);
    while fraction.len() > 2 && fraction.ends_with('0') {
        fraction.pop();
    }
    format!("{sign}{}.{fraction}", magnitude / 10_000)
}

/// A course provider's name as the contract's slug (`Acrobatiq` -> `acrobatiq`); `None` for
/// the platform itself (empty or `platform`).
pub fn provider_slug(value: &str) -> Option<String> {
    let lower = value.trim().to_lowercase();
    if lower.is_empty() || lower == "platform" {
        return None;
    }
    let mut slug: String = lower
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' { c } else { '-' })
        .collect();
    slug = slug.trim_matches('-').chars().take(64).collect();
    // The contract's slug starts with a letter; a name that gives none is still someone else's.
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug = format!("p-{slug}").chars().take(64).collect();
    }
    Some(slug)
}

/// Magento's street column (lines separated by newlines) as at most four lines, the
/// contract's limit: lines past the third are joined into the fourth.
pub fn street_lines(value: &str) -> Vec<String> {
    let lines: Vec<&str> = value.lines().map(str::trim_end).filter(|line| !line.trim().is_empty()).collect();
    if lines.len() <= 4 {
        return lines.into_iter().map(str::to_owned).collect();
    }
    let mut kept: Vec<String> = lines[..3].iter().map(|line| (*line).to_owned()).collect();
    kept.push(lines[3..].join(", "));
    kept
}

/// `value` trimmed, or `None` when nothing is left.
pub fn present(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_read_mysql_text_and_zero_dates_are_absent() {
        assert_eq!(
            instant("2019-03-04 05:06:07").map(|t| t.to_rfc3339()),
            Some("2019-03-04T05:06:07+00:00".into())
        );
        assert_eq!(instant("0000-00-00 00:00:00"), None);
        assert_eq!(instant("31/12/2019"), None);
        assert_eq!(date("1985-02-30"), None);
        assert_eq!(date("1985-02-03 00:00:00"), NaiveDate::from_ymd_opt(1985, 2, 3));
    }

    #[test]
    fn amounts_keep_every_digit_and_drop_trailing_zeros_to_two_places() {
        assert_eq!(ten_thousandths("49.0000").map(amount_text), Some("49.00".into()));
        assert_eq!(ten_thousandths("0.0000").map(amount_text), Some("0.00".into()));
        assert_eq!(ten_thousandths("-12.5").map(amount_text), Some("-12.50".into()));
        assert_eq!(ten_thousandths("1.2345").map(amount_text), Some("1.2345".into()));
        assert_eq!(ten_thousandths("12,50"), None);
        assert_eq!(ten_thousandths("1e3"), None);
    }

    #[test]
    fn providers_become_slugs_and_the_platform_none() {
        assert_eq!(provider_slug("Acrobatiq"), Some("acrobatiq".into()));
        assert_eq!(provider_slug("Open edX Partners"), Some("open-edx-partners".into()));
        assert_eq!(provider_slug("42 Learning"), Some("p-42-learning".into()));
        assert_eq!(provider_slug(" platform "), None);
    }

    #[test]
    fn streets_keep_four_lines_at_most() {
        assert_eq!(street_lines("1 Main St\nApt 2"), vec!["1 Main St", "Apt 2"]);
        assert_eq!(street_lines("a\nb\nc\nd\ne").last().map(String::as_str), Some("d, e"));
        assert!(street_lines("").is_empty());
    }
}
