//! Welcome messages (RFC 9420 §12.4.3.1): writing one for the members a
//! commit adds, and joining a group from one.

use super::epoch::psk_secret;
use super::proposals::MAX_PSKS;
use super::state::FirstEpoch;
use super::{Group, PskStore, encode_context};
use crate::codec::{Decode, Encode, Writer, varint_len};
use crate::credential::CredentialValidator;
use crate::crypto::labels::{decrypt_with_label, encrypt_context_len, encrypt_with_label, sign_with_label};
use crate::crypto::{AEAD_TAG_LEN, CipherSuite, CryptoRng, HashOutput, Secret, ct_eq};
use crate::error::{Error, Result};
use crate::extension::{ExternalPub, extension_type};
use crate::framing::MlsMessage;
use crate::group_context::GroupContext;
use crate::key_package::{KeyPackage, KeyPackageKeys};
use crate::key_schedule::{epoch_secrets, welcome_key_nonce, welcome_secret};
use crate::memory::Memory;
use crate::psk::{PreSharedKeyId, Psk, ResumptionPskUsage};
use crate::transcript;
use crate::tree::{Now, TreeRead};
use crate::tree_math;
use crate::treekem::PathKeys;
use crate::welcome::{GroupInfo, GroupSecrets, Welcome};

/// A member a Welcome is for.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewMember<'a> {
    pub key_package: KeyPackage<'a>,
    /// Path secret of its lowest common ancestor with the committer.
    pub path_secret: Option<&'a [u8]>,
}

/// What a Welcome carries.
pub(super) struct WelcomeParts<'a, T> {
    /// The new epoch's GroupContext.
    pub context: GroupContext<'a>,
    /// The tree, when it goes in the `ratchet_tree` extension.
    pub tree: Option<&'a T>,
    pub confirmation_tag: &'a [u8],
    pub signer: u32,
    pub signature_key: &'a [u8],
    pub joiner_secret: &'a [u8],
    pub psk_secret: &'a [u8],
    pub psks: &'a [Option<PreSharedKeyId<'a>>],
}

/// Writes `GroupInfoTBS` (§12.4.3), with the `ratchet_tree` extension if
/// the parts carry a tree and `external_pub` if given.
fn write_group_info_tbs<T: TreeRead>(
    w: &mut Writer<'_>,
    p: &WelcomeParts<'_, T>,
    external_pub: Option<&ExternalPub<'_>>,
) {
    p.context.encode(w);
    w.vec(|w| {
        if let Some(tree) = p.tree {
            w.u16(extension_type::RATCHET_TREE);
            w.vec(|w| tree.encode_tree(w));
        }
        if let Some(e) = external_pub {
            w.u16(extension_type::EXTERNAL_PUB);
            w.vec(|w| e.encode(w));
        }
    });
    w.vec_bytes(p.confirmation_tag);
    w.u32(p.signer);
}

/// Writes a signed GroupInfo into `out`; returns its length. On
/// [`Error::BufferTooSmall`] the size is exact for EdDSA suites and an
/// upper bound for ECDSA, whose signatures vary in length.
pub(super) fn write_group_info<S: CipherSuite, T: TreeRead>(
    suite: &S,
    p: &WelcomeParts<'_, T>,
    external_pub: Option<&ExternalPub<'_>>,
    out: &mut [u8],
) -> Result<usize> {
    let mut w = Writer::new(out);
    write_group_info_tbs(&mut w, p, external_pub);
    let tbs_len = w.len();
    let needed = tbs_len + crate::crypto::signature_field_max::<S>();
    let too_small = |e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed },
        e => e,
    };
    w.finish().map_err(too_small)?;
    let tbs = out.get(..tbs_len).ok_or(Error::Truncated)?;
    let signature = sign_with_label(suite, p.signature_key, b"GroupInfoTBS", &[tbs])?;
    let mut w = Writer::new(out.get_mut(tbs_len..).ok_or(Error::Truncated)?);
    w.vec_bytes(&signature);
    Ok(tbs_len + w.finish().map_err(too_small)?)
}

