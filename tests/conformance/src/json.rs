//! Small helpers to read test-vector JSON.

use serde_json::Value;

/// The case's `cipher_suite`, if it has one.
pub fn suite(case: &Value) -> Option<u16> {
    case.get("cipher_suite")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
}

/// A hex field decoded to bytes.
pub fn hex(v: &Value, key: &str) -> Result<Vec<u8>, String> {
    let s = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing hex field {key}"))?;
    ::hex::decode(s).map_err(|e| format!("field {key}: {e}"))
}

/// An optional hex field (`null` gives `None`).
pub fn hex_opt(v: &Value, key: &str) -> Result<Option<Vec<u8>>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => hex(v, key).map(Some),
    }
}

/// An unsigned integer field.
pub fn uint(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing integer field {key}"))
}

/// A string field.
pub fn string<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string field {key}"))
}

/// An array field.
pub fn array<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>, String> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing array field {key}"))
}

/// Fails with `what` and both values in hex when they differ.
pub fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {} want {}",
            ::hex::encode(got),
            ::hex::encode(want)
        ))
    }
}

/// Maps any `Debug` error into a string naming `what` failed.
pub fn ctx<T, E: std::fmt::Debug>(what: &str, r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e:?}"))
}
