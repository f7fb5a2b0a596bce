//! Moving to the next epoch (RFC 9420 §8, §8.2, §8.4, §12.4.2): the PSK
//! secret, the transcript hashes, the key schedule and the confirmation tag,
//! computed the same way by the committer and by every receiver.

use super::proposals::MAX_PSKS;
use super::{PskStore, encode_context};
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, HashOutput, Secret};
use crate::error::{Error, Result};
use crate::framing::{FramedContent, WireFormat};
use crate::group_context::GroupContext;
use crate::key_schedule::{EpochSecrets, epoch_secrets, joiner_secret};
use crate::memory::Memory;
use crate::psk::{PreSharedKeyId, Psk};
use crate::transcript;

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> super::Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// `psk_secret` of the PSKs a commit in this group names: resumption
    /// PSKs of this group from its own epochs, the rest from `store`.
    pub(super) fn commit_psk_secret(
        &self,
        ids: &[Option<PreSharedKeyId<'_>>],
        store: &(impl PskStore + ?Sized),
    ) -> Result<Secret> {
        let own = |gid: &[u8], epoch| match gid == self.group_id.as_slice() {
            true => self.resumption_psk(epoch),
            false => None,
        };
        psk_secret(&self.suite, ids, own, store)
    }
}

/// The next epoch, computed and not yet applied.
pub(super) struct NextEpoch {
    pub confirmed: HashOutput,
    pub interim: HashOutput,
    pub tag: HashOutput,
    pub joiner_secret: Secret,
    pub secrets: EpochSecrets,
}

/// `psk_secret` (§8.4) of `ids`, in order. External PSKs come from
/// `store`; resumption PSKs from `own` (this group's own epochs) or from
/// `store` (other groups).
pub(super) fn psk_secret<'a, S: CipherSuite>(
    suite: &S,
    ids: &[Option<PreSharedKeyId<'a>>],
    own: impl Fn(&[u8], u64) -> Option<&'a [u8]>,
    store: &'a (impl PskStore + ?Sized),
) -> Result<Secret> {
    let mut pairs: [(PreSharedKeyId<'a>, &'a [u8]); MAX_PSKS] = [(
        PreSharedKeyId {
            psk: Psk::External { psk_id: &[] },
            psk_nonce: &[],
        },
        &[],
    ); MAX_PSKS];
    let mut n = 0;
    for id in ids.iter().flatten() {
        let value = match id.psk {
            Psk::External { psk_id } => store.external(psk_id),
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => own(psk_group_id, psk_epoch).or_else(|| store.resumption(psk_group_id, psk_epoch)),
        };
        let value = value.ok_or(Error::Malformed {
            reason: "PSK not available",
        })?;
        *pairs.get_mut(n).ok_or(Error::CapacityExceeded {
            what: "PSKs in a commit",
        })? = (*id, value);
        n += 1;
    }
    crate::psk::psk_secret(suite, pairs.get(..n).unwrap_or_default())
}

/// The epoch a signed commit starts: transcript hashes, GroupContext (from
/// `context`, whose `confirmed_transcript_hash` is replaced), key schedule
/// from `init_secret`, `commit_secret` and `psk_secret`, and the
/// confirmation tag.
#[allow(clippy::too_many_arguments)]
pub(super) fn next_epoch<S: CipherSuite>(
    suite: &S,
    interim_prev: &[u8],
    wire_format: WireFormat,
    content: &FramedContent<'_>,
    signature: &[u8],
    context: GroupContext<'_>,
    init_secret: &[u8],
    commit_secret: &[u8],
    psk_secret: &[u8],
) -> Result<NextEpoch> {
    let confirmed = transcript::confirmed_transcript_hash(suite, interim_prev, wire_format, content, signature);
    let context = encode_context(&GroupContext {
        confirmed_transcript_hash: &confirmed,
        ..context
    })?;
    let joiner = joiner_secret(suite, init_secret, commit_secret, &context)?;
    let secrets = epoch_secrets(suite, joiner.as_slice(), psk_secret, &context)?;
    let tag = transcript::confirmation_tag(suite, secrets.confirmation_key.as_slice(), &confirmed);
    let interim = transcript::interim_transcript_hash(suite, &confirmed, &tag);
    Ok(NextEpoch {
        confirmed,
        interim,
        tag,
        joiner_secret: joiner,
        secrets,
    })
}
