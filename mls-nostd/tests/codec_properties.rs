//! Properties of the codec (the TLS presentation language, RFC 9420 §2.1)
//! for every structure a peer can send.
//!
//! For random valid values of each structure:
//!
//! - decoding the encoding gives the value back (`decode(encode(v)) == v`,
//!   field by field), and encoding that again gives the same bytes;
//! - `encoded_len` is exact: `encode_to` fills a buffer of that size and
//!   refuses one byte less with `BufferTooSmall`;
//! - every proper prefix of the encoding is refused with `Truncated`
//!   (never a panic, never a shorter value), and the encoding followed by
//!   one more byte is refused with `TrailingData`.
//!
//! The views borrow their bytes, so the strategies leak what they generate
//! (a few kilobytes a case) to make every value `'static`, and compose the
//! way the structures nest.
//!
//! Values are generated only where decoding must accept them: enumerated
//! fields take their known values (unknown ones are `UnknownValue`, and the
//! bodies of unknown credential and proposal types cannot be skipped for
//! lack of a length); `version` is written by the encoders of MLSMessage
//! and GroupContext, which accept only `mls10`; and a PublicMessage carries
//! a `confirmation_tag` exactly for a commit and a `membership_tag` exactly
//! for a member sender, which is how its decoder knows whether they follow.

use core::fmt::Debug;

use mls_nostd::Error;
use mls_nostd::codec::{Decode, Encode, List, Writer};
use mls_nostd::commit::{Commit, ProposalOrRef};
use mls_nostd::credential::Credential;
use mls_nostd::extension::{Extension, Extensions, ExternalPub, ExternalSender, RequiredCapabilities};
use mls_nostd::framing::{
    AuthenticatedContent, Content, ContentType, FramedContent, FramedContentAuthData, MlsMessage, PrivateMessage,
    PublicMessage, Sender, WireFormat,
};
use mls_nostd::group_context::GroupContext;
use mls_nostd::key_package::KeyPackage;
use mls_nostd::proposal::{Proposal, ReInit};
use mls_nostd::psk::{PreSharedKeyId, Psk, ResumptionPskUsage};
use mls_nostd::tree::{Capabilities, LeafNode, LeafNodeSource, Lifetime, Node, NodeList, ParentNode};
use mls_nostd::treekem::{HpkeCiphertext, UpdatePath, UpdatePathNode};
use mls_nostd::welcome::{EncryptedGroupSecrets, GroupInfo, GroupSecrets, Welcome};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

// ---- the checks ----

/// Checks every property of the module doc on `v`; returns the decoded
/// value and the encoding it borrows from.
fn roundtrip<T>(v: &T) -> (T, &'static [u8])
where
    T: Encode + Decode<'static> + Sent + Copy + PartialEq + Debug,
{
    let len = v.encoded_len();
    let mut buf = vec![0u8; len];
    assert_eq!(v.encode_to(&mut buf), Ok(len), "encoded_len is exact");
    if let Some(short) = len.checked_sub(1) {
        assert_eq!(
            v.encode_to(&mut vec![0u8; short]),
            Err(Error::BufferTooSmall { needed: len })
        );
    }
    let e: &'static [u8] = buf.leak();

    let d = T::decode_exact(e).unwrap_or_else(|err| panic!("{v:?} encodes to {e:02x?}, which fails with {err:?}"));
    assert_eq!(d.into_sent(), *v, "decode(encode(v)) == v");
    assert_eq!(encode(&d), e, "encode(decode(encode(v))) == encode(v)");

    for cut in 0..len {
        assert_eq!(
            T::decode_exact(&e[..cut]).err(),
            Some(Error::Truncated),
            "prefix of {cut} of {len} bytes: {e:02x?}"
        );
    }
    let mut longer = e.to_vec();
    longer.push(0);
    assert_eq!(T::decode_exact(longer.leak()).err(), Some(Error::TrailingData));
    (d, e)
}

fn encode<T: Encode + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode_to(&mut out).expect("sized by encoded_len");
    out
}

