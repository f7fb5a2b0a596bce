//! X.509 credentials (RFC 9420 §5.3): chains validated against trust
//! anchors the user gives.
