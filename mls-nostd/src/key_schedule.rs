//! The key schedule (RFC 9420 §8).
