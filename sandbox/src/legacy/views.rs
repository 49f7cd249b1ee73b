//! Typed views of one legacy row: the columns the detectors and the migration read, found by name once per file
//! (real exports order and extend their columns freely).

use csv::StringRecord;

use super::reader::{column_indices, field};

const CUSTOMER: [&str; 16] = [
    "email",
    "_website",
    "firstname",
    "lastname",
    "dob",
    "created_at",
    "password_hash",
    "rp_token",
    "password",
    "taxvat",
    "entity_id",
    "merged_into",
    "gdpr_erased_at",
    "rp_token_created_at",
    "last_login_at",
    "partner_code",
];
const ADDRESS: [&str; 9] = [
    "_website",
    "_email",
    "country_id",
    "region",
    "region_id",
    "street",
    "city",
    "postcode",
    "_address_default_billing_",
];
const ENROLLMENT: [&str; 15] = [
    "customer_id",
    "customer_email",
    "course_sku",
    "bundle_sku",
    "status",
    "enrolled_at",
    "expires_at",
    "price",
    "currency_code",
    "payment_method",
    "partner_code",
    "course_provider",
    "enrollment_id",
    "bundle_name",
    "increment_id",
];

/// Column positions for customer rows of one file.
#[derive(Debug, Clone)]
pub struct CustomerColumns([Option<usize>; 16]);
/// Column positions for address rows of one file.
#[derive(Debug, Clone)]
pub struct AddressColumns([Option<usize>; 9]);
/// Column positions for enrollment rows of one file.
#[derive(Debug, Clone)]
pub struct EnrollmentColumns([Option<usize>; 15]);

/// A customer row, as the detectors read it.
#[derive(Debug)]
pub struct CustomerView<'a> {
    pub email: &'a str,
    pub website: &'a str,
    pub firstname: &'a str,
    pub lastname: &'a str,
    pub dob: &'a str,
    pub created_at: &'a str,
    pub password_hash: &'a str,
    pub rp_token: &'a str,
    pub password: &'a str,
    pub taxvat: &'a str,
    pub entity_id: &'a str,
    pub merged_into: &'a str,
    pub gdpr_erased_at: &'a str,
    pub rp_token_created_at: &'a str,
    pub last_login_at: &'a str,
    pub partner_code: &'a str,
}

/// An address row, as the detectors read it.
#[derive(Debug)]
pub struct AddressView<'a> {
    pub website: &'a str,
    pub email: &'a str,
    pub country_id: &'a str,
    pub region: &'a str,
    pub region_id: &'a str,
    pub street: &'a str,
    pub city: &'a str,
    pub postcode: &'a str,
    /// `1` on the address Magento bills to by default.
    pub default_billing: &'a str,
}

/// An enrollment row, as the detectors read it.
#[derive(Debug)]
pub struct EnrollmentView<'a> {
    pub customer_id: &'a str,
    pub customer_email: &'a str,
    pub course_sku: &'a str,
    pub bundle_sku: &'a str,
    pub status: &'a str,
    pub enrolled_at: &'a str,
    pub expires_at: &'a str,
    pub price: &'a str,
    pub currency_code: &'a str,
    pub payment_method: &'a str,
    pub partner_code: &'a str,
    pub course_provider: &'a str,
    pub enrollment_id: &'a str,
    pub bundle_name: &'a str,
    pub increment_id: &'a str,
}

impl CustomerColumns {
    pub fn new(header: &[String]) -> Self {
        Self(column_indices(header, CUSTOMER))
    }

    pub fn view<'a>(&self, r: &'a StringRecord) -> CustomerView<'a> {
        let f = |i: usize| field(r, self.0[i]);
        CustomerView {
            email: f(0),
            website: f(1),
            firstname: f(2),
            lastname: f(3),
            dob: f(4),
            created_at: f(5),
            password_hash: f(6),
            rp_token: f(7),
            password: f(8),
            taxvat: f(9),
            entity_id: f(10),
            merged_into: f(11),
            gdpr_erased_at: f(12),
            rp_token_created_at: f(13),
            last_login_at: f(14),
            partner_code: f(15),
        }
    }
}

impl AddressColumns {
    pub fn new(header: &[String]) -> Self {
        Self(column_indices(header, ADDRESS))
    }

    pub fn view<'a>(&self, r: &'a StringRecord) -> AddressView<'a> {
        let f = |i: usize| field(r, self.0[i]);
        AddressView {
            website: f(0),
            email: f(1),
            country_id: f(2),
            region: f(3),
            region_id: f(4),
            street: f(5),
            city: f(6),
            postcode: f(7),
            default_billing: f(8),
        }
    }
}

impl EnrollmentColumns {
    pub fn new(header: &[String]) -> Self {
        Self(column_indices(header, ENROLLMENT))
    }

    pub fn view<'a>(&self, r: &'a StringRecord) -> EnrollmentView<'a> {
        let f = |i: usize| field(r, self.0[i]);
        EnrollmentView {
            customer_id: f(0),
            customer_email: f(1),
            course_sku: f(2),
            bundle_sku: f(3),
            status: f(4),
            enrolled_at: f(5),
            expires_at: f(6),
            price: f(7),
            currency_code: f(8),
            payment_method: f(9),
            partner_code: f(10),
            course_provider: f(11),
            enrollment_id: f(12),
            bundle_name: f(13),
            increment_id: f(14),
        }
    }
}

impl CustomerView<'_> {
    /// The key enrollments use for this customer: the entity id, else the email.
    pub fn key(&self) -> String {
        if self.entity_id.trim().is_empty() {
            self.email.trim().to_lowercase()
        } else {
            self.entity_id.trim().to_owned()
        }
    }

    /// The key addresses use for this customer (Magento links them by website and email).
    pub fn address_key(&self) -> String {
        format!("{}\u{0}{}", self.website, self.email)
    }

    pub fn erased(&self) -> bool {
        !self.gdpr_erased_at.trim().is_empty()
    }
}

impl AddressView<'_> {
    pub fn owner_key(&self) -> String {
        format!("{}\u{0}{}", self.website, self.email)
    }
}

impl EnrollmentView<'_> {
    pub fn customer_key(&self) -> String {
        if self.customer_id.trim().is_empty() {
            self.customer_email.trim().to_lowercase()
        } else {
            self.customer_id.trim().to_owned()
        }
    }
}
