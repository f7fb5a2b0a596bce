//! The one place that names the core's group type and its capacities.
//!
//! Everything else in the client goes through [`HostGroup`] and
//! [`new_group`], so that when the core's fixed arrays give way to memory
//! that grows with the group, only this file changes.

use mls_nostd::credential::CredentialValidator;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group::{Group, GroupConfig};
use std::sync::Arc;

/// The core group as the client uses it: up to 256 members, 1 KiB per
/// encoded LeafNode, 32 out-of-order keys, 2 past epochs, 16 KiB of
/// proposals.
pub(crate) type HostGroup<S> = Group<S, 256, 1024, 32, 2, 16384>;

/// An empty group on the heap.
///
/// `validator` is the application's credential check; the core does not take
/// it yet (its hook is being wired into the group), so it is held here only
/// to be passed in once it does.
pub(crate) fn new_group<S: CipherSuite>(
    suite: S,
    config: GroupConfig,
    validator: &Arc<dyn CredentialValidator + Send + Sync>,
) -> Box<HostGroup<S>> {
    let _ = validator;
    Box::new(Group::new(suite, config))
}
