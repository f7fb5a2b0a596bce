//! A malicious insider, for fuzzing and tests only (feature `insider`):
//! any FramedContent, signed, MACed and encrypted with this member's real
//! keys, so that a receiver's checks beyond authentication can be reached
//! by content no honest member would send. Never enable it in a product.

use super::Group;
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, CryptoRng, HashOutput};
use crate::error::{Error, Result};
use crate::framing::{FramedContent, WireFormat, protect_private, protect_public};
use crate::memory::Memory;

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Protects `content` as it is (its sender, epoch and group id are not
    /// checked against this member's) into `out`: a PublicMessage with this
    /// epoch's membership tag, or a PrivateMessage under the sender leaf's
    /// next key of this member's secret tree, which that key then leaves.
    /// A commit carries `confirmation_tag` as given. Returns the length.
    pub fn protect_as_insider<R: CryptoRng>(
        &mut self,
        content: &FramedContent<'_>,
        wire_format: WireFormat,
        confirmation_tag: &[u8],
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<usize> {
        self.active()?;
        let context = self.context_bytes()?;
        let tag = |_: &crate::crypto::Signature| HashOutput::from_slice(confirmation_tag);
        let sk = self.signature_key.as_slice();
        match wire_format {
            WireFormat::PublicMessage => {
                let membership = Some(self.secrets.membership_key.as_slice());
                protect_public(&self.suite, content, sk, &context, membership, tag, out).map(|(n, _)| n)
            }
            WireFormat::PrivateMessage => {
                let sds = self.secrets.sender_data_secret.as_slice();
                let secret_tree = &mut self.secret_tree;
                protect_private(&self.suite, content, sk, &context, sds, secret_tree, 0, tag, rng, out).map(|(n, ..)| n)
            }
            _ => Err(Error::WrongWireFormat),
        }
    }
}
