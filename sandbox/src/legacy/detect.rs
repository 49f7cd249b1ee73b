//! The profiler half of the catalog: one detector per class, reading a typed row view. A
//! detector looks only at what its class is about, and classes that would overlap on the same
//! fields exclude each other (e.g. `email-mixed-case` is not a duplicate), so a generated
//! export is counted exactly as its manifest says.

use chrono::NaiveDate;
use switchyard_contracts::catalog::is_salesforce_email;

use super::catalog::CaseClass;
use super::columns::{KNOWN_COURSES, KNOWN_PARTNERS, contract_payment_method, is_zero_date};
use super::views::{AddressView, CustomerView, EnrollmentView};

/// What a customer row's detectors need beyond the row.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFacts {
    /// An earlier row had the same email, ignoring case and surrounding spaces.
    pub duplicate_email: bool,
    /// Birth dates after this day are in the future.
    pub today: NaiveDate,
}

/// Whether customer row `v` shows `class`.
pub fn customer_case(class: CaseClass, v: &CustomerView, facts: CustomerFacts) -> bool {
    use CaseClass::*;
    let erased = v.erased();
    let (first, last) = (v.firstname, v.lastname);
    let names = [first, last];
    let email = v.email.trim();
    let dob = parse_date(v.dob);
    match class {
        NameMissing => !erased && first.trim().is_empty() && last.trim().is_empty(),
        NameFirstMissing => !erased && first.trim().is_empty() && !last.trim().is_empty(),
        NameTooLong => first.chars().count() > 40 || last.chars().count() > 80,
        NameUnicode => names.iter().any(|n| !n.is_ascii() && !n.chars().any(|c| is_rtl(c) || is_emoji(c))),
        NameRtl => names.iter().any(|n| n.chars().any(is_rtl)),
        NameEmoji => names.iter().any(|n| n.chars().any(is_emoji)),
        NameHtml => names.iter().any(|n| n.contains('<') && n.contains('>')),
        NameWhitespacePadded => names.iter().any(|n| n.trim() != *n && !n.trim().is_empty()),
        EmailMixedCaseDuplicate => !erased && facts.duplicate_email,
        EmailMixedCase => !facts.duplicate_email && email.chars().any(|c| c.is_ascii_uppercase()),
        EmailPlusAddressed => email.split('@').next().is_some_and(|local| local.contains('+')),
        EmailTooLongForSalesforce => email.len() > 80 && is_salesforce_email(email),
        EmailInvalid => !erased && email.is_ascii() && !is_salesforce_email(email),
        EmailIdn => !email.is_ascii(),
        EmailWhitespacePadded => !email.is_empty() && email != v.email,
        DobZeroDate => is_zero_date(v.dob),
        DobFuture => dob.is_some_and(|d| d > facts.today),
        DobBefore1900 => dob.is_some_and(|d| d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()),
        DobUnparseable => !v.dob.trim().is_empty() && !is_zero_date(v.dob) && dob.is_none(),
        CreatedAtZeroDate => is_zero_date(v.created_at),
        SecretPasswordHash => !v.password_hash.trim().is_empty(),
        SecretResetToken => !v.rp_token.trim().is_empty() || !v.rp_token_created_at.trim().is_empty(),
        SecretPlaintextPassword => !v.password.trim().is_empty(),
        TaxvatPresent => !v.taxvat.trim().is_empty(),
        AccountMerged => !v.merged_into.trim().is_empty(),
        AccountGdprErased => erased,
        AccountTest => is_test_account(email, first, last),
        _ => false,
    }
}

/// Whether address row `v` shows `class`.
pub fn address_case(class: CaseClass, v: &AddressView) -> bool {
    use CaseClass::*;
    match class {
        AddressCountryMissing => v.country_id.trim().is_empty(),
        // Magento fills region_id when the state was picked from its list; free text has none.
        AddressUsStateFreeText => {
            v.country_id.trim() == "US" && v.region_id.trim().is_empty() && !v.region.trim().is_empty()
        }
        AddressStreetMultiline => v.street.contains('\n') || v.street.contains('\r'),
        AddressStreetTooLong => v.street.chars().count() > 255,
        AddressCityTooLong => v.city.chars().count() > 40,
        _ => false,
    }
}

/// Whether enrollment row `v` shows `class`; `customer_known` says whether its customer is in
/// the customers file.
pub fn enrollment_case(class: CaseClass, v: &EnrollmentView, customer_known: bool) -> bool {
    use CaseClass::*;
    let status = v.status.trim().to_ascii_lowercase();
    let provider = v.course_provider.trim().to_ascii_lowercase();
    let price: Option<f64> = v.price.trim().parse().ok();
    let payment = v.payment_method.trim();
    match class {
        EnrollmentExpired => status == "expired",
        EnrollmentRefunded => status == "refunded",
        EnrollmentStatusUnknown => !matches!(status.as_str(), "active" | "expired" | "refunded"),
        EnrollmentBundle => !v.bundle_sku.trim().is_empty(),
        EnrollmentAcrobatiq => provider == "acrobatiq",
        EnrollmentProviderUnknown => !matches!(provider.as_str(), "" | "platform" | "acrobatiq"),
        EnrollmentCourseUnknown => !KNOWN_COURSES.contains(&v.course_sku.trim()),
        EnrollmentZeroPrice => price == Some(0.0),
        EnrollmentNegativePrice => price.is_some_and(|p| p < 0.0),
        EnrollmentNonUsd => v.currency_code.trim() != "USD",
        EnrollmentPartnerUnknown => {
            let partner = v.partner_code.trim();
            !partner.is_empty() && !KNOWN_PARTNERS.contains(&partner)
        }
        EnrollmentWalletPayment => payment == "wallet",
        EnrollmentPaymentUnknown => contract_payment_method(payment).is_none(),
        EnrollmentPaymentMissing => payment.is_empty(),
        EnrollmentExpiryZeroDate => is_zero_date(v.expires_at),
        EnrollmentEnrolledZeroDate => is_zero_date(v.enrolled_at),
        EnrollmentOrphan => !customer_known,
        _ => false,
    }
}

/// Whether customer `v`, with `enrollments` rows and an address or not, shows user `class`.
pub fn user_case(class: CaseClass, v: &CustomerView, enrollments: u32, has_address: bool) -> bool {
    match class {
        CaseClass::UserNoEnrollments => enrollments == 0,
        CaseClass::UserManyEnrollments => enrollments >= 100,
        CaseClass::UserAddressMissing => !v.erased() && !has_address,
        _ => false,
    }
}

/// An ISO date (the first 10 characters, as Magento may add a time).
fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    NaiveDate::parse_from_str(value.get(..10).unwrap_or(value), "%Y-%m-%d").ok()
}

pub(super) fn is_test_account(email: &str, first: &str, last: &str) -> bool {
    let email = email.to_ascii_lowercase();
    let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
    domain.ends_with(".test")
        || local.starts_with("test")
        || [first, last].iter().any(|n| n.trim().eq_ignore_ascii_case("test"))
}

fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_told_apart() {
        assert!(is_rtl('ש') && is_rtl('م') && !is_rtl('é'));
        assert!(is_emoji('🎓') && is_emoji('✨') && !is_emoji('王'));
    }

    #[test]
    fn test_accounts_are_recognised_by_domain_mailbox_or_name() {
        assert!(is_test_account("test12@qa.example.test", "Ann", "Lee"));
        assert!(is_test_account("ann@gmail.com", "Test", "User"));
        assert!(!is_test_account("tessa.lee@gmail.com", "Tessa", "Lee"));
    }
}
