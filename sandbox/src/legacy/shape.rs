//! The generator half of the catalog: how each class shapes an ordinary user so that exactly
//! the intended rows show the class (and no other), which is what lets a profile of the files
//! find exactly what the manifest says was put in.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::catalog::CaseClass;
use super::draft::{EXPORT_TIME, Sequence, UserDraft, capitalize, datetime, ordinary_enrollment};

/// What shaping needs from earlier users: the last ordinary account (a duplicate copies its
/// email, a merged account points at it) and the orphans' id counter.
#[derive(Debug, Default)]
pub struct ShapeContext {
    pub last_ordinary: Option<(String, String)>,
    orphans: u64,
}

/// Customer ids of deleted accounts that orphan enrollments point to (never a generated id).
const ORPHAN_IDS_FROM: u64 = 900_000_000;

/// Shapes `user` as `class`; returns how many occurrences of the class it put in (0 when it
/// cannot, e.g. a duplicate before any ordinary account exists: the user stays ordinary).
pub fn shape(
    class: CaseClass,
    user: &mut UserDraft,
    rng: &mut StdRng,
    seq: &mut Sequence,
    ctx: &mut ShapeContext,
) -> u64 {
    use CaseClass::*;
    let c = &mut user.customer;
    let id = c.entity_id.clone();
    let local = c.email.split('@').next().unwrap_or_default().to_owned();
    match class {
        NameMissing => {
            c.firstname = String::new();
            c.lastname = [" ", ""].choose(rng).unwrap_or(&"").to_string();
        }
        NameFirstMissing => c.firstname = String::new(),
        NameTooLong => {
            let parts =
                ["Montgomery", "Fitzgerald", "Wolfeschlegel", "Castellanos", "Hohenzollern", "Bartholomew"];
            while c.lastname.chars().count() <= 80 {
                c.lastname.push('-');
                c.lastname.push_str(parts.choose(rng).unwrap_or(&parts[0]));
            }
        }
        NameUnicode => pick_names(
            c,
            rng,
            &[
                ("Zoë", "Nguyễn"),
                ("José", "Ñúñez"),
                ("Søren", "Müller"),
                ("王", "小明"),
                ("Łukasz", "Wóycicki"),
            ],
        ),
        NameRtl => pick_names(c, rng, &[("محمد", "العلي"), ("فاطمة", "حسن"), ("שרה", "כהן"), ("דוד", "לוי")]),
        NameEmoji => pick_names(c, rng, &[("Ann 🌸", "Smith"), ("Mike", "Brown 🎓"), ("✨Kim✨", "Lee")]),
        NameHtml => {
            c.firstname = format!("<b>{}</b>", c.firstname);
            if rng.random_bool(0.5) {
                c.lastname = format!("<script>alert(1)</script>{}", c.lastname);
            }
        }
        NameWhitespacePadded => c.lastname = format!("  {} ", c.lastname),
        EmailMixedCaseDuplicate => {
            let Some((email, _)) = &ctx.last_ordinary else { return 0 };
            c.email = mixed_case(email);
        }
        EmailMixedCase => c.email = mixed_case(&c.email),
        EmailPlusAddressed => c.email = c.email.replacen('@', "+courses@", 1),
        EmailTooLongForSalesforce => {
            c.email =
                format!("{local}.professional.development@continuing-education.alumni.state-university.edu")
        }
        EmailInvalid => {
            let variants = [
                format!("{local}.gmail.com"),
                format!("{local}@@gmail.com"),
                format!("{local}@localhost"),
                format!("{} {}{id}@gmail.com", c.firstname.to_lowercase(), c.lastname.to_lowercase()),
            ];
            c.email = variants.choose(rng).cloned().unwrap_or_default();
        }
        EmailIdn => {
            c.email = [format!("{local}@bücher-café.de"), format!("josé.{local}@gmail.com")]
                .choose(rng)
                .cloned()
                .unwrap_or_default()
        }
        EmailWhitespacePadded => c.email = format!(" {} ", c.email),
        DobZeroDate => c.dob = "0000-00-00".into(),
        DobFuture => c.dob = format!("{}-04-12", rng.random_range(2090..2100)),
        DobBefore1900 => c.dob = format!("18{:02}-09-30", rng.random_range(50..100)),
        DobUnparseable => {
            c.dob = ["12/31/1985", "1985-02-30", "31.12.1985"].choose(rng).unwrap_or(&"").to_string()
        }
        CreatedAtZeroDate => c.created_at = "0000-00-00 00:00:00".into(),
        SecretPasswordHash => {
            // Magento 2's `sha256(salt + password):salt:1`.
            c.password_hash = format!("{}:{}:1", hex(rng, 32), hex(rng, 16));
        }
        SecretResetToken => {
            c.rp_token = hex(rng, 16);
            c.rp_token_created_at = datetime(EXPORT_TIME - rng.random_range(1..90) * 86_400);
        }
        SecretPlaintextPassword => {
            c.password = format!("Summer{}!{}", rng.random_range(2010..2026), hex(rng, 2))
        }
        TaxvatPresent => {
            c.taxvat = format!(
                "{:03}-{:02}-{:04}",
                rng.random_range(100..900),
                rng.random_range(10..99),
                rng.random_range(1000..9999)
            )
        }
        AccountMerged => {
            let Some((_, survivor)) = &ctx.last_ordinary else { return 0 };
            c.merged_into = survivor.clone();
        }
        AccountGdprErased => {
            c.email = String::new();
            c.firstname = String::new();
            c.lastname = String::new();
            c.dob = String::new();
            c.gdpr_erased_at = datetime(EXPORT_TIME - rng.random_range(1..1000) * 86_400);
            user.addresses.clear();
        }
        AccountTest => {
            if rng.random_bool(0.5) {
                c.email = format!("test{id}@qa.example.test");
            } else {
                c.firstname = "Test".into();
                c.lastname = "User".into();
            }
        }
        AddressCountryMissing
        | AddressUsStateFreeText
        | AddressStreetMultiline
        | AddressStreetTooLong
        | AddressCityTooLong => {
            return shape_address(class, user, rng);
        }
        UserNoEnrollments => user.enrollments.clear(),
        UserManyEnrollments => {
            let partner = user.customer.partner_code.clone();
            let extra = rng.random_range(100..=250) - user.enrollments.len();
            user.enrollments.extend(
                (0..extra).map(|_| ordinary_enrollment(EXPORT_TIME - 2000 * 86_400, &partner, rng, seq)),
            );
        }
        UserAddressMissing => user.addresses.clear(),
        EnrollmentOrphan => {
            ctx.orphans += 1;
            let orphan_id = (ORPHAN_IDS_FROM + ctx.orphans).to_string();
            let mut row = ordinary_enrollment(EXPORT_TIME - 3000 * 86_400, "", rng, seq);
            row.customer = Some((orphan_id.clone(), format!("deleted{orphan_id}@gmail.com")));
            user.enrollments.push(row);
        }
        _ => return shape_enrollment(class, user, rng),
    }
    1
}