/// Writes the `GroupSecrets` for a member.
fn write_group_secrets(p: &WelcomeParts<'_, impl TreeRead>, m: &NewMember<'_>, w: &mut Writer<'_>) {
    w.vec_bytes(p.joiner_secret);
    w.optional(m.path_secret.as_ref(), |w, s| w.vec_bytes(s));
    w.vec(|w| p.psks.iter().flatten().for_each(|id| id.encode(w)));
}

/// Size of a member's `GroupSecrets`.
fn group_secrets_len(p: &WelcomeParts<'_, impl TreeRead>, m: &NewMember<'_>) -> usize {
    let mut w = Writer::counter();
    write_group_secrets(p, m, &mut w);
    w.len()
}

/// Room for one member's encoded `GroupSecrets`.
const GROUP_SECRETS_MAX: usize = 128 + 96 * MAX_PSKS;

/// Sizes of a Welcome, known before anything is signed: only the lengths
/// of the parts matter, so placeholders of the right length will do.
struct WelcomeLayout {
    /// Version, wire format, cipher suite and the `secrets` vector.
    head: usize,
    secrets_len: usize,
    /// Longest signed GroupInfo (ECDSA signatures vary in length).
    gi_max: usize,
    /// Longest Welcome.
    max_total: usize,
}

impl WelcomeLayout {
    /// `gi_slack`: how much longer the GroupInfo may be than `p` makes it.
    fn of<'m, S: CipherSuite, T: TreeRead>(
        p: &WelcomeParts<'_, T>,
        members: impl Iterator<Item = Result<NewMember<'m>>>,
        gi_slack: usize,
    ) -> Result<Self> {
        let mut count = Writer::counter();
        write_group_info_tbs(&mut count, p, None);
        let gi_max = count.len() + 4 + crate::crypto::MAX_SIGNATURE_LEN + gi_slack;
        let mut secrets_len = 0;
        for m in members {
            let gs = group_secrets_len(p, &m?);
            if gs > GROUP_SECRETS_MAX {
                return Err(Error::CapacityExceeded {
                    what: "PSKs in a Welcome",
                });
            }
            let ct = gs + AEAD_TAG_LEN;
            secrets_len +=
                1 + S::HASH_LEN + varint_len(S::KEM_PUBLIC_KEY_LEN) + S::KEM_PUBLIC_KEY_LEN + varint_len(ct) + ct;
        }
        let head = 4 + 2 + varint_len(secrets_len) + secrets_len;
        let max_total = head + 4 + gi_max + AEAD_TAG_LEN;
        Ok(WelcomeLayout {
            head,
            secrets_len,
            gi_max,
            max_total,
        })
    }

    /// Room [`write_welcome`] needs: the message, then the signed
    /// GroupInfo or the HPKE info (the `EncryptContext` holding the
    /// encrypted GroupInfo), whichever is longer.
    fn needed(&self) -> usize {
        let info_max = encrypt_context_len(b"Welcome", &[]) + 4 + self.gi_max + AEAD_TAG_LEN;
        self.max_total + info_max.max(self.gi_max)
    }
}

/// Room [`write_welcome`] needs for `members`, and for a GroupInfo up to
/// `gi_slack` bytes longer than `p` makes it (a tree whose committer leaf
/// is signed again may grow); fails as it would on members it cannot
/// write, so that a caller can check before it signs.
pub(super) fn welcome_bound<'m, S: CipherSuite, T: TreeRead>(
    p: &WelcomeParts<'_, T>,
    members: impl Iterator<Item = Result<NewMember<'m>>>,
    gi_slack: usize,
) -> Result<usize> {
    Ok(WelcomeLayout::of::<S, T>(p, members, gi_slack)?.needed())
}