/// The value as a sender builds it. Decoding also records the received
/// bytes that signatures and MACs cover (`raw`, `signed_bytes`,
/// `aad_bytes`, `body_bytes`, empty in a built value); `into_sent` empties
/// them so that a decoded value compares field by field with the generated
/// one. Those fields are checked against the encoding in their own tests.
trait Sent: Sized {
    fn into_sent(self) -> Self {
        self
    }
}

/// Structures with no received bytes in them.
macro_rules! sent_as_is {
    ($($t:ty),* $(,)?) => { $(impl Sent for $t {})* };
}

sent_as_is!(
    u16,
    u32,
    Sender,
    Lifetime,
    LeafNodeSource<'_>,
    Capabilities<'_>,
    Credential<'_>,
    Extension<'_>,
    RequiredCapabilities<'_>,
    ExternalPub<'_>,
    ExternalSender<'_>,
    GroupContext<'_>,
    ParentNode<'_>,
    PreSharedKeyId<'_>,
    HpkeCiphertext<'_>,
    UpdatePathNode<'_>,
    GroupSecrets<'_>,
    EncryptedGroupSecrets<'_>,
    Welcome<'_>,
);

impl<T: Sent> Sent for Option<T> {
    fn into_sent(self) -> Self {
        self.map(T::into_sent)
    }
}

/// Only for lists of structures that hold received bytes (a decoded list
/// re-decodes its elements on every pass).
impl<T: Sent + Decode<'static> + Clone + 'static> Sent for List<'static, T> {
    fn into_sent(self) -> Self {
        List::from_slice(leak(self.iter().map(T::into_sent).collect()))
    }
}

impl Sent for LeafNode<'_> {
    fn into_sent(self) -> Self {
        LeafNode {
            signed_bytes: &[],
            raw: &[],
            ..self
        }
    }
}

impl Sent for KeyPackage<'_> {
    fn into_sent(self) -> Self {
        KeyPackage {
            leaf_node: self.leaf_node.into_sent(),
            signed_bytes: &[],
            ..self
        }
    }
}

impl Sent for GroupInfo<'_> {
    fn into_sent(self) -> Self {
        GroupInfo {
            signed_bytes: &[],
            ..self
        }
    }
}

impl Sent for Node<'_> {
    fn into_sent(self) -> Self {
        match self {
            Node::Leaf(l) => Node::Leaf(l.into_sent()),
            p => p,
        }
    }
}

impl Sent for Proposal<'_> {
    fn into_sent(self) -> Self {
        match self {
            Proposal::Add { key_package } => Proposal::Add {
                key_package: key_package.into_sent(),
            },
            Proposal::Update { leaf_node } => Proposal::Update {
                leaf_node: leaf_node.into_sent(),
            },
            p => p,
        }
    }
}

impl Sent for ProposalOrRef<'_> {
    fn into_sent(self) -> Self {
        match self {
            ProposalOrRef::Proposal(p) => ProposalOrRef::Proposal(p.into_sent()),
            r => r,
        }
    }
}

impl Sent for UpdatePath<'_> {
    fn into_sent(self) -> Self {
        UpdatePath {
            leaf_node: self.leaf_node.into_sent(),
            ..self
        }
    }
}

impl Sent for Commit<'static> {
    fn into_sent(self) -> Self {
        Commit {
            proposals: self.proposals.into_sent(),
            path: self.path.into_sent(),
        }
    }
}

impl Sent for FramedContent<'static> {
    fn into_sent(self) -> Self {
        let content = match self.content {
            Content::Application(a) => Content::Application(a),
            Content::Proposal(p) => Content::Proposal(p.into_sent()),
            Content::Commit(c) => Content::Commit(c.into_sent()),
        };
        FramedContent { content, ..self }
    }
}

impl Sent for AuthenticatedContent<'static> {
    fn into_sent(self) -> Self {
        AuthenticatedContent {
            content: self.content.into_sent(),
            ..self
        }
    }
}

impl Sent for PublicMessage<'static> {
    fn into_sent(self) -> Self {
        PublicMessage {
            content: self.content.into_sent(),
            body_bytes: &[],
            ..self
        }
    }
}

impl Sent for PrivateMessage<'_> {
    fn into_sent(self) -> Self {
        PrivateMessage { aad_bytes: &[], ..self }
    }
}

