//! A customer row (with its address and what its enrollments say) as a `user.migrated@v1`
//! payload, or the reason it stays behind.

use chrono::{DateTime, Duration, Utc};
use switchyard_contracts::events::{Address, UserMigratedV1, UserStatus};

use super::super::detect::is_test_account;
use super::super::views::{AddressView, CustomerView};
use super::values::{date, instant, present, street_lines};

/// Why a customer is not migrated (and its enrollments with it).
pub const MERGED: &str = "merged into another account; the survivor is migrated";
pub const TEST_ACCOUNT: &str = "test account in production";
pub const NO_ENTITY_ID: &str = "entity_id is empty (enrollments cannot point to the account)";
pub const ENTITY_ID_TOO_LONG: &str = "entity_id is longer than 64 characters (user.migrated legacy_id)";

/// An account that logged in this recently is active even without an active enrollment.
const RECENT_LOGIN: Duration = Duration::days(365);

/// What the enrollment export says about one customer (read before the customers).
#[derive(Debug, Clone, Copy, Default)]
pub struct EnrollmentFacts {
    pub rows: u32,
    pub active: bool,
}

/// The parts of an address row a `user.migrated` event carries.
#[derive(Debug, Clone)]
pub struct CompactAddress {
    street: Vec<String>,
    city: Option<String>,
    region: Option<String>,
    postcode: Option<String>,
    country_code: Option<String>,
    pub default_billing: bool,
}

impl CompactAddress {
    pub fn of(view: &AddressView) -> Self {
        let country = view.country_id.trim().to_ascii_uppercase();
        // The contract's ISO 3166-1 alpha-2 pattern: anything else is as good as no country.
        let country_code =
            (country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase())).then_some(country);
        Self {
            street: street_lines(view.street),
            city: present(view.city),
            region: present(view.region),
            postcode: present(view.postcode),
            country_code,
            default_billing: view.default_billing.trim() == "1",
        }
    }

    fn into_address(self) -> Address {
        Address {
            street: self.street,
            city: self.city,
            region: self.region,
            postcode: self.postcode,
            country_code: self.country_code,
        }
    }
}

/// The platform's id for a migrated legacy account (the new platform adopts legacy ids under
/// this prefix, so enrollments can name their user without a lookup table).
pub fn platform_user_id(legacy_id: &str) -> String {
    format!("u-{legacy_id}")
}

/// The migrated user, or why the account stays behind.
pub fn user_of(
    view: &CustomerView,
    address: Option<CompactAddress>,
    facts: EnrollmentFacts,
    exported_at: DateTime<Utc>,
) -> Result<UserMigratedV1, &'static str> {
    let legacy_id = view.entity_id.trim();
    if legacy_id.is_empty() {
        return Err(NO_ENTITY_ID);
    }
    if legacy_id.chars().count() > 64 {
        return Err(ENTITY_ID_TOO_LONG);
    }
    if !view.merged_into.trim().is_empty() {
        return Err(MERGED);
    }
    if is_test_account(view.email.trim(), view.firstname, view.lastname) {
        return Err(TEST_ACCOUNT);
    }
    let last_login_at = instant(view.last_login_at);
    Ok(UserMigratedV1 {
        legacy_id: legacy_id.to_owned(),
        user_id: platform_user_id(legacy_id),
        // As stored: the mappings decide what each downstream accepts (trim, case, validity).
        email: non_empty(view.email).filter(|email| email.chars().count() <= 320),
        first_name: non_empty(view.firstname),
        last_name: non_empty(view.lastname),
        status: status(facts, last_login_at, exported_at),
        created_at: instant(view.created_at),
        last_login_at,
        date_of_birth: date(view.dob),
        address: address.map(CompactAddress::into_address),
        partner_code: present(view.partner_code).filter(|code| code.chars().count() <= 64),
        website: present(view.website).filter(|code| code.chars().count() <= 64),
    })
}

/// The account's status: active with an active enrollment or a login in the last year;
/// expired when it had enrollments and none is active; inactive otherwise.
pub fn status(
    facts: EnrollmentFacts,
    last_login_at: Option<DateTime<Utc>>,
    exported_at: DateTime<Utc>,
) -> UserStatus {
    let recent_login = last_login_at.is_some_and(|at| exported_at - at <= RECENT_LOGIN);
    if facts.active || recent_login {
        UserStatus::Active
    } else if facts.rows > 0 {
        UserStatus::Expired
    } else {
        UserStatus::Inactive
    }
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_enrollments_then_logins() {
        let now = Utc::now();
        let recent = Some(now - Duration::days(30));
        let old = Some(now - Duration::days(800));
        let facts = |rows, active| EnrollmentFacts { rows, active };
        assert_eq!(status(facts(2, true), old, now), UserStatus::Active);
        assert_eq!(status(facts(2, false), recent, now), UserStatus::Active);
        assert_eq!(status(facts(2, false), old, now), UserStatus::Expired);
        assert_eq!(status(facts(0, false), None, now), UserStatus::Inactive);
    }
}
