//! Conversions between `serde_json` values and jaq's values.

use jaq_json::{Num, Val};
use serde_json::Value;

/// JSON to jq, directly (going through serde's deserializer costs three times as much).
pub fn to_val(value: &Value) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Val::Num(Num::from_integral(i)),
            (None, Some(u)) => Val::Num(Num::from_integral(u)),
            _ => Val::Num(Num::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => Val::from(s.clone()),
        Value::Array(items) => items.iter().map(to_val).collect(),
        Value::Object(map) => Val::obj(map.iter().map(|(k, v)| (Val::from(k.clone()), to_val(v))).collect()),
    }
}

pub fn from_val(value: &Val) -> Value {
    match value {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(Num::Int(i)) => Value::from(*i as i64),
        Val::Num(Num::Float(f)) => float_value(*f),
        Val::Num(num) => {
            // Decimals (`"149.00" | tonumber`) and big integers: keep integers exact, and read
            // other decimals as JSON numbers.
            let text = num.to_string();
            match text.parse::<i64>() {
                Ok(integer) => Value::from(integer),
                Err(_) => text.parse::<f64>().map_or(Value::String(text), float_value),
            }
        }
        Val::TStr(bytes) | Val::BStr(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        Val::Arr(items) => Value::Array(items.iter().map(from_val).collect()),
        Val::Obj(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let key = match key {
                        Val::TStr(bytes) | Val::BStr(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                        other => other.to_string(),
                    };
                    (key, from_val(value))
                })
                .collect(),
        ),
    }
}

/// jq prints integral floats as integers; keep `2.0` as `2` so records compare equal to what a
/// jq user expects.
fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}
