//! Salesforce-style record ids: 15 case-sensitive characters (key prefix, pod, counter)
//! plus the three-character case-safe suffix that makes the 18-character form.

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The 18-character id for record number `serial` of the object with `key_prefix`.
pub fn record_id(key_prefix: &str, serial: u64) -> String {
    let mut id15 = String::with_capacity(18);
    id15.push_str(key_prefix);
    // "5g" plays the pod/instance part, "0" the reserved character.
    id15.push_str("5g0");
    id15.push_str(&base62_padded(serial, 15 - id15.len()));
    with_suffix(&id15)
}

/// Appends the case-safe suffix: one character per five, encoding which are upper case.
pub fn with_suffix(id15: &str) -> String {
    let mut id = id15.to_owned();
    for chunk in id15.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |acc, (i, _)| acc | (1 << i));
        id.push(char::from(SUFFIX[bits]));
    }
    id
}

fn base62_padded(mut n: u64, width: usize) -> String {
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_18_characters_with_the_prefix_and_a_valid_suffix() {
        let id = record_id("003", 1);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0035g0"));
        assert_eq!(with_suffix(&id[..15]), id);
        assert_ne!(record_id("003", 1), record_id("003", 2));
    }

    #[test]
    fn suffix_matches_a_known_salesforce_id() {
        // A published example: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
        assert_eq!(with_suffix("001A0000006Vm9r"), "001A0000006Vm9rIAC");
    }
}