/// Writes `MLSMessage(Welcome)` for the `members` (given twice: once to
/// size, once to write) into `out` (§12.4.3.1); returns its length. `out`
/// also serves as scratch and needs [`welcome_bound`] bytes.
pub(super) fn write_welcome<'m, S, T, R, I>(
    suite: &S,
    p: &WelcomeParts<'_, T>,
    members: impl Fn() -> I,
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize>
where
    S: CipherSuite,
    T: TreeRead,
    R: CryptoRng,
    I: Iterator<Item = Result<NewMember<'m>>>,
{
    let layout = WelcomeLayout::of::<S, T>(p, members(), 0)?;
    let needed = layout.needed();
    let WelcomeLayout {
        head,
        secrets_len,
        max_total,
        ..
    } = layout;
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }

    // The GroupInfo, signed past the end of the message, then moved to its
    // place and encrypted there with the welcome key (§12.4.3.1).
    let gi_len = write_group_info(suite, p, None, out.get_mut(max_total..).ok_or(Error::Truncated)?)?;
    let egi_len = gi_len + AEAD_TAG_LEN;
    let egi_at = head + varint_len(egi_len);
    let total = egi_at + egi_len;
    out.copy_within(max_total..max_total + gi_len, egi_at);
    let ws = welcome_secret(suite, p.joiner_secret, p.psk_secret)?;
    let (key, nonce) = welcome_key_nonce(suite, ws.as_slice())?;
    let (body, rest) = out.split_at_mut(egi_at + gi_len);
    let gi = body.get_mut(egi_at..).ok_or(Error::Truncated)?;
    let tag = suite.aead_seal(key.as_slice(), &nonce, &[], gi)?;
    rest.get_mut(..AEAD_TAG_LEN)
        .ok_or(Error::Truncated)?
        .copy_from_slice(&tag);

    // Each member's GroupSecrets, encrypted to its init key with the
    // encrypted GroupInfo as context.
    let (head_buf, tail) = out.split_at_mut(egi_at);
    let (egi, scratch) = tail.split_at_mut(egi_len);
    let mut w = Writer::new(head_buf);
    w.u16(crate::MLS10);
    w.u16(3);
    w.u16(S::ID);
    w.varint(secrets_len);
    let mut gs_buf = [0u8; GROUP_SECRETS_MAX];
    for m in members() {
        let m = m?;
        let mut gw = Writer::new(&mut gs_buf);
        write_group_secrets(p, &m, &mut gw);
        let gs_len = gw.finish().map_err(|_| Error::CapacityExceeded {
            what: "PSKs in a Welcome",
        })?;
        let gs = gs_buf.get_mut(..gs_len).ok_or(Error::Truncated)?;
        let kp = &m.key_package;
        let (kem_output, tag) = encrypt_with_label(suite, kp.init_key, b"Welcome", egi, scratch, gs, rng)?;
        w.vec_bytes(&kp.reference(suite));
        w.vec_bytes(&kem_output);
        w.varint(gs_len + AEAD_TAG_LEN);
        w.put(gs);
        w.put(&tag);
    }
    w.varint(egi_len);
    w.finish()?;
    Ok(total)
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Joins a group from a `welcome` (an `MLSMessage`) meant for the
    /// KeyPackage `key_package` (an `MLSMessage` or a bare KeyPackage),
    /// whose private keys are `keys` and `signature_key` (§12.4.3.1). The
    /// tree comes from the GroupInfo's `ratchet_tree` extension, or from
    /// `ratchet_tree` (an encoded `ratchet_tree`) when given out of band;
    /// it is validated completely. `scratch` must hold twice the Welcome.
    /// Replaces whatever the group held; on error the group is left empty.
    ///
    /// # Examples
    ///
    /// Bob joins from a Welcome that carries the tree (the default,
    /// [`CommitOptions::ratchet_tree_in_welcome`](super::CommitOptions::ratchet_tree_in_welcome)):
    ///
    /// ```
    /// # use chacha20::ChaCha20Rng;
    /// # use mls_nostd::codec::List;
    /// # use mls_nostd::credential::{Credential, credential_type};
    /// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
    /// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
    /// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
    /// # use mls_nostd::proposal::Proposal;
    /// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
    /// # use mls_nostd::Error;
    /// # use rand_core::SeedableRng;
    /// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
    /// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
    /// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
    /// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
    /// #     let (sk, _) = SUITE.signature_key_pair(rng);
    /// #     let capabilities = Capabilities {
    /// #         versions: List::from_slice(&[mls_nostd::MLS10]),
    /// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
    /// #         extensions: List::empty(),
    /// #         proposals: List::empty(),
    /// #         credentials: List::from_slice(&[credential_type::BASIC]),
    /// #     };
    /// #     let credential = Credential::Basic { identity: name };
    /// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
    /// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
    /// #     let mut kp = vec![0u8; 1024];
    /// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
    /// #         .unwrap();
    /// #     kp.truncate(len);
    /// #     (sk, kp, keys)
    /// # }
    /// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
    /// # let now = Now::UnixSeconds(1_767_225_600);
    /// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
    /// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
    /// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
    /// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: true, ..CommitOptions::default() };
    /// # let mut work = vec![0u8; 8192];
    /// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
    /// # let mut buf = vec![0u8; out.commit.len()];
    /// # alice.process(out.commit, &(), now, &mut buf)?;
    /// # let welcome = out.welcome.unwrap();
    /// let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// let mut scratch = vec![0u8; 2 * welcome.len()];
    /// bob.join(
    ///     welcome,
    ///     &bob_kp,            // the KeyPackage the Welcome is for
    ///     &bob_keys,          // and its private keys
    ///     bob_sk.as_slice(),  // Bob's signature private key
    ///     None,               // the tree is in the Welcome
    ///     &(),                // no PSKs
    ///     now,
    ///     &mut scratch,
    /// )?;
    /// assert_eq!((bob.epoch(), bob.own_leaf()), (1, 1));
    /// assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// With `ratchet_tree_in_welcome: false` the Welcome is smaller, and the
    /// tree comes out of band: here from Alice, once she has applied her commit.
    ///
    /// ```
    /// # use chacha20::ChaCha20Rng;
    /// # use mls_nostd::codec::List;
    /// # use mls_nostd::credential::{Credential, credential_type};
    /// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
    /// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
    /// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
    /// # use mls_nostd::proposal::Proposal;
    /// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
    /// # use mls_nostd::Error;
    /// # use rand_core::SeedableRng;
    /// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
    /// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
    /// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
    /// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
    /// #     let (sk, _) = SUITE.signature_key_pair(rng);
    /// #     let capabilities = Capabilities {
    /// #         versions: List::from_slice(&[mls_nostd::MLS10]),
    /// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
    /// #         extensions: List::empty(),
    /// #         proposals: List::empty(),
    /// #         credentials: List::from_slice(&[credential_type::BASIC]),
    /// #     };
    /// #     let credential = Credential::Basic { identity: name };
    /// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
    /// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
    /// #     let mut kp = vec![0u8; 1024];
    /// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
    /// #         .unwrap();
    /// #     kp.truncate(len);
    /// #     (sk, kp, keys)
    /// # }
    /// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
    /// # let now = Now::UnixSeconds(1_767_225_600);
    /// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
    /// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
    /// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
    /// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: false, ..CommitOptions::default() };
    /// # let mut work = vec![0u8; 8192];
    /// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
    /// # let mut buf = vec![0u8; out.commit.len()];
    /// # alice.process(out.commit, &(), now, &mut buf)?;
    /// # let welcome = out.welcome.unwrap();
    /// use mls_nostd::codec::Encode;
    /// let mut tree = vec![0u8; alice.tree().encoded_len()];
    /// alice.tree().encode_to(&mut tree)?;
    ///
    /// let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// let mut scratch = vec![0u8; 2 * welcome.len()];
    /// bob.join(welcome, &bob_kp, &bob_keys, bob_sk.as_slice(), Some(&tree), &(), now, &mut scratch)?;
    /// assert_eq!(bob.tree_hash(), alice.tree_hash());
    /// # Ok::<(), Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        &mut self,
        welcome: &[u8],
        key_package: &[u8],
        keys: &KeyPackageKeys,
        signature_key: &[u8],
        ratchet_tree: Option<&[u8]>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
        scratch: &mut [u8],
    ) -> Result<()> {
        let r = self.join_inner(
            welcome,
            key_package,
            keys,
            signature_key,
            ratchet_tree,
            psks,
            now,
            scratch,
        );
        self.empty_on_error(r)
    }

    #[allow(clippy::too_many_arguments)]
    fn join_inner(
        &mut self,
        welcome: &[u8],
        key_package: &[u8],
        keys: &KeyPackageKeys,
        signature_key: &[u8],
        ratchet_tree: Option<&[u8]>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
        scratch: &mut [u8],
    ) -> Result<()> {
        let MlsMessage::Welcome(w) = MlsMessage::decode_exact(welcome)? else {
            return Err(Error::WrongWireFormat);
        };
        let kp = KeyPackage::decode_message(key_package)?;
        if w.cipher_suite != S::ID || kp.cipher_suite != S::ID {
            return Err(Error::UnsupportedCipherSuite(w.cipher_suite));
        }
        let secrets = find_secrets(&self.suite, &w, &kp)?;

        // GroupSecrets, decrypted with the init key.
        let egi = w.encrypted_group_info;
        let info_len = encrypt_context_len(b"Welcome", egi);
        let ct = secrets.encrypted_group_secrets.ciphertext;
        let gs_len = ct.len().checked_sub(AEAD_TAG_LEN).ok_or(Error::DecryptionFailed)?;
        let gi_len = egi.len().checked_sub(AEAD_TAG_LEN).ok_or(Error::DecryptionFailed)?;
        if scratch.len() < info_len + gs_len + gi_len {
            return Err(Error::BufferTooSmall {
                needed: info_len + gs_len + gi_len,
            });
        }
        let (info, rest) = scratch.split_at_mut(info_len);
        let (gs_buf, gi_buf) = rest.split_at_mut(gs_len);
        let (body, tag) = ct.split_at(gs_len);
        gs_buf.copy_from_slice(body);
        let kem = secrets.encrypted_group_secrets.kem_output;
        decrypt_with_label(
            &self.suite,
            keys.init_key.as_slice(),
            b"Welcome",
            egi,
            info,
            kem,
            gs_buf,
            tag,
        )?;
        let gs = GroupSecrets::decode_exact(gs_buf)?;

        // PSKs, then the GroupInfo (§8.4, §12.4.3.1).
        let mut ids = [None; MAX_PSKS];
        let mut branch_or_reinit = 0;
        let mut resumed = None;
        for (slot, id) in ids.iter_mut().zip(gs.psks.iter()) {
            if let Psk::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } = id.psk
            {
                if usage != ResumptionPskUsage::Application {
                    branch_or_reinit += 1;
                }
                if usage == ResumptionPskUsage::Reinit {
                    resumed = Some((psk_group_id, psk_epoch));
                }
            }
            *slot = Some(id);
        }
        if gs.psks.len() > MAX_PSKS || branch_or_reinit > 1 {
            return Err(Error::Malformed {
                reason: "too many PSKs, or more than one reinit/branch PSK",
            });
        }
        let psk = psk_secret(&self.suite, &ids, |_, _| None, psks)?;
        let ws = welcome_secret(&self.suite, gs.joiner_secret, psk.as_slice())?;
        let (key, nonce) = welcome_key_nonce(&self.suite, ws.as_slice())?;
        let gi_plain = gi_buf.get_mut(..gi_len).ok_or(Error::Truncated)?;
        let (body, tag) = egi.split_at(gi_len);
        gi_plain.copy_from_slice(body);
        self.suite.aead_open(key.as_slice(), &nonce, &[], gi_plain, tag)?;
        let gi = GroupInfo::decode_exact(gi_plain)?;
        let gc = &gi.group_context;
        if branch_or_reinit > 0 && gc.epoch != 1 {
            return Err(Error::Malformed {
                reason: "reinit or branch group not at epoch 1",
            });
        }
        // §12.4.3.1: a reinit group is the one its ReInit asked for.
        if let Some((old_group, old_epoch)) = resumed {
            let matches = psks.reinit(old_group, old_epoch).is_some_and(|r| {
                r.group_id == gc.group_id
                    && r.version == crate::MLS10
                    && r.cipher_suite == gc.cipher_suite
                    && r.extensions == gc.extensions
            });
            if !matches {
                return Err(Error::Malformed {
                    reason: "reinit Welcome that does not match the ReInit",
                });
            }
        }
        self.import_group_info_tree(&gi, ratchet_tree, now)?;
        let own = (0..self.tree.width())
            .find(|&i| self.tree.leaf_bytes(i) == Some(kp.leaf_node.raw))
            .ok_or(Error::Malformed {
                reason: "own leaf not in the tree",
            })?;

        // Private keys: the leaf's, and the path from the common ancestor
        // with the committer up (§12.4.3.1).
        let mut path_keys = PathKeys::new(own, keys.encryption_key.as_slice())?;
        if let Some(ps) = gs.path_secret {
            let lca = tree_math::common_ancestor(tree_math::leaf_to_node(own), tree_math::leaf_to_node(gi.signer));
            let mut secret = Secret::from_slice(ps)?;
            for node in core::iter::once(lca).chain(tree_math::direct_path(lca, self.tree.width())) {
                let Some(public) = self.tree.encryption_key(node) else {
                    continue;
                };
                path_keys.set_from_path_secret(&self.suite, node, secret.as_slice(), public)?;
                secret = crate::crypto::labels::derive_secret(&self.suite, secret.as_slice(), b"path")?;
            }
        }

        // Key schedule and confirmation tag.
        let context = encode_context(gc)?;
        let secrets = epoch_secrets(&self.suite, gs.joiner_secret, psk.as_slice(), &context)?;
        let tag = transcript::confirmation_tag(
            &self.suite,
            secrets.confirmation_key.as_slice(),
            gc.confirmed_transcript_hash,
        );
        if !ct_eq(&tag, gi.confirmation_tag) {
            return Err(Error::InvalidMac);
        }
        if self.suite.signature_public_key(signature_key)?.as_slice() != kp.leaf_node.signature_key {
            return Err(Error::InvalidKey);
        }
        let first = FirstEpoch {
            group_id: gc.group_id,
            epoch: gc.epoch,
            extensions: &gc.extensions,
            confirmed_transcript_hash: HashOutput::from_slice(gc.confirmed_transcript_hash)?,
            interim_transcript_hash: transcript::interim_transcript_hash(
                &self.suite,
                gc.confirmed_transcript_hash,
                &tag,
            ),
            confirmation_tag: tag,
            own,
            keys: path_keys,
            signature_key,
            secrets,
            n_leaves: self.tree.width(),
        };
        // The tree is in place already.
        self.install(first, |_| Ok(()))
    }
}

/// The entry of `welcome` meant for `kp` (§12.4.3.1).
fn find_secrets<'a, S: CipherSuite>(
    suite: &S,
    welcome: &Welcome<'a>,
    kp: &KeyPackage<'_>,
) -> Result<crate::welcome::EncryptedGroupSecrets<'a>> {
    let reference = kp.reference(suite);
    welcome
        .secrets
        .iter()
        .find(|s| s.new_member == reference.as_slice())
        .ok_or(Error::Malformed {
            reason: "Welcome not for this KeyPackage",
        })
}
