//! Consistent pseudonyms for the personal data in profiled samples. A value's pseudonym is
//! derived with HMAC-SHA256 under the profile's key from the value itself (lowercased), so the
//! same email or name gets the same pseudonym in every file and row. Pseudonyms keep the
//! value's shape (length, letter case, digits, punctuation, script, line breaks), because the
//! shape is what makes the edge case: a too-long or mixed-case email, an RTL name, a
//! multi-line street must still be one after anonymization for the replay to use it.

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::columns::is_zero_date;

/// What happens to one column in a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRule {
    /// Not personal (codes, flags, ids, non-birth dates): copied.
    Keep,
    /// A secret: emptied, never written anywhere.
    Drop,
    Email,
    Name,
    DateOfBirth,
    /// Personal free text (street, city, phone, tax ids) and any column we do not know.
    Text,
}

/// The rule for a column, by name. Unknown columns are treated as personal text: a custom
/// attribute we have never seen may hold anything.
pub fn column_rule(column: &str) -> ColumnRule {
    match column {
        // `confirmation` is Magento's email-confirmation key: a token like rp_token.
        "password_hash" | "rp_token" | "rp_token_created_at" | "password" | "confirmation" => {
            ColumnRule::Drop
        }
        "email" | "_email" | "customer_email" => ColumnRule::Email,
        "firstname" | "lastname" | "middlename" | "prefix" | "suffix" => ColumnRule::Name,
        "dob" => ColumnRule::DateOfBirth,
        "_website"
        | "_store"
        | "created_at"
        | "created_in"
        | "disable_auto_group_change"
        | "gender"
        | "group_id"
        | "store_id"
        | "website_id"
        | "updated_at"
        | "entity_id"
        | "last_login_at"
        | "partner_code"
        | "merged_into"
        | "gdpr_erased_at"
        | "_entity_id"
        | "country_id"
        | "region"
        | "region_id"
        | "vat_is_valid"
        | "vat_request_date"
        | "vat_request_success"
        | "_address_default_billing_"
        | "_address_default_shipping_"
        | "enrollment_id"
        | "customer_id"
        | "website_code"
        | "course_sku"
        | "bundle_sku"
        | "bundle_name"
        | "status"
        | "enrolled_at"
        | "expires_at"
        | "price"
        | "currency_code"
        | "payment_method"
        | "course_provider"
        | "increment_id" => ColumnRule::Keep,
        _ => ColumnRule::Text,
    }
}

/// Keyed, consistent pseudonyms.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: [redacted] }")
    }
}

impl Pseudonymizer {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// `value` as column rule `rule` writes it into a sample.
    pub fn apply(&self, rule: ColumnRule, value: &str) -> String {
        match rule {
            ColumnRule::Keep => value.to_owned(),
            ColumnRule::Drop => String::new(),
            ColumnRule::Email => self.email(value),
            ColumnRule::Name => self.text("name", value),
            ColumnRule::DateOfBirth => self.date_of_birth(value),
            ColumnRule::Text => self.text("text", value),
        }
    }

    /// An email's pseudonym; the top-level label stays (a `.test` domain is an edge case, and a
    /// TLD names no one).
    pub fn email(&self, value: &str) -> String {
        let cut = value.rfind('.').filter(|dot| value[..*dot].contains('@') || !value.contains('@'));
        match cut {
            Some(dot) => {
                let mapped = self.text("email", &value[..dot]);
                format!("{mapped}{}", &value[dot..])
            }
            None => self.text("email", value),
        }
    }

