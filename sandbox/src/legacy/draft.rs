//! One legacy user as the generator builds it before writing: the customer row, its addresses
//! and its enrollments, first ordinary (matching no edge-case class), then shaped by a class.

use chrono::{DateTime, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::columns::{KNOWN_COURSES, KNOWN_PARTNERS};

/// The export's time span: accounts from 2012 to the export day (2026-11-30, fixed so that the
/// same seed gives the same files on any day).
const FIRST_ACCOUNT: i64 = 1_325_376_000; // 2012-01-01T00:00:00Z
pub const EXPORT_TIME: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z
const DAY: i64 = 86_400;

const FIRST_NAMES: [&str; 24] = [
    "ann", "james", "maria", "robert", "linda", "michael", "susan", "david", "karen", "daniel", "nancy",
    "paul", "lisa", "mark", "sandra", "kevin", "emily", "brian", "donna", "jason", "carol", "ryan", "megan",
    "eric",
];
const LAST_NAMES: [&str; 24] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
];
const EMAIL_DOMAINS: [&str; 8] = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "aol.com",
    "icloud.com",
    "comcast.net",
    "acme-corp.com",
];
/// US states as Magento's directory has them (name, region_id).
const US_STATES: [(&str, &str); 8] = [
    ("California", "12"),
    ("New York", "43"),
    ("Texas", "57"),
    ("Florida", "18"),
    ("Illinois", "23"),
    ("Ohio", "47"),
    ("Georgia", "19"),
    ("Washington", "62"),
];
const OTHER_COUNTRIES: [(&str, &str); 5] =
    [("GB", "London"), ("CA", "Toronto"), ("DE", "Berlin"), ("AU", "Sydney"), ("IN", "Pune")];
const US_CITIES: [&str; 6] = ["Springfield", "Riverside", "Franklin", "Greenville", "Fairview", "Madison"];
const STREETS: [&str; 6] = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Rd", "Elm St"];
const PRICES: [&str; 6] = ["49.0000", "99.0000", "149.0000", "199.0000", "299.0000", "349.0000"];
const ORDINARY_PAYMENTS: [&str; 4] =
    ["braintree", "paypal_express", "braintree_applepay", "braintree_googlepay"];

/// A customer row's own values (the constant Magento columns are filled when writing).
#[derive(Debug, Clone, Default)]
pub struct CustomerDraft {
    pub email: String,
    pub created_at: String,
    pub dob: String,
    pub firstname: String,
    pub gender: &'static str,
    pub lastname: String,
    pub password_hash: String,
    pub rp_token: String,
    pub rp_token_created_at: String,
    pub taxvat: String,
    pub password: String,
    pub updated_at: String,
    pub entity_id: String,
    pub last_login_at: String,
    pub partner_code: String,
    pub merged_into: String,
    pub gdpr_erased_at: String,
}

/// An address row's own values; `_email` and the names are the customer's when writing.
#[derive(Debug, Clone, Default)]
pub struct AddressDraft {
    pub entity_id: String,
    pub city: String,
    pub company: String,
    pub country_id: String,
    pub postcode: String,
    pub region: String,
    pub region_id: String,
    pub street: String,
    pub telephone: String,
}

/// An enrollment row; `customer` is `None` for the user's own (id and email filled when
/// writing) and set for a row that points elsewhere (an orphan).
#[derive(Debug, Clone, Default)]
pub struct EnrollmentDraft {
    pub enrollment_id: String,
    pub customer: Option<(String, String)>,
    pub course_sku: String,
    pub bundle_sku: String,
    pub bundle_name: String,
    pub status: String,
    pub enrolled_at: String,
    pub expires_at: String,
    pub price: String,
    pub currency_code: String,
    pub payment_method: String,
    pub partner_code: String,
    pub course_provider: String,
    pub increment_id: String,
}

/// One user with everything the three files hold about them.
#[derive(Debug, Clone, Default)]
pub struct UserDraft {
    pub customer: CustomerDraft,
    pub addresses: Vec<AddressDraft>,
    pub enrollments: Vec<EnrollmentDraft>,
}

/// Magento's datetime format.
pub fn datetime(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.naive_utc())
        .unwrap_or(NaiveDateTime::MIN)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn date(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0)
        .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Numbering shared by all users of one export (enrollment ids, order numbers).
#[derive(Debug, Default)]
pub struct Sequence {
    next_enrollment: u64,
}

impl Sequence {
    /// Numbering whose first enrollment id is `last + 1`.
    pub fn starting_after(last: u64) -> Self {
        Self { next_enrollment: last }
    }