impl Sent for MlsMessage<'static> {
    fn into_sent(self) -> Self {
        match self {
            MlsMessage::PublicMessage(m) => MlsMessage::PublicMessage(m.into_sent()),
            MlsMessage::PrivateMessage(m) => MlsMessage::PrivateMessage(m.into_sent()),
            MlsMessage::Welcome(m) => MlsMessage::Welcome(m),
            MlsMessage::GroupInfo(m) => MlsMessage::GroupInfo(m.into_sent()),
            MlsMessage::KeyPackage(m) => MlsMessage::KeyPackage(m.into_sent()),
        }
    }
}

// ---- the strategies ----

fn leak<T>(v: Vec<T>) -> &'static [T] {
    v.leak()
}

/// An `opaque x<V>`: up to 70 bytes, so that both the one-byte and the
/// two-byte length headers (from 64 bytes) occur.
fn bytes() -> impl Strategy<Value = &'static [u8]> {
    vec(any::<u8>(), 0..=70).prop_map(leak)
}

/// Like [`bytes`], and now and then around 16384 bytes, where the length
/// header grows to four bytes. Only for fields the truncation check can
/// afford to cut at every byte.
fn long_bytes() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        4 => bytes(),
        1 => (16_380usize..=16_390, any::<u8>()).prop_map(|(n, b)| leak(vec![b; n])),
    ]
}

/// A `T x<V>` of up to `max` elements.
fn list<T>(element: impl Strategy<Value = T>, max: usize) -> impl Strategy<Value = List<'static, T>>
where
    T: Decode<'static> + Clone + Debug + 'static,
{
    vec(element, 0..=max).prop_map(|v| List::from_slice(leak(v)))
}

fn credential() -> impl Strategy<Value = Credential<'static>> {
    prop_oneof![
        bytes().prop_map(|identity| Credential::Basic { identity }),
        list(bytes(), 3).prop_map(|certificates| Credential::X509 { certificates }),
    ]
}

fn extension_with(data: impl Strategy<Value = &'static [u8]>) -> impl Strategy<Value = Extension<'static>> {
    (any::<u16>(), data).prop_map(|(extension_type, data)| Extension { extension_type, data })
}

fn extension() -> impl Strategy<Value = Extension<'static>> {
    extension_with(bytes())
}

/// Up to `max` extensions of distinct types: a list that repeats a type
/// is refused (§13.4, see `repeated_extension_type_is_refused`).
fn extension_list(
    data: impl Strategy<Value = &'static [u8]>,
    max: usize,
) -> impl Strategy<Value = Extensions<'static>> {
    vec(extension_with(data), 0..=max).prop_map(|mut v| {
        let mut seen = std::collections::BTreeSet::new();
        v.retain(|e| seen.insert(e.extension_type));
        List::from_slice(leak(v))
    })
}

fn extensions() -> impl Strategy<Value = Extensions<'static>> {
    extension_list(bytes(), 3)
}

fn types() -> impl Strategy<Value = List<'static, u16>> {
    list(any::<u16>(), 40)
}

fn required_capabilities() -> impl Strategy<Value = RequiredCapabilities<'static>> {
    (types(), types(), types()).prop_map(
        |(extension_types, proposal_types, credential_types)| RequiredCapabilities {
            extension_types,
            proposal_types,
            credential_types,
        },
    )
}

fn external_sender() -> impl Strategy<Value = ExternalSender<'static>> {
    (bytes(), credential()).prop_map(|(signature_key, credential)| ExternalSender {
        signature_key,
        credential,
    })
}

fn capabilities() -> impl Strategy<Value = Capabilities<'static>> {
    (types(), types(), types(), types(), types()).prop_map(
        |(versions, cipher_suites, extensions, proposals, credentials)| Capabilities {
            versions,
            cipher_suites,
            extensions,
            proposals,
            credentials,
        },
    )
}

fn lifetime() -> impl Strategy<Value = Lifetime> {
    (any::<u64>(), any::<u64>()).prop_map(|(not_before, not_after)| Lifetime { not_before, not_after })
}