    /// A birth date's pseudonym: same year (the edge cases are about the year), another day.
    /// Zero dates stay; an invalid ISO date stays invalid.
    pub fn date_of_birth(&self, value: &str) -> String {
        if value.trim().is_empty() || is_zero_date(value) {
            return value.to_owned();
        }
        let bytes = self.bytes("dob", value, 2);
        match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(date) => format!("{:04}-{:02}-{:02}", date.year(), 1 + bytes[0] % 12, 1 + bytes[1] % 28),
            Err(_) if value.len() == 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-' => {
                format!("{}-02-30", &value[..4])
            }
            Err(_) => self.text("dob", value),
        }
    }

    /// Shape-keeping pseudonym of free text under `kind` (emails, names and text are keyed apart).
    pub fn text(&self, kind: &str, value: &str) -> String {
        let count = value.chars().count();
        let bytes = self.bytes(kind, value, count);
        value.chars().zip(bytes).map(|(c, b)| substitute(c, b)).collect()
    }

    /// `n` bytes of HMAC-SHA256(key, kind, lowercased value, block counter).
    fn bytes(&self, kind: &str, value: &str, n: usize) -> Vec<u8> {
        let lowered = value.to_lowercase();
        let mut out = Vec::with_capacity(n + 32);
        let mut block: u32 = 0;
        while out.len() < n {
            let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
            mac.update(kind.as_bytes());
            mac.update(&[0]);
            mac.update(lowered.as_bytes());
            mac.update(&block.to_be_bytes());
            out.extend_from_slice(&mac.finalize().into_bytes());
            block += 1;
        }
        out.truncate(n);
        out
    }
}

/// A character of the same kind: letter for letter (same case, same script), digit for digit;
/// punctuation, spaces, line breaks, markup and emoji stay.
fn substitute(c: char, b: u8) -> char {
    let pick = |from: u32, len: u32| char::from_u32(from + u32::from(b) % len).unwrap_or(c);
    match c {
        'a'..='z' => pick('a' as u32, 26),
        'A'..='Z' => pick('a' as u32, 26).to_ascii_uppercase(),
        '0'..='9' => pick('0' as u32, 10),
        // Latin-1 letters, keeping case (à..ö / À..Ö).
        '\u{e0}'..='\u{f6}' | '\u{f8}'..='\u{ff}' => pick(0xE0, 23),
        '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{de}' => pick(0xC0, 23),
        // Latin Extended-A and Extended Additional (ł, ễ, ...), Hebrew and Arabic letters, CJK.
        '\u{100}'..='\u{17f}' => pick(0x100, 0x80),
        '\u{1e00}'..='\u{1eff}' => pick(0x1E00, 0x100),
        '\u{5d0}'..='\u{5ea}' => pick(0x5D0, 27),
        '\u{621}'..='\u{64a}' => pick(0x628, 35),
        '\u{4e00}'..='\u{9fa5}' => pick(0x4E00, 0x51A6),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_consistent_keep_the_shape_and_depend_on_the_key() {
        let p = Pseudonymizer::new(b"k1");
        let a = p.email("ann.smith12@gmail.com");
        assert_eq!(a, p.email("ann.smith12@gmail.com"));
        assert_eq!(p.email("Ann.Smith12@Gmail.com").to_lowercase(), a, "case variants stay case variants");
        assert_ne!(a, "ann.smith12@gmail.com");
        assert!(a.ends_with(".com") && a.len() == 21 && a.contains('@'));
        assert_ne!(Pseudonymizer::new(b"k2").email("ann.smith12@gmail.com"), a);
        let street = p.text("text", "12 Main St\nApt 4");
        assert_eq!(street.lines().count(), 2);
        let rtl = p.text("name", "שרה");
        assert!(rtl.chars().all(|c| ('\u{5d0}'..='\u{5ea}').contains(&c)) && rtl != "שרה");
    }

    #[test]
    fn birth_dates_keep_their_year_and_their_oddity() {
        let p = Pseudonymizer::new(b"k");
        assert!(p.date_of_birth("1985-03-12").starts_with("1985-"));
        assert_eq!(p.date_of_birth("0000-00-00"), "0000-00-00");
        assert_eq!(p.date_of_birth("1985-02-30"), "1985-02-30");
        assert!(p.date_of_birth("2093-04-12").starts_with("2093-"));
    }
}
