//! An enrollment row as an `enrollment.created@v2` payload (or why it stays behind), and the
//! rows of one order as the `payment.captured@v1` that paid for them.

use chrono::{DateTime, Utc};
use switchyard_contracts::events::{
    BundleRef, EnrollmentCreatedV2, EnrollmentStatus, Money, PaymentCapturedV1, PaymentMethod,
};

use super::super::columns::{contract_payment_method, is_zero_date};
use super::super::views::EnrollmentView;
use super::user::platform_user_id;
use super::values::{amount_text, instant, present, provider_slug, ten_thousandths};

pub const STATUS_UNKNOWN: &str = "status is not active, expired or refunded";
pub const ENROLLED_ZERO_DATE: &str = "enrolled_at is a zero date (required by enrollment.created)";
pub const ENROLLED_UNREADABLE: &str = "enrolled_at is not a YYYY-MM-DD HH:MM:SS datetime";
pub const PAYMENT_UNKNOWN: &str = "payment method has no enrollment.created value";
pub const ORPHAN: &str = "no such customer in the export";
pub const NO_ENROLLMENT_ID: &str = "enrollment_id is empty or longer than 64 characters";
pub const NO_COURSE: &str = "course_sku is empty or longer than 64 characters";
pub const PRICE_UNREADABLE: &str = "price is not a decimal with at most 4 places";
pub const CURRENCY_UNREADABLE: &str = "currency_code is not an ISO 4217 code";

/// The enrollment of customer `legacy_id`, or why the row stays behind.
pub fn enrollment_of(view: &EnrollmentView, legacy_id: &str) -> Result<EnrollmentCreatedV2, &'static str> {
    let enrollment_id = bounded(view.enrollment_id).ok_or(NO_ENROLLMENT_ID)?;
    let course_code = bounded(view.course_sku).ok_or(NO_COURSE)?;
    let status = match view.status.trim().to_ascii_lowercase().as_str() {
        "active" => EnrollmentStatus::Active,
        "expired" => EnrollmentStatus::Expired,
        "refunded" => EnrollmentStatus::Refunded,
        _ => return Err(STATUS_UNKNOWN),
    };
    let enrolled_at = match instant(view.enrolled_at) {
        Some(at) => at,
        None if is_zero_date(view.enrolled_at) => return Err(ENROLLED_ZERO_DATE),
        None => return Err(ENROLLED_UNREADABLE),
    };
    let payment_method =
        contract_payment_method(view.payment_method).ok_or(PAYMENT_UNKNOWN)?.map(payment_method);
    let price = Money {
        amount: amount_text(ten_thousandths(view.price).ok_or(PRICE_UNREADABLE)?),
        currency: currency(view.currency_code).ok_or(CURRENCY_UNREADABLE)?,
    };
    Ok(EnrollmentCreatedV2 {
        enrollment_id,
        user_id: platform_user_id(legacy_id),
        legacy_user_id: Some(legacy_id.to_owned()),
        course_code,
        status,
        enrolled_at,
        // Empty, zero or unreadable: lifetime access, as the add-on meant by an empty expiry.
        expires_at: instant(view.expires_at),
        price,
        payment_method,
        partner_code: present(view.partner_code).filter(|code| code.chars().count() <= 64),
        bundle: bounded(view.bundle_sku)
            .map(|bundle_code| BundleRef { bundle_code, bundle_name: present(view.bundle_name) }),
        course_provider: provider_slug(view.course_provider),
    })
}

/// The paid rows of one order (consecutive in the export, same customer, method and
/// currency), becoming one `payment.captured`.
#[derive(Debug)]
pub struct OpenOrder {
    legacy_id: String,
    order_ref: Option<String>,
    method: PaymentMethod,
    currency: String,
    captured_at: DateTime<Utc>,
    total: i64,
    enrollment_ids: Vec<String>,
    pub file: String,
    pub line: u64,
}

impl OpenOrder {
    /// The order `enrollment` opens, if it was paid for (a positive price and a method; free,
    /// admin-granted and negative adjustment rows capture nothing).
    pub fn open(
        enrollment: &EnrollmentCreatedV2,
        view: &EnrollmentView,
        legacy_id: &str,
        file: &str,
        line: u64,
    ) -> Option<Self> {
        let total = ten_thousandths(&enrollment.price.amount)?;
        let method = enrollment.payment_method?;
        (total > 0).then(|| Self {
            legacy_id: legacy_id.to_owned(),
            order_ref: bounded(view.increment_id),
            method,
            currency: enrollment.price.currency.clone(),
            captured_at: enrollment.enrolled_at,
            total,
            enrollment_ids: vec![enrollment.enrollment_id.clone()],
            file: file.to_owned(),
            line,
        })
    }

    /// Adds `next` to this order if it belongs to it; gives it back otherwise.
    pub fn absorb(&mut self, next: Self) -> Option<Self> {
        let same = next.order_ref.is_some()
            && next.order_ref == self.order_ref
            && next.legacy_id == self.legacy_id
            && next.method == self.method
            && next.currency == self.currency;
        if !same {
            return Some(next);
        }
        self.total += next.total;
        self.enrollment_ids.extend(next.enrollment_ids);
        None
    }

    pub fn legacy_id(&self) -> &str {
        &self.legacy_id
    }

    /// The payment, identified by its order and first enrollment (an order the export splits
    /// over non-adjacent rows becomes several payments, never one id twice).
    pub fn into_payment(self) -> PaymentCapturedV1 {
        let first = self.enrollment_ids.first().cloned().unwrap_or_default();
        let payment_id = match &self.order_ref {
            Some(order) => format!("{order}-{first}"),
            None => format!("enrollment-{first}"),
        };
        PaymentCapturedV1 {
            payment_id: payment_id.chars().take(64).collect(),
            user_id: platform_user_id(&self.legacy_id),
            legacy_user_id: Some(self.legacy_id),
            amount: Money { amount: amount_text(self.total), currency: self.currency },
            method: self.method,
            captured_at: self.captured_at,
            order_ref: self.order_ref,
            enrollment_ids: self.enrollment_ids,
        }
    }
}

fn payment_method(method: &str) -> PaymentMethod {
    match method {
        "paypal" => PaymentMethod::Paypal,
        "apple_pay" => PaymentMethod::ApplePay,
        "google_pay" => PaymentMethod::GooglePay,
        "wallet" => PaymentMethod::Wallet,
        _ => PaymentMethod::Card,
    }
}

fn currency(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// A required id-like column: trimmed, 1 to 64 characters.
fn bounded(value: &str) -> Option<String> {
    present(value).filter(|v| v.chars().count() <= 64)
}
