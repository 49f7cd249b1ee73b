//! The set of JSON types a schema allows, as declared by `type` or implied by `enum`/`const`.

use std::fmt;

use serde_json::{Map, Value};

/// A set of JSON Schema types. `integer` is a subset of `number`, which `accepts` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TypeSet(u8);

const NAMES: [&str; 7] = ["null", "boolean", "object", "array", "number", "string", "integer"];

impl TypeSet {
    pub const EMPTY: Self = Self(0);
    pub const ANY: Self = Self(0b111_1111);
    pub const NULL: Self = Self(1);
    pub const OBJECT: Self = Self(1 << 2);
    pub const ARRAY: Self = Self(1 << 3);
    pub const NUMBER: Self = Self(1 << 4);
    pub const STRING: Self = Self(1 << 5);
    pub const INTEGER: Self = Self(1 << 6);

    fn named(name: &str) -> Option<Self> {
        NAMES.iter().position(|known| *known == name).map(|bit| Self(1 << bit))
    }

    /// The types a `type` keyword declares; `None` when absent or malformed (any type).
    pub fn declared(schema: &Map<String, Value>) -> Option<Self> {
        match schema.get("type")? {
            Value::String(name) => Self::named(name),
            Value::Array(names) => {
                let mut set = Self::EMPTY;
                for name in names {
                    set = set.union(name.as_str().and_then(Self::named)?);
                }
                Some(set)
            }
            _ => None,
        }
    }

    /// The type of one JSON value; whole numbers count as `integer`.
    pub fn of_value(value: &Value) -> Self {
        match value {
            Value::Null => Self::NULL,
            Value::Bool(_) => Self(1 << 1),
            Value::Object(_) => Self::OBJECT,
            Value::Array(_) => Self::ARRAY,
            Value::String(_) => Self::STRING,
            Value::Number(number) if number.is_i64() || number.is_u64() => Self::INTEGER,
            Value::Number(number) if number.as_f64().is_some_and(|n| n.fract() == 0.0) => Self::INTEGER,
            Value::Number(_) => Self::NUMBER,
        }
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether some value could have a type in both sets (integers are numbers).
    pub fn overlaps(self, other: Self) -> bool {
        let has = |set: Self, kind: Self| set.0 & kind.0 != 0;
        self.0 & other.0 != 0
            || (has(self, Self::INTEGER) && has(other, Self::NUMBER))
            || (has(self, Self::NUMBER) && has(other, Self::INTEGER))
    }

    /// The writer's types (`self`) that a reader declaring `reader` refuses.
    pub fn refused_by(self, reader: Self) -> Self {
        let mut refused = Self(self.0 & !reader.0);
        if reader.0 & Self::NUMBER.0 != 0 {
            refused.0 &= !Self::INTEGER.0;
        }
        refused
    }
}

impl fmt::Display for TypeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ANY {
            return f.write_str("any type");
        }
        let names: Vec<&str> = NAMES
            .iter()
            .enumerate()
            .filter(|(bit, _)| self.0 & (1 << bit) != 0)
            .map(|(_, name)| *name)
            .collect();
        match names.as_slice() {
            [] => f.write_str("nothing"),
            [only] => f.write_str(only),
            [init @ .., last] => write!(f, "{} or {last}", init.join(", ")),
        }
    }
}
