//! The edge-case catalog: every named class of odd legacy data, what it touches and what
//! Switchyard expects for it. The generator (`shape.rs`) and the profiler's detectors
//! (`detect.rs`) are keyed by the same `CaseClass`.

use serde::Serialize;

use super::outcome::{CaseUnit, ExpectedOutcome};

use CaseUnit::{AddressRow, CustomerRow, EnrollmentRow, User};
use ExpectedOutcome::{DeliveredAsIs, Dropped, NeverSent, Normalized, Quarantined, Rejected};

/// One edge-case class, by its stable name (kebab-case in files, manifests and reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseClass {
    NameMissing,
    NameFirstMissing,
    NameTooLong,
    NameUnicode,
    NameRtl,
    NameEmoji,
    NameHtml,
    NameWhitespacePadded,
    EmailMixedCaseDuplicate,
    EmailMixedCase,
    EmailPlusAddressed,
    EmailTooLongForSalesforce,
    EmailInvalid,
    EmailIdn,
    EmailWhitespacePadded,
    DobZeroDate,
    DobFuture,
    DobBefore1900,
    DobUnparseable,
    CreatedAtZeroDate,
    SecretPasswordHash,
    SecretResetToken,
    SecretPlaintextPassword,
    TaxvatPresent,
    AccountMerged,
    AccountGdprErased,
    AccountTest,
    AddressCountryMissing,
    AddressUsStateFreeText,
    AddressStreetMultiline,
    AddressStreetTooLong,
    AddressCityTooLong,
    EnrollmentExpired,
    EnrollmentRefunded,
    EnrollmentBundle,
    EnrollmentAcrobatiq,
    EnrollmentProviderUnknown,
    EnrollmentCourseUnknown,
    EnrollmentZeroPrice,
    EnrollmentNonUsd,
    EnrollmentNegativePrice,
    EnrollmentPartnerUnknown,
    EnrollmentWalletPayment,
    EnrollmentPaymentUnknown,
    EnrollmentPaymentMissing,
    EnrollmentExpiryZeroDate,
    EnrollmentEnrolledZeroDate,
    EnrollmentStatusUnknown,
    EnrollmentOrphan,
    UserNoEnrollments,
    UserManyEnrollments,
    UserAddressMissing,
}

/// One class's entry: name, description, fields, unit, expected outcome and why.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EdgeCase {
    #[serde(skip)]
    pub class: CaseClass,
    pub name: &'static str,
    pub description: &'static str,
    pub unit: CaseUnit,
    /// The legacy columns the class is about.
    pub fields: &'static [&'static str],
    pub expected: ExpectedOutcome,
    /// Where the outcome comes from (the mapping, the org) or where we had to choose.
    pub note: &'static str,
}

impl CaseClass {
    /// The class's catalog entry.
    pub fn case(self) -> &'static EdgeCase {
        // CATALOG lists the classes in declaration order (checked by a test).
        &CATALOG[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.case().name
    }

    /// Every class, in catalog order.
    pub fn all() -> impl Iterator<Item = CaseClass> {
        CATALOG.iter().map(|case| case.class)
    }

    /// The class named `name`, if the catalog has one.
    pub fn parse(name: &str) -> Option<CaseClass> {
        CATALOG.iter().find(|case| case.name == name).map(|case| case.class)
    }
}

const fn case(
    class: CaseClass,
    name: &'static str,
    unit: CaseUnit,
    fields: &'static [&'static str],
    description: &'static str,
    expected: ExpectedOutcome,
    note: &'static str,
) -> EdgeCase {
    EdgeCase { class, name, description, unit, fields, expected, note }
}

const SF_DUPLICATE: ExpectedOutcome = Rejected { system: "salesforce", code: "DUPLICATES_DETECTED" };
const SF_VALIDATION: ExpectedOutcome =
    Rejected { system: "salesforce", code: "FIELD_CUSTOM_VALIDATION_EXCEPTION" };