/// `leaf_node_source` is 1, 2 or 3; each selects its own field.
fn leaf_node_source() -> impl Strategy<Value = LeafNodeSource<'static>> {
    prop_oneof![
        lifetime().prop_map(LeafNodeSource::KeyPackage),
        Just(LeafNodeSource::Update),
        bytes().prop_map(|parent_hash| LeafNodeSource::Commit { parent_hash }),
    ]
}

fn leaf_node() -> impl Strategy<Value = LeafNode<'static>> {
    (
        bytes(),
        bytes(),
        credential(),
        capabilities(),
        leaf_node_source(),
        extensions(),
        bytes(),
    )
        .prop_map(
            |(encryption_key, signature_key, credential, capabilities, source, extensions, signature)| LeafNode {
                encryption_key,
                signature_key,
                credential,
                capabilities,
                source,
                extensions,
                signature,
                signed_bytes: &[],
                raw: &[],
            },
        )
}

fn parent_node() -> impl Strategy<Value = ParentNode<'static>> {
    (bytes(), bytes(), list(any::<u32>(), 8)).prop_map(|(encryption_key, parent_hash, unmerged_leaves)| ParentNode {
        encryption_key,
        parent_hash,
        unmerged_leaves,
    })
}

fn node() -> impl Strategy<Value = Node<'static>> {
    prop_oneof![leaf_node().prop_map(Node::Leaf), parent_node().prop_map(Node::Parent)]
}

/// Blank nodes anywhere, the last one included: the decoder leaves the
/// shape of the tree to the import.
fn node_list() -> impl Strategy<Value = NodeList<'static>> {
    list(option::of(node()), 5)
}

fn key_package() -> impl Strategy<Value = KeyPackage<'static>> {
    (any::<u16>(), any::<u16>(), bytes(), leaf_node(), extensions(), bytes()).prop_map(
        |(version, cipher_suite, init_key, leaf_node, extensions, signature)| KeyPackage {
            version,
            cipher_suite,
            init_key,
            leaf_node,
            extensions,
            signature,
            signed_bytes: &[],
        },
    )
}

/// `psktype` is `external` or `resumption`, and the usage of a resumption
/// PSK one of the three known ones.
fn pre_shared_key_id() -> impl Strategy<Value = PreSharedKeyId<'static>> {
    let usage = prop_oneof![
        Just(ResumptionPskUsage::Application),
        Just(ResumptionPskUsage::Reinit),
        Just(ResumptionPskUsage::Branch),
    ];
    let psk = prop_oneof![
        bytes().prop_map(|psk_id| Psk::External { psk_id }),
        (usage, bytes(), any::<u64>()).prop_map(|(usage, psk_group_id, psk_epoch)| Psk::Resumption {
            usage,
            psk_group_id,
            psk_epoch,
        }),
    ];
    (psk, bytes()).prop_map(|(psk, psk_nonce)| PreSharedKeyId { psk, psk_nonce })
}

fn reinit() -> impl Strategy<Value = ReInit<'static>> {
    (bytes(), any::<u16>(), any::<u16>(), extensions()).prop_map(|(group_id, version, cipher_suite, extensions)| {
        ReInit {
            group_id,
            version,
            cipher_suite,
            extensions,
        }
    })
}

/// One of the seven proposal types of RFC 9420.
fn proposal() -> impl Strategy<Value = Proposal<'static>> {
    prop_oneof![
        key_package().prop_map(|key_package| Proposal::Add { key_package }),
        leaf_node().prop_map(|leaf_node| Proposal::Update { leaf_node }),
        any::<u32>().prop_map(|removed| Proposal::Remove { removed }),
        pre_shared_key_id().prop_map(|psk| Proposal::PreSharedKey { psk }),
        reinit().prop_map(Proposal::ReInit),
        bytes().prop_map(|kem_output| Proposal::ExternalInit { kem_output }),
        extensions().prop_map(|extensions| Proposal::GroupContextExtensions { extensions }),
    ]
}

fn proposal_or_ref() -> impl Strategy<Value = ProposalOrRef<'static>> {
    prop_oneof![
        proposal().prop_map(ProposalOrRef::Proposal),
        bytes().prop_map(ProposalOrRef::Reference),
    ]
}