    /// The next enrollment id and its order's increment id.
    pub fn next(&mut self) -> (String, String) {
        self.next_enrollment += 1;
        (self.next_enrollment.to_string(), format!("1{:08}", self.next_enrollment))
    }
}

/// The ordinary user number `index` (0-based): plausible, and matching no edge-case class.
pub fn ordinary_user(index: u64, rng: &mut StdRng, sequence: &mut Sequence) -> UserDraft {
    let entity_id = (index + 1).to_string();
    let first = *FIRST_NAMES.choose(rng).unwrap_or(&"ann");
    let last = *LAST_NAMES.choose(rng).unwrap_or(&"smith");
    let created = rng.random_range(FIRST_ACCOUNT..EXPORT_TIME - 400 * DAY);
    let updated = rng.random_range(created..EXPORT_TIME);
    let customer = CustomerDraft {
        email: format!("{first}.{last}{entity_id}@{}", EMAIL_DOMAINS.choose(rng).unwrap_or(&"gmail.com")),
        created_at: datetime(created),
        dob: if rng.random_bool(0.8) {
            date(rng.random_range(-631_152_000..1_167_609_600))
        } else {
            String::new()
        },
        firstname: capitalize(first),
        gender: ["0", "1", "2"].choose(rng).copied().unwrap_or("0"),
        lastname: capitalize(last),
        updated_at: datetime(updated),
        entity_id: entity_id.clone(),
        last_login_at: if rng.random_bool(0.7) {
            datetime(rng.random_range(updated..EXPORT_TIME))
        } else {
            String::new()
        },
        partner_code: if rng.random_bool(0.2) {
            KNOWN_PARTNERS.choose(rng).unwrap_or(&"").to_string()
        } else {
            String::new()
        },
        ..CustomerDraft::default()
    };
    let address = ordinary_address(index, rng);
    let count = rng.random_range(1..=5);
    let enrollments =
        (0..count).map(|_| ordinary_enrollment(created, &customer.partner_code, rng, sequence)).collect();
    UserDraft { customer, addresses: vec![address], enrollments }
}

fn ordinary_address(index: u64, rng: &mut StdRng) -> AddressDraft {
    let street = format!("{} {}", rng.random_range(1..9999), STREETS.choose(rng).unwrap_or(&"Main St"));
    let telephone = format!(
        "{:03}-{:03}-{:04}",
        rng.random_range(201..990),
        rng.random_range(200..999),
        rng.random_range(0..9999)
    );
    let mut address =
        AddressDraft { entity_id: (index + 1).to_string(), street, telephone, ..AddressDraft::default() };
    if rng.random_bool(0.75) {
        let (state, region_id) = *US_STATES.choose(rng).unwrap_or(&US_STATES[0]);
        address.country_id = "US".into();
        address.region = state.into();
        address.region_id = region_id.into();
        address.city = US_CITIES.choose(rng).unwrap_or(&"Springfield").to_string();
        address.postcode = format!("{:05}", rng.random_range(10_000..99_999));
    } else {
        let (country, city) = *OTHER_COUNTRIES.choose(rng).unwrap_or(&OTHER_COUNTRIES[0]);
        address.country_id = country.into();
        address.city = city.into();
        address.postcode = format!("{}", rng.random_range(1000..99_999));
    }
    address
}

/// An ordinary enrollment: active, a known course, a positive USD price, a card-like payment.
pub fn ordinary_enrollment(
    account_created: i64,
    partner_code: &str,
    rng: &mut StdRng,
    sequence: &mut Sequence,
) -> EnrollmentDraft {
    let (enrollment_id, increment_id) = sequence.next();
    let enrolled = rng.random_range(account_created..EXPORT_TIME - DAY);
    EnrollmentDraft {
        enrollment_id,
        customer: None,
        course_sku: KNOWN_COURSES.choose(rng).unwrap_or(&KNOWN_COURSES[0]).to_string(),
        status: "active".into(),
        enrolled_at: datetime(enrolled),
        expires_at: datetime(enrolled + 365 * DAY),
        price: PRICES.choose(rng).unwrap_or(&PRICES[0]).to_string(),
        currency_code: "USD".into(),
        payment_method: ORDINARY_PAYMENTS.choose(rng).unwrap_or(&ORDINARY_PAYMENTS[0]).to_string(),
        partner_code: partner_code.to_owned(),
        course_provider: "platform".into(),
        increment_id,
        ..EnrollmentDraft::default()
    }
}

pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