/// The catalog, in `CaseClass` order.
pub static CATALOG: [EdgeCase; 52] = [
    case(
        CaseClass::NameMissing,
        "name-missing",
        CustomerRow,
        &["firstname", "lastname"],
        "Neither first nor last name (blank or whitespace only), on an account that was not erased.",
        Normalized { field: "LastName", how: "\"[not provided]\" (LMS display_name \"Learner\")" },
        "contact-from-user-migrated: Salesforce requires LastName, so the mapping sends a searchable marker.",
    ),
    case(
        CaseClass::NameFirstMissing,
        "name-first-missing",
        CustomerRow,
        &["firstname"],
        "A last name but no first name.",
        Dropped { field: "FirstName" },
        "contact-from-user-migrated: an empty FirstName is left out.",
    ),
    case(
        CaseClass::NameTooLong,
        "name-too-long",
        CustomerRow,
        &["firstname", "lastname"],
        "First name over 40 or last name over 80 characters (Salesforce's lengths).",
        Normalized { field: "LastName", how: "cut to 80 characters (FirstName to 40)" },
        "contact-from-user-migrated: `.[0:80]` / `.[0:40]`; lengths count characters, not bytes.",
    ),
    case(
        CaseClass::NameUnicode,
        "name-unicode",
        CustomerRow,
        &["firstname", "lastname"],
        "Names with accents, combining marks or CJK characters (no RTL script, no emoji).",
        DeliveredAsIs,
        "Salesforce and the LMS take UTF-8.",
    ),
    case(
        CaseClass::NameRtl,
        "name-rtl",
        CustomerRow,
        &["firstname", "lastname"],
        "Names in a right-to-left script (Arabic, Hebrew).",
        DeliveredAsIs,
        "Salesforce and the LMS take UTF-8; display direction is the reader's business.",
    ),
    case(
        CaseClass::NameEmoji,
        "name-emoji",
        CustomerRow,
        &["firstname", "lastname"],
        "Names containing emoji (4-byte UTF-8).",
        DeliveredAsIs,
        "Salesforce stores emoji; a MySQL utf8 (3-byte) consumer would not (our choice: as is).",
    ),
    case(
        CaseClass::NameHtml,
        "name-html",
        CustomerRow,
        &["firstname", "lastname"],
        "HTML markup in a name (`<b>Ann</b>`, a stored `<script>`).",
        Normalized { field: "LastName", how: "tags stripped (strip_tags), then trimmed" },
        "contact-from-user-migrated and learner-from-user-migrated both strip_tags.",
    ),
    case(
        CaseClass::NameWhitespacePadded,
        "name-whitespace-padded",
        CustomerRow,
        &["firstname", "lastname"],
        "Leading or trailing spaces around a name.",
        Normalized { field: "LastName", how: "trimmed" },
        "contact-from-user-migrated trims FirstName and LastName.",
    ),
    case(
        CaseClass::EmailMixedCaseDuplicate,
        "email-mixed-case-duplicate",
        CustomerRow,
        &["email"],
        "A second account whose email equals an earlier one's except for letter case.",
        SF_DUPLICATE,
        "The mapping lowercases Email and the org's Contact_Same_Email duplicate rule matches \
         case-insensitively: the second Contact is refused (the first is delivered).",
    ),
    case(
        CaseClass::EmailMixedCase,
        "email-mixed-case",
        CustomerRow,
        &["email"],
        "Upper-case letters in an email that no other account shares.",
        Normalized { field: "Email", how: "lowercased" },
        "contact-from-user-migrated and learner-from-user-migrated: ascii_downcase.",
    ),
    case(
        CaseClass::EmailPlusAddressed,
        "email-plus-addressed",
        CustomerRow,
        &["email"],
        "A plus-addressed email (`ann+courses@...`).",
        DeliveredAsIs,
        "`+` is allowed by is_email; we do not strip the tag (it is the learner's address).",
    ),
    case(
        CaseClass::EmailTooLongForSalesforce,
        "email-too-long-for-salesforce",
        CustomerRow,
        &["email"],
        "A well-formed email longer than Salesforce's 80 characters (up to 254).",
        Dropped { field: "Email" },
        "contact-from-user-migrated selects length <= 80; the LMS (254) still gets it.",
    ),
    case(
        CaseClass::EmailInvalid,
        "email-invalid",
        CustomerRow,
        &["email"],
        "Not an email: no `@`, two `@`, no top-level domain, inner spaces.",
        Dropped { field: "Email" },
        "Both mappings select only valid emails: the Contact and the learner go without one.",
    ),
    case(
        CaseClass::EmailIdn,
        "email-idn",
        CustomerRow,
        &["email"],
        "Non-ASCII characters in the email (an internationalised domain or local part).",
        Dropped { field: "Email" },
        "is_email is ASCII-only, so Salesforce gets no Email; the LMS's pattern accepts it (as is there).",
    ),
    case(
        CaseClass::EmailWhitespacePadded,
        "email-whitespace-padded",
        CustomerRow,
        &["email"],
        "Spaces around an otherwise valid email.",
        Normalized { field: "Email", how: "trimmed" },
        "Both mappings trim the email.",
    ),
    case(
        CaseClass::DobZeroDate,
        "dob-zero-date",
        CustomerRow,
        &["dob"],
        "MySQL zero date `0000-00-00` as date of birth.",
        Dropped { field: "Birthdate" },
        "The import maps zero dates to absent (user.migrated@v1).",
    ),
    case(
        CaseClass::DobFuture,
        "dob-future",
        CustomerRow,
        &["dob"],
        "A date of birth after the export date.",
        Dropped { field: "Birthdate" },
        "contact-from-user-migrated keeps dates up to the event's day only.",
    ),
    case(
        CaseClass::DobBefore1900,
        "dob-before-1900",
        CustomerRow,
        &["dob"],
        "A date of birth before 1900-01-01.",
        Dropped { field: "Birthdate" },
        "contact-from-user-migrated keeps dates from 1900-01-01 only.",
    ),
    case(
        CaseClass::DobUnparseable,
        "dob-unparseable",
        CustomerRow,
        &["dob"],
        "A date of birth that is not an ISO date (`12/31/1985`, `1985-02-30`).",
        Dropped { field: "Birthdate" },
        "Our choice: the import drops it rather than quarantine a learner for a bad birth date.",
    ),
    case(
        CaseClass::CreatedAtZeroDate,
        "created-at-zero-date",
        CustomerRow,
        &["created_at"],
        "MySQL zero datetime `0000-00-00 00:00:00` as the account's creation time.",
        Dropped { field: "Legacy_Created_Date__c" },
        "user.migrated@v1: created_at absent on zero dates.",
    ),
    case(
        CaseClass::SecretPasswordHash,
        "secret-password-hash",
        CustomerRow,
        &["password_hash"],
        "A Magento password hash (`hash:salt:version`).",
        NeverSent { field: "password_hash" },
        "Discarded at the import edge; dropped from every sample.",
    ),
    case(
        CaseClass::SecretResetToken,
        "secret-reset-token",
        CustomerRow,
        &["rp_token", "rp_token_created_at"],
        "A password reset token (and its creation time).",
        NeverSent { field: "rp_token" },
        "Discarded at the import edge; dropped from every sample.",
    ),
    case(
        CaseClass::SecretPlaintextPassword,
        "secret-plaintext-password",
        CustomerRow,
        &["password"],
        "A plaintext password in Magento's import-only `password` column.",
        NeverSent { field: "password" },
        "Discarded at the import edge; dropped from every sample.",
    ),
    case(
        CaseClass::TaxvatPresent,
        "taxvat-present",
        CustomerRow,
        &["taxvat"],
        "A tax or VAT number (personal data no contract carries).",
        NeverSent { field: "taxvat" },
        "No event contract has it; pseudonymised in samples.",
    ),
    case(
        CaseClass::AccountMerged,
        "account-merged",
        CustomerRow,
        &["merged_into"],
        "An account merged into another (`merged_into` names the survivor's entity id).",
        Quarantined { reason: "merged into another account; the survivor is migrated" },
        "Our choice: migrating both would make two Contacts for one person.",
    ),
    case(
        CaseClass::AccountGdprErased,
        "account-gdpr-erased",
        CustomerRow,
        &["gdpr_erased_at", "email", "firstname", "lastname"],
        "An account erased on request: no email, no names, `gdpr_erased_at` set; enrollments kept.",
        Dropped { field: "Email" },
        "user.migrated@v1 allows an absent email for erased accounts; LastName becomes \"[not provided]\".",
    ),
    case(
        CaseClass::AccountTest,
        "account-test",
        CustomerRow,
        &["email", "firstname", "lastname"],
        "A QA or test account in production (`.test` domain, `test...@` mailbox, or named Test).",
        Quarantined { reason: "test account in production" },
        "Our choice: a test account must not become a Contact or a learner.",
    ),
    case(
        CaseClass::AddressCountryMissing,
        "address-country-missing",
        AddressRow,
        &["country_id"],
        "An address without a country.",
        Dropped { field: "MailingCountryCode" },
        "Delivered without it; the CRM enrollment flow faults silently on such Contacts when its \
         silent-failure automation is on (expectation enrollment-activated-by-crm-flow).",
    ),
    case(
        CaseClass::AddressUsStateFreeText,
        "address-us-state-free-text",
        AddressRow,
        &["region", "region_id"],
        "A US address whose state was typed in (`region` free text, no `region_id`).",
        DeliveredAsIs,
        "MailingState is free text in the shipped org (no state picklist).",
    ),
    case(
        CaseClass::AddressStreetMultiline,
        "address-street-multiline",
        AddressRow,
        &["street"],
        "A street over several lines (a quoted CSV field with newlines).",
        DeliveredAsIs,
        "MailingStreet is a textarea: the lines are joined with newlines.",
    ),
    case(
        CaseClass::AddressStreetTooLong,
        "address-street-too-long",
        AddressRow,
        &["street"],
        "A street longer than Salesforce's 255 characters.",
        Normalized { field: "MailingStreet", how: "cut to 255 characters" },
        "contact-from-user-migrated: `.[0:255]`.",
    ),
    case(
        CaseClass::AddressCityTooLong,
        "address-city-too-long",
        AddressRow,
        &["city"],
        "A city longer than Salesforce's 40 characters.",
        Normalized { field: "MailingCity", how: "cut to 40 characters" },
        "contact-from-user-migrated: `.[0:40]`.",
    ),
    case(
        CaseClass::EnrollmentExpired,
        "enrollment-expired",
        EnrollmentRow,
        &["status"],
        "An expired enrollment.",
        DeliveredAsIs,
        "Salesforce Source_Status__c Expired; the LMS gets access revoked.",
    ),
    case(
        CaseClass::EnrollmentRefunded,
        "enrollment-refunded",
        EnrollmentRow,
        &["status"],
        "A refunded enrollment.",
        DeliveredAsIs,
        "Salesforce Source_Status__c Refunded; never sent to the LMS (its mapping's `when`).",
    ),
    case(
        CaseClass::EnrollmentBundle,
        "enrollment-bundle",
        EnrollmentRow,
        &["bundle_sku", "bundle_name"],
        "Courses bought through a bundle (one row per course, the bundle's code on each).",
        DeliveredAsIs,
        "Bundle_Code__c and the LMS's bundle_code.",
    ),
    case(
        CaseClass::EnrollmentAcrobatiq,
        "enrollment-acrobatiq",
        EnrollmentRow,
        &["course_provider"],
        "A course delivered by Acrobatiq.",
        DeliveredAsIs,
        "Course_Provider__c Acrobatiq; the LMS forwards to the provider.",
    ),
    case(
        CaseClass::EnrollmentProviderUnknown,
        "enrollment-provider-unknown",
        EnrollmentRow,
        &["course_provider"],
        "A course provider other than the platform and Acrobatiq.",
        Normalized { field: "Course_Provider__c", how: "\"Other\"" },
        "enrollment-from-enrollment-created-v2 maps unknown providers to Other (the import slugs the name).",
    ),
    case(
        CaseClass::EnrollmentCourseUnknown,
        "enrollment-course-unknown",
        EnrollmentRow,
        &["course_sku"],
        "A course code not in the new platform's catalog (retired or misspelled).",
        DeliveredAsIs,
        "Our choice: Switchyard has no course catalog; the LMS owns it, and a replay against its sandbox shows its answer.",
    ),
    case(
        CaseClass::EnrollmentZeroPrice,
        "enrollment-zero-price",
        EnrollmentRow,
        &["price", "payment_method"],
        "A free enrollment (price 0, Magento's `free` payment method).",
        DeliveredAsIs,
        "Price__c 0 passes the org's not-negative rule; no Payment_Method__c.",
    ),
    case(
        CaseClass::EnrollmentNonUsd,
        "enrollment-non-usd",
        EnrollmentRow,
        &["currency_code"],
        "An enrollment paid in a currency other than USD.",
        DeliveredAsIs,
        "Currency__c carries the ISO code; no conversion.",
    ),
    case(
        CaseClass::EnrollmentNegativePrice,
        "enrollment-negative-price",
        EnrollmentRow,
        &["price"],
        "A negative price (a refund adjustment booked as an enrollment).",
        SF_VALIDATION,
        "The org's Enrollment_Price_Not_Negative validation rule.",
    ),
    case(
        CaseClass::EnrollmentPartnerUnknown,
        "enrollment-partner-unknown",
        EnrollmentRow,
        &["partner_code"],
        "A partner code the new platform does not know.",
        DeliveredAsIs,
        "Our choice: Partner_Code__c is free text; the CRM team reconciles partners.",
    ),
    case(
        CaseClass::EnrollmentWalletPayment,
        "enrollment-wallet-payment",
        EnrollmentRow,
        &["payment_method"],
        "Paid with the legacy wallet's store credit.",
        DeliveredAsIs,
        "Payment_Method__c Wallet.",
    ),
    case(
        CaseClass::EnrollmentPaymentUnknown,
        "enrollment-payment-unknown",
        EnrollmentRow,
        &["payment_method"],
        "A payment code with no contract payment method (`checkmo`, `purchaseorder`).",
        Quarantined { reason: "payment method has no enrollment.created value" },
        "The contract's payment_method enum; the mapping would error on it too.",
    ),
    case(
        CaseClass::EnrollmentPaymentMissing,
        "enrollment-payment-missing",
        EnrollmentRow,
        &["payment_method"],
        "A paid enrollment with no payment method (granted by an admin).",
        Dropped { field: "Payment_Method__c" },
        "Payment_Method__c is optional.",
    ),
    case(
        CaseClass::EnrollmentExpiryZeroDate,
        "enrollment-expiry-zero-date",
        EnrollmentRow,
        &["expires_at"],
        "MySQL zero datetime as the expiry.",
        Dropped { field: "Expires_On__c" },
        "The import maps zero dates to absent (no expiry).",
    ),
    case(
        CaseClass::EnrollmentEnrolledZeroDate,
        "enrollment-enrolled-zero-date",
        EnrollmentRow,
        &["enrolled_at"],
        "MySQL zero datetime as the enrollment date.",
        Quarantined { reason: "enrolled_at is a zero date (required by enrollment.created)" },
        "enrolled_at is required by the contract and by Enrolled_On__c.",
    ),
    case(
        CaseClass::EnrollmentStatusUnknown,
        "enrollment-status-unknown",
        EnrollmentRow,
        &["status"],
        "A status other than active, expired or refunded (`pending`, `canceled`).",
        Quarantined { reason: "status is not active, expired or refunded" },
        "The contract's status enum.",
    ),
    case(
        CaseClass::EnrollmentOrphan,
        "enrollment-orphan",
        EnrollmentRow,
        &["customer_id"],
        "An enrollment whose customer is not in the customers file (deleted account).",
        Quarantined { reason: "no such customer in the export" },
        "Its Enrollment__c lookup would have no Contact to link to.",
    ),
    case(
        CaseClass::UserNoEnrollments,
        "user-no-enrollments",
        User,
        &["entity_id"],
        "An account with no enrollment at all.",
        DeliveredAsIs,
        "A Contact and a learner, no Enrollment__c.",
    ),
    case(
        CaseClass::UserManyEnrollments,
        "user-many-enrollments",
        User,
        &["entity_id"],
        "An account with 100 or more enrollments (corporate learners, course hoarders).",
        DeliveredAsIs,
        "Many batches for one Contact; every enrollment is accounted for.",
    ),
    case(
        CaseClass::UserAddressMissing,
        "user-address-missing",
        User,
        &["_email"],
        "An account (not erased) with no address row.",
        Dropped { field: "MailingCountryCode" },
        "Delivered without a mailing address; as for address-country-missing, the CRM flow needs a country.",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn catalog_order_follows_the_enum_and_names_are_unique() {
        for (index, case) in CATALOG.iter().enumerate() {
            assert_eq!(case.class as usize, index, "{} is out of order", case.name);
            assert_eq!(CaseClass::parse(case.name), Some(case.class));
        }
        let names: HashSet<_> = CATALOG.iter().map(|case| case.name).collect();
        assert_eq!(names.len(), CATALOG.len());
        assert!(CATALOG.len() >= 40);
    }
}
