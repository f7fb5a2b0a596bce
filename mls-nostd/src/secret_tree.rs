//! The secret tree (RFC 9420 §9).
