//! KeyPackages (RFC 9420 §10): made here, their private keys kept in
//! storage under their KeyPackageRef until a Welcome uses them.

use super::record::{self, KeyPackageRecord};
use super::{Client, KeyPackageLifetime, Result};
use crate::storage::{Space, Write};
use mls_nostd::codec::List;
use mls_nostd::credential::credential_type;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
use mls_nostd::tree::{Capabilities, Lifetime};
use zeroize::Zeroizing;

/// Protocol versions the client's leaves list.
const VERSIONS: [u16; 1] = [mls_nostd::MLS10];
/// Credential types the client's leaves list: both, so that members of
/// either kind can share a group.
const CREDENTIALS: [u16; 2] = [credential_type::BASIC, credential_type::X509];
/// Allowance for clocks behind this one.
const SKEW: u64 = 3600;

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// The certificates of an X.509 credential, borrowed, for a
    /// [`LeafTemplate`].
    pub(super) fn certificates(&self) -> Vec<&[u8]> {
        self.credential.certificates()
    }

    /// What this client's LeafNodes hold; `certificates` from
    /// [`Self::certificates`], `suites` is `[S::ID]`.
    pub(super) fn template<'a>(&'a self, certificates: &'a [&'a [u8]], suites: &'a [u16]) -> LeafTemplate<'a> {
        LeafTemplate {
            credential: self.credential.to_core(certificates),
            capabilities: Capabilities {
                versions: List::from_slice(&VERSIONS),
                cipher_suites: List::from_slice(suites),
                extensions: List::empty(),
                proposals: List::empty(),
                credentials: List::from_slice(&CREDENTIALS),
            },
            extensions: List::empty(),
        }
    }

    /// A new KeyPackage (an `MLSMessage`) and its private keys, not stored.
    pub(super) fn key_package_with_keys(&self) -> Result<(Vec<u8>, KeyPackageKeys)> {
        let certificates = self.certificates();
        let suites = [S::ID];
        let template = self.template(&certificates, &suites);
        let lifetime = match self.lifetime {
            KeyPackageLifetime::Infinite => Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
            KeyPackageLifetime::For(d) => {
                let now = (self.clock)();
                Lifetime {
                    not_before: now.saturating_sub(SKEW),
                    not_after: now.saturating_add(d.as_secs()),
                }
            }
        };
        let mut rng = self.rng();
        let sk = self.signature_key.as_slice();
        let room = 2048 + certificates.iter().map(|c| c.len()).sum::<usize>();
        let mut out = vec![0u8; room];
        let (n, keys) =
            match key_package::generate(&self.suite, &mut rng, sk, &template, lifetime, List::empty(), &mut out) {
                Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                    out = vec![0u8; needed];
                    key_package::generate(&self.suite, &mut rng, sk, &template, lifetime, List::empty(), &mut out)?
                }
                r => r?,
            };
        out.truncate(n);
        Ok((out, keys))
    }

    /// A new KeyPackage (an `MLSMessage`) to publish. Its private keys are
    /// stored; the first Welcome that uses it deletes them.
    pub fn fresh_key_package(&self) -> Result<Vec<u8>> {
        self.publish(false)
    }

    /// A new last-resort KeyPackage (an `MLSMessage`): like
    /// [`Self::fresh_key_package`], but kept after use, for when every
    /// other KeyPackage is used up.
    pub fn last_resort_key_package(&self) -> Result<Vec<u8>> {
        self.publish(true)
    }

    fn publish(&self, last_resort: bool) -> Result<Vec<u8>> {
        let (key_package, keys) = self.key_package_with_keys()?;
        let reference = KeyPackage::decode_message(&key_package)?.reference(&self.suite);
        let value = record::encode_key_package(&KeyPackageRecord {
            key_package: key_package.clone(),
            init_key: Zeroizing::new(keys.init_key.as_slice().to_vec()),
            encryption_key: Zeroizing::new(keys.encryption_key.as_slice().to_vec()),
            last_resort,
        });
        super::apply_secret(
            &*self.storage,
            vec![Write::Put {
                space: Space::KeyPackage,
                key: reference.to_vec(),
                value: value.to_vec(),
            }],
        )?;
        Ok(key_package)
    }
}