fn hpke_ciphertext() -> impl Strategy<Value = HpkeCiphertext<'static>> {
    (bytes(), bytes()).prop_map(|(kem_output, ciphertext)| HpkeCiphertext { kem_output, ciphertext })
}

fn update_path_node() -> impl Strategy<Value = UpdatePathNode<'static>> {
    (bytes(), list(hpke_ciphertext(), 3)).prop_map(|(encryption_key, encrypted_path_secret)| UpdatePathNode {
        encryption_key,
        encrypted_path_secret,
    })
}

fn update_path() -> impl Strategy<Value = UpdatePath<'static>> {
    (leaf_node(), list(update_path_node(), 3)).prop_map(|(leaf_node, nodes)| UpdatePath { leaf_node, nodes })
}

fn commit_with(path: impl Strategy<Value = Option<UpdatePath<'static>>>) -> impl Strategy<Value = Commit<'static>> {
    (list(proposal_or_ref(), 3), path).prop_map(|(proposals, path)| Commit { proposals, path })
}

/// With or without a path.
fn commit() -> impl Strategy<Value = Commit<'static>> {
    commit_with(option::of(update_path()))
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        any::<u32>().prop_map(Sender::Member),
        any::<u32>().prop_map(Sender::External),
        Just(Sender::NewMemberProposal),
        Just(Sender::NewMemberCommit),
    ]
}

fn content_type() -> impl Strategy<Value = ContentType> {
    prop_oneof![
        Just(ContentType::Application),
        Just(ContentType::Proposal),
        Just(ContentType::Commit),
    ]
}

fn wire_format() -> impl Strategy<Value = WireFormat> {
    prop_oneof![
        Just(WireFormat::PublicMessage),
        Just(WireFormat::PrivateMessage),
        Just(WireFormat::Welcome),
        Just(WireFormat::GroupInfo),
        Just(WireFormat::KeyPackage),
    ]
}

/// Any sender with any content: which combinations a group accepts is
/// checked after decoding, not by it.
fn framed_content() -> impl Strategy<Value = FramedContent<'static>> {
    let content = prop_oneof![
        long_bytes().prop_map(Content::Application),
        proposal().prop_map(Content::Proposal),
        commit().prop_map(Content::Commit),
    ];
    (bytes(), any::<u64>(), sender(), bytes(), content).prop_map(
        |(group_id, epoch, sender, authenticated_data, content)| FramedContent {
            group_id,
            epoch,
            sender,
            authenticated_data,
            content,
        },
    )
}

/// `FramedContentAuthData` for `content`: a confirmation tag exactly for
/// a commit.
fn auth_for(
    content: &FramedContent<'_>,
    signature: &'static [u8],
    tag: &'static [u8],
) -> FramedContentAuthData<'static> {
    FramedContentAuthData {
        signature,
        confirmation_tag: matches!(content.content, Content::Commit(_)).then_some(tag),
    }
}

fn authenticated_content() -> impl Strategy<Value = AuthenticatedContent<'static>> {
    (wire_format(), framed_content(), bytes(), bytes()).prop_map(|(wire_format, content, signature, tag)| {
        AuthenticatedContent {
            wire_format,
            auth: auth_for(&content, signature, tag),
            content,
        }
    })
}

/// A membership tag exactly for a member sender.
fn public_message() -> impl Strategy<Value = PublicMessage<'static>> {
    (framed_content(), bytes(), bytes(), bytes()).prop_map(|(content, signature, tag, membership_tag)| PublicMessage {
        auth: auth_for(&content, signature, tag),
        membership_tag: matches!(content.sender, Sender::Member(_)).then_some(membership_tag),
        content,
        body_bytes: &[],
    })
}

fn private_message() -> impl Strategy<Value = PrivateMessage<'static>> {
    (bytes(), any::<u64>(), content_type(), bytes(), bytes(), long_bytes()).prop_map(
        |(group_id, epoch, content_type, authenticated_data, encrypted_sender_data, ciphertext)| PrivateMessage {
            group_id,
            epoch,
            content_type,
            authenticated_data,
            encrypted_sender_data,
            ciphertext,
            aad_bytes: &[],
        },
    )
}

