//! The three legacy files' columns, how a file is recognised by its header, and the reference
//! lists (courses, partners, payment codes) ordinary rows draw from and detectors compare with.

use serde::Serialize;

/// Magento 2's "Customers Main File" columns, in export order.
pub const MAGENTO_CUSTOMER_COLUMNS: [&str; 22] = [
    "email",
    "_website",
    "_store",
    "confirmation",
    "created_at",
    "created_in",
    "disable_auto_group_change",
    "dob",
    "firstname",
    "gender",
    "group_id",
    "lastname",
    "middlename",
    "password_hash",
    "prefix",
    "rp_token",
    "rp_token_created_at",
    "store_id",
    "suffix",
    "taxvat",
    "website_id",
    "password",
];

/// What the legacy platform's export appends to the main file: `updated_at` (Magento's own) and
/// the custom customer attributes the platform added over the years (see README.md).
pub const CUSTOMER_EXTRA_COLUMNS: [&str; 6] =
    ["updated_at", "entity_id", "last_login_at", "partner_code", "merged_into", "gdpr_erased_at"];

/// Magento 2's "Customer Addresses" columns, in export order.
pub const ADDRESS_COLUMNS: [&str; 24] = [
    "_website",
    "_email",
    "_entity_id",
    "city",
    "company",
    "country_id",
    "fax",
    "firstname",
    "lastname",
    "middlename",
    "postcode",
    "prefix",
    "region",
    "region_id",
    "street",
    "suffix",
    "telephone",
    "vat_id",
    "vat_is_valid",
    "vat_request_date",
    "vat_request_id",
    "vat_request_success",
    "_address_default_billing_",
    "_address_default_shipping_",
];

/// The legacy enrollment export's columns (documented in README.md).
pub const ENROLLMENT_COLUMNS: [&str; 16] = [
    "enrollment_id",
    "customer_id",
    "customer_email",
    "website_code",
    "course_sku",
    "bundle_sku",
    "bundle_name",
    "status",
    "enrolled_at",
    "expires_at",
    "price",
    "currency_code",
    "payment_method",
    "partner_code",
    "course_provider",
    "increment_id",
];

/// The customers file the generator writes: Magento's columns, then the appended ones.
pub fn customer_columns() -> Vec<&'static str> {
    MAGENTO_CUSTOMER_COLUMNS.iter().chain(CUSTOMER_EXTRA_COLUMNS.iter()).copied().collect()
}

/// Which legacy file a CSV is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Customers,
    Addresses,
    Enrollments,
}

impl FileKind {
    /// The file's name in a generated export.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Customers => "customers.csv",
            Self::Addresses => "addresses.csv",
            Self::Enrollments => "enrollments.csv",
        }
    }

    /// The columns a file of this kind is expected to have.
    pub fn expected_columns(self) -> Vec<&'static str> {
        match self {
            Self::Customers => customer_columns(),
            Self::Addresses => ADDRESS_COLUMNS.to_vec(),
            Self::Enrollments => ENROLLMENT_COLUMNS.to_vec(),
        }
    }

    /// Recognises a file by its header: the columns that only that file has. Checked in this
    /// order because the addresses file also has `_website` (and no `email`).
    pub fn detect(header: &[&str]) -> Option<Self> {
        let has = |name: &str| header.contains(&name);
        if has("enrollment_id") && has("customer_id") && has("course_sku") {
            Some(Self::Enrollments)
        } else if has("_email") && has("street") {
            Some(Self::Addresses)
        } else if has("email") && has("firstname") && has("lastname") {
            Some(Self::Customers)
        } else {
            None
        }
    }
}

/// The new platform's course catalog as far as the sandbox knows it: a course code outside it
/// is a retired or misspelled legacy code.
pub const KNOWN_COURSES: [&str; 16] = [
    "PMP-PREP-101",
    "CAPM-ESS-110",
    "SCRUM-PSM-201",
    "ITIL4-FND-120",
    "SIXSIG-GB-300",
    "AWS-SAA-210",
    "AZURE-AZ900",
    "COMPTIA-SEC-501",
    "CISSP-CBK-610",
    "EXCEL-ADV-130",
    "PYTHON-DS-220",
    "SQL-FND-105",
    "NURSING-CEU-12",
    "HR-SHRM-CP",
    "ACCT-CPA-REG",
    "WRITING-BUS-101",
];

/// Bundle codes (`bundle_sku`) the platform sold.
pub const KNOWN_BUNDLES: [(&str, &str); 3] = [
    ("BNDL-PM-CAREER", "Project Manager Career Path"),
    ("BNDL-CLOUD-TRIO", "Cloud Certification Trio"),
    ("BNDL-DATA-STARTER", "Data Analyst Starter Pack"),
];

/// Partners (employers, schools, affiliates) the new platform knows.
pub const KNOWN_PARTNERS: [&str; 5] = ["ACME-CORP", "STATE-UNIV", "NURSES-ASSOC", "AFF-0042", "GOV-WFD"];

/// The legacy payment codes (Magento payment method codes and the wallet add-on's) and the
/// `enrollment.created` payment method each becomes; `free` (Magento's zero-subtotal checkout)
/// and an empty code become no payment method.
pub const PAYMENT_CODES: [(&str, Option<&str>); 7] = [
    ("braintree", Some("card")),
    ("paypal_express", Some("paypal")),
    ("braintree_applepay", Some("apple_pay")),
    ("braintree_googlepay", Some("google_pay")),
    ("wallet", Some("wallet")),
    ("free", None),
    ("", None),
];

/// The contract payment method for a legacy code: `Some(None)` for no method, `None` for a code
/// Switchyard does not know (the enrollment is quarantined at import).
pub fn contract_payment_method(code: &str) -> Option<Option<&'static str>> {
    PAYMENT_CODES.iter().find(|(known, _)| *known == code.trim()).map(|(_, method)| *method)
}

/// MySQL's zero date, as Magento exports it in date and datetime columns.
pub fn is_zero_date(value: &str) -> bool {
    value.trim().starts_with("0000-00-00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_recognised_by_its_own_header_only() {
        for kind in [FileKind::Customers, FileKind::Addresses, FileKind::Enrollments] {
            assert_eq!(FileKind::detect(&kind.expected_columns()), Some(kind));
        }
        assert_eq!(FileKind::detect(&["sku", "qty"]), None);
    }

    #[test]
    fn payment_codes_map_to_contract_methods() {
        assert_eq!(contract_payment_method("wallet"), Some(Some("wallet")));
        assert_eq!(contract_payment_method("free"), Some(None));
        assert_eq!(contract_payment_method("checkmo"), None);
    }
}