fn shape_address(class: CaseClass, user: &mut UserDraft, rng: &mut StdRng) -> u64 {
    let Some(address) = user.addresses.first_mut() else { return 0 };
    match class {
        CaseClass::AddressCountryMissing => {
            address.country_id = String::new();
            address.region = String::new();
            address.region_id = String::new();
        }
        CaseClass::AddressUsStateFreeText => {
            address.country_id = "US".into();
            address.region =
                ["calif.", "N.Y.", "tx", "Flordia", "WA state"].choose(rng).unwrap_or(&"").to_string();
            address.region_id = String::new();
        }
        CaseClass::AddressStreetMultiline => {
            address.street = format!("{}\nApt {}\nc/o Front Desk", address.street, rng.random_range(1..400))
        }
        CaseClass::AddressStreetTooLong => {
            while address.street.chars().count() <= 255 {
                address.street.push_str(", Building C, Suite 400, Attention Accounts Payable Department");
            }
        }
        CaseClass::AddressCityTooLong => {
            address.city = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch".into()
        }
        _ => return 0,
    }
    1
}

fn shape_enrollment(class: CaseClass, user: &mut UserDraft, rng: &mut StdRng) -> u64 {
    use CaseClass::*;
    let Some(row) = user.enrollments.first_mut() else { return 0 };
    match class {
        EnrollmentExpired => row.status = "expired".into(),
        EnrollmentRefunded => row.status = "refunded".into(),
        EnrollmentBundle => {
            let bundles = super::columns::KNOWN_BUNDLES;
            let (code, name) = *bundles.choose(rng).unwrap_or(&bundles[0]);
            for row in &mut user.enrollments {
                row.bundle_sku = code.into();
                row.bundle_name = name.into();
            }
            return user.enrollments.len() as u64;
        }
        EnrollmentAcrobatiq => row.course_provider = "acrobatiq".into(),
        EnrollmentProviderUnknown => {
            row.course_provider =
                ["Skillsoft", "coursera_partners", "Pearson VUE"].choose(rng).unwrap_or(&"").to_string()
        }
        EnrollmentCourseUnknown => row.course_sku = format!("RETIRED-{}", rng.random_range(100..999)),
        EnrollmentZeroPrice => {
            row.price = "0.0000".into();
            row.payment_method = "free".into();
        }
        EnrollmentNonUsd => {
            row.currency_code = ["EUR", "GBP", "CAD", "AUD"].choose(rng).unwrap_or(&"EUR").to_string()
        }
        EnrollmentNegativePrice => row.price = format!("-{}", row.price),
        EnrollmentPartnerUnknown => row.partner_code = format!("AFF-{}", rng.random_range(5000..9999)),
        EnrollmentWalletPayment => row.payment_method = "wallet".into(),
        EnrollmentPaymentUnknown => {
            row.payment_method =
                ["checkmo", "purchaseorder", "banktransfer"].choose(rng).unwrap_or(&"").to_string()
        }
        EnrollmentPaymentMissing => row.payment_method = String::new(),
        EnrollmentExpiryZeroDate => row.expires_at = "0000-00-00 00:00:00".into(),
        EnrollmentEnrolledZeroDate => row.enrolled_at = "0000-00-00 00:00:00".into(),
        EnrollmentStatusUnknown => {
            row.status = ["pending", "canceled", "suspended"].choose(rng).unwrap_or(&"").to_string()
        }
        _ => return 0,
    }
    1
}

fn pick_names(c: &mut super::draft::CustomerDraft, rng: &mut StdRng, names: &[(&str, &str)]) {
    let (first, last) = *names.choose(rng).unwrap_or(&names[0]);
    c.firstname = first.into();
    c.lastname = last.into();
}

/// `ann.smith12@gmail.com` -> `Ann.Smith12@Gmail.Com`: the same address in another case.
fn mixed_case(email: &str) -> String {
    email
        .split('@')
        .map(|part| part.split('.').map(capitalize).collect::<Vec<_>>().join("."))
        .collect::<Vec<_>>()
        .join("@")
}

fn hex(rng: &mut StdRng, bytes: usize) -> String {
    (0..bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_case_keeps_the_address_and_changes_its_case() {
        let email = "ann.smith12@gmail.com";
        let mixed = mixed_case(email);
        assert_eq!(mixed, "Ann.Smith12@Gmail.Com");
        assert_eq!(mixed.to_lowercase(), email);
    }
}