fn group_context() -> impl Strategy<Value = GroupContext<'static>> {
    (any::<u16>(), bytes(), any::<u64>(), bytes(), bytes(), extensions()).prop_map(
        |(cipher_suite, group_id, epoch, tree_hash, confirmed_transcript_hash, extensions)| GroupContext {
            cipher_suite,
            group_id,
            epoch,
            tree_hash,
            confirmed_transcript_hash,
            extensions,
        },
    )
}

fn group_info() -> impl Strategy<Value = GroupInfo<'static>> {
    (group_context(), extensions(), bytes(), any::<u32>(), bytes()).prop_map(
        |(group_context, extensions, confirmation_tag, signer, signature)| GroupInfo {
            group_context,
            extensions,
            confirmation_tag,
            signer,
            signature,
            signed_bytes: &[],
        },
    )
}

fn group_secrets() -> impl Strategy<Value = GroupSecrets<'static>> {
    (bytes(), option::of(bytes()), list(pre_shared_key_id(), 3)).prop_map(|(joiner_secret, path_secret, psks)| {
        GroupSecrets {
            joiner_secret,
            path_secret,
            psks,
        }
    })
}

fn encrypted_group_secrets() -> impl Strategy<Value = EncryptedGroupSecrets<'static>> {
    (bytes(), hpke_ciphertext()).prop_map(|(new_member, encrypted_group_secrets)| EncryptedGroupSecrets {
        new_member,
        encrypted_group_secrets,
    })
}

fn welcome() -> impl Strategy<Value = Welcome<'static>> {
    (any::<u16>(), list(encrypted_group_secrets(), 3), long_bytes()).prop_map(
        |(cipher_suite, secrets, encrypted_group_info)| Welcome {
            cipher_suite,
            secrets,
            encrypted_group_info,
        },
    )
}

/// One of the five wire formats.
fn mls_message() -> impl Strategy<Value = MlsMessage<'static>> {
    prop_oneof![
        public_message().prop_map(MlsMessage::PublicMessage),
        private_message().prop_map(MlsMessage::PrivateMessage),
        welcome().prop_map(MlsMessage::Welcome),
        group_info().prop_map(MlsMessage::GroupInfo),
        key_package().prop_map(MlsMessage::KeyPackage),
    ]
}

/// The last `n` bytes of `e` removed.
fn without_last(e: &[u8], n: usize) -> &[u8] {
    &e[..e.len() - n]
}

