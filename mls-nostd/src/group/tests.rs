//! Tests of the group lifecycle.
