//! Placeholder: the crash-test child process (being written).
fn main() {}