// ---- one test per structure ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sender_roundtrips(v in sender()) {
        roundtrip(&v);
    }

    #[test]
    fn lifetime_roundtrips(v in lifetime()) {
        roundtrip(&v);
    }

    #[test]
    fn capabilities_roundtrips(v in capabilities()) {
        roundtrip(&v);
    }

    #[test]
    fn credential_roundtrips(v in credential()) {
        roundtrip(&v);
    }

    #[test]
    fn extension_roundtrips(v in extension_with(long_bytes())) {
        roundtrip(&v);
    }

    #[test]
    fn extensions_roundtrips(v in extension_list(long_bytes(), 3)) {
        roundtrip(&v);
    }

    #[test]
    fn repeated_extension_type_is_refused(e in extension(), other in bytes()) {
        // A GroupContext whose extensions repeat a type (§13.4).
        let twice = [e, Extension { data: other, ..e }];
        let gc = GroupContext {
            cipher_suite: 1,
            group_id: b"g",
            epoch: 1,
            tree_hash: &[0; 32],
            confirmed_transcript_hash: &[0; 32],
            extensions: List::from_slice(&twice),
        };
        let mut bytes = std::vec![0u8; gc.encoded_len()];
        gc.encode_to(&mut bytes).unwrap();
        let refused = matches!(GroupContext::decode_exact(&bytes), Err(Error::Malformed { .. }));
        prop_assert!(refused, "a repeated extension type was accepted");
    }

    #[test]
    fn required_capabilities_roundtrips(v in required_capabilities()) {
        roundtrip(&v);
    }

    #[test]
    fn external_pub_roundtrips(external_pub in bytes()) {
        roundtrip(&ExternalPub { external_pub });
    }

    #[test]
    fn external_sender_roundtrips(v in external_sender()) {
        roundtrip(&v);
    }

    #[test]
    fn group_context_roundtrips(v in group_context()) {
        roundtrip(&v);
    }

    #[test]
    fn leaf_node_source_roundtrips(v in leaf_node_source()) {
        roundtrip(&v);
    }

    #[test]
    fn leaf_node_roundtrips(v in leaf_node()) {
        let (d, e) = roundtrip(&v);
        // `raw` is the whole encoding, `signed_bytes` all but the signature.
        prop_assert_eq!(d.raw, e);
        prop_assert_eq!(d.signed_bytes, without_last(e, v.signature.encoded_len()));
    }

    #[test]
    fn parent_node_roundtrips(v in parent_node()) {
        roundtrip(&v);
    }

    #[test]
    fn node_roundtrips(v in node()) {
        roundtrip(&v);
    }

    #[test]
    fn node_list_roundtrips(v in node_list()) {
        roundtrip(&v);
    }

    #[test]
    fn key_package_roundtrips(v in key_package()) {
        let (d, e) = roundtrip(&v);
        // `signed_bytes` is the KeyPackageTBS: all but the signature.
        prop_assert_eq!(d.signed_bytes, without_last(e, v.signature.encoded_len()));
        prop_assert_eq!(d.leaf_node.raw, encode(&v.leaf_node));
    }

    #[test]
    fn pre_shared_key_id_roundtrips(v in pre_shared_key_id()) {
        roundtrip(&v);
    }

    #[test]
    fn proposal_roundtrips(v in proposal()) {
        roundtrip(&v);
    }

    #[test]
    fn proposal_or_ref_roundtrips(v in proposal_or_ref()) {
        roundtrip(&v);
    }

    #[test]
    fn hpke_ciphertext_roundtrips(v in hpke_ciphertext()) {
        roundtrip(&v);
    }

    #[test]
    fn update_path_node_roundtrips(v in update_path_node()) {
        roundtrip(&v);
    }

    #[test]
    fn update_path_roundtrips(v in update_path()) {
        roundtrip(&v);
    }

    #[test]
    fn commit_with_path_roundtrips(v in commit_with(update_path().prop_map(Some))) {
        roundtrip(&v);
    }

    #[test]
    fn commit_without_path_roundtrips(v in commit_with(Just(None))) {
        roundtrip(&v);
    }

    #[test]
    fn framed_content_roundtrips(v in framed_content()) {
        roundtrip(&v);
    }

    #[test]
    fn authenticated_content_roundtrips(v in authenticated_content()) {
        roundtrip(&v);
    }

    #[test]
    fn public_message_roundtrips(v in public_message()) {
        let (d, e) = roundtrip(&v);
        // `body_bytes` is the content body: the end of the FramedContent.
        let mut body = Writer::counter();
        v.content.content.encode_body(&mut body);
        let framed = &e[..v.content.encoded_len()];
        prop_assert_eq!(d.body_bytes, &framed[framed.len() - body.len()..]);
    }

    #[test]
    fn private_message_roundtrips(v in private_message()) {
        let (d, e) = roundtrip(&v);
        // `aad_bytes` is the PrivateContentAAD: the first four fields.
        let tail = v.encrypted_sender_data.encoded_len() + v.ciphertext.encoded_len();
        prop_assert_eq!(d.aad_bytes, without_last(e, tail));
    }

    #[test]
    fn group_info_roundtrips(v in group_info()) {
        let (d, e) = roundtrip(&v);
        // `signed_bytes` is the GroupInfoTBS: all but the signature.
        prop_assert_eq!(d.signed_bytes, without_last(e, v.signature.encoded_len()));
    }

    #[test]
    fn group_secrets_roundtrips(v in group_secrets()) {
        roundtrip(&v);
    }

    #[test]
    fn encrypted_group_secrets_roundtrips(v in encrypted_group_secrets()) {
        roundtrip(&v);
    }

    #[test]
    fn welcome_roundtrips(v in welcome()) {
        roundtrip(&v);
    }

    #[test]
    fn mls_message_roundtrips(v in mls_message()) {
        let (d, _) = roundtrip(&v);
        prop_assert_eq!(d.wire_format(), v.wire_format());
    }
}
