//! Errors and formatting helpers.

use std::fmt;

/// Why the demo stopped: a library error with what was being done, or a
/// check that failed.
#[derive(Debug)]
pub struct DemoError(pub String);

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for DemoError {
    fn from(s: &str) -> Self {
        DemoError(s.into())
    }
}

impl From<String> for DemoError {
    fn from(s: String) -> Self {
        DemoError(s)
    }
}

/// The demo's result type.
pub type Result<T> = std::result::Result<T, DemoError>;

/// Adds what was being done to a library error.
pub trait Context<T> {
    /// Names the failed step.
    fn context(self, what: &str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, mls_nostd::Error> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|e| DemoError(format!("{what}: {e} ({e:?})")))
    }
}

/// Fails the demo with a message unless `$cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::util::DemoError(format!($($msg)+)));
        }
    };
}
pub(crate) use ensure;

/// The first `n` bytes in hex, with "…" when there are more.
pub fn short_hex(bytes: &[u8], n: usize) -> String {
    let mut s: String = bytes.iter().take(n).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > n {
        s.push('…');
    }
    s
}

/// All bytes in hex.
pub fn hex(bytes: &[u8]) -> String {
    short_hex(bytes, bytes.len())
}
