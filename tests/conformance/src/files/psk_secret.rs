//! Placeholder until the checker lands; every case is counted as skipped.

use crate::Outcome;
use serde_json::Value;

/// Not implemented yet: skipped.
pub fn check(case: &Value) -> Outcome {
    Outcome::skipped(crate::json::suite(case), "checker not implemented yet")
}
