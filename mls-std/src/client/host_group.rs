//! The one place that names the core's group type as the client uses it.

use crate::memory::Growable;
use mls_nostd::credential::{Credential, CredentialUse, CredentialValidator};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group::{Group, GroupConfig};
use std::sync::Arc;

/// The core group as the client uses it: memory that grows with the group
/// (no bound on members, LeafNode sizes or proposals), 32 out-of-order
/// keys, 2 past epochs, and the client's credential validator.
pub(crate) type HostGroup<S> = Group<S, Growable, 32, 2, SharedValidator>;

/// The application's credential validator, shared by every group of a
/// client.
#[derive(Clone)]
pub(crate) struct SharedValidator(pub Arc<dyn CredentialValidator + Send + Sync>);

impl CredentialValidator for SharedValidator {
    fn validate(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
        usage: CredentialUse,
    ) -> Result<(), &'static str> {
        self.0.validate(credential, signature_key, usage)
    }

    fn validate_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> Result<(), &'static str> {
        self.0.validate_successor(old, new)
    }

    fn accepts_all(&self) -> bool {
        self.0.accepts_all()
    }
}

/// An empty group on the heap (a few kilobytes whatever its future size),
/// running its independent jobs on rayon's pool.
pub(crate) fn new_group<S: CipherSuite>(
    suite: S,
    config: GroupConfig,
    validator: &Arc<dyn CredentialValidator + Send + Sync>,
) -> Box<HostGroup<S>> {
    let mut group = Box::new(Group::new_in(suite, config, SharedValidator(validator.clone())));
    group.set_parallel(Some(&crate::parallel::RAYON));
    group
}
