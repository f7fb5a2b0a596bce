//! Branch (§11.3) and reinit (§11.2) between `mls-nostd` and mls-rs, in
//! both directions: a new group started from an epoch of an old one by a
//! branch or reinit resumption PSK.
//! OpenMLS has no API for branch or reinit.

use super::mls_rs::client;
use mls_interop::{Ours, Resumption, add};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::proposal::Proposal;
use mls_nostd::psk::{PreSharedKeyId, Psk, ResumptionPskUsage};
use mls_rs::client_builder::MlsConfig;
use mls_rs::{Client, Group, MlsMessage};

fn text(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

fn bytes(m: &MlsMessage) -> Result<Vec<u8>, String> {
    m.to_bytes().map_err(text)
}

fn decode(b: &[u8]) -> Result<MlsMessage, String> {
    MlsMessage::from_bytes(b).map_err(text)
}

/// Both report the same epoch, epoch authenticator and exporter output,
/// and exchange a message each way.
fn agree<S: CipherSuite + Copy + Default, C: MlsConfig>(ours: &mut Ours<S>, peer: &mut Group<C>) -> Result<(), String> {
    let auth = peer.epoch_authenticator().map_err(text)?;
    let exported = peer.export_secret(b"interop", b"context", 32).map_err(text)?;
    if peer.current_epoch() != ours.group.epoch()
        || auth.as_bytes() != ours.group.epoch_authenticator()
        || exported.as_bytes() != ours.exported()
    {
        return Err(format!(
            "mls-rs at epoch {} and mls-nostd at epoch {} disagree",
            peer.current_epoch(),
            ours.group.epoch()
        ));
    }
    let m = ours.send(b"after the branch", b"");
    let got = peer.process_incoming_message(decode(&m)?).map_err(text)?;
    let mls_rs::group::ReceivedMessage::ApplicationMessage(a) = got else {
        return Err("not application data".into());
    };
    if a.data() != b"after the branch" {
        return Err("wrong text".into());
    }
    let m = peer
        .encrypt_application_message(b"from mls-rs", Vec::new())
        .map_err(text)?;
    let got = ours.process(&bytes(&m)?).map_err(text)?;
    if got != "from mls-rs" {
        return Err(format!("decrypted {got:?}"));
    }
    Ok(())
}

const OLD: &[u8] = b"interop: old group";
const NEW: &[u8] = b"interop: branch";
const REINIT: &[u8] = b"interop: reinit";

/// A fresh KeyPackage (`MLSMessage`) of the mls-rs client.
fn key_package<C: MlsConfig>(peer: &Client<C>) -> Result<Vec<u8>, String> {
    bytes(
        &peer
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(text)?,
    )
}

/// mls-nostd creates the old group and adds the mls-rs client by Welcome.
fn old_by_ours<S: CipherSuite + Copy + Default, C: MlsConfig>(
    ours: &mut Ours<S>,
    peer: &Client<C>,
) -> Result<Group<C>, String> {
    ours.create(OLD);
    let (commit, welcome) = ours.commit(&[add(&key_package(peer)?)]);
    ours.process(&commit).map_err(text)?;
    let (mut old, _) = peer
        .join_group(None, &decode(&welcome.ok_or("no Welcome")?)?, None)
        .map_err(text)?;
    agree(ours, &mut old)?;
    Ok(old)
}

/// mls-rs creates the old group and adds the mls-nostd client by Welcome.
fn old_by_peer<S: CipherSuite + Copy + Default, C: MlsConfig>(
    ours: &mut Ours<S>,
    peer: &Client<C>,
) -> Result<Group<C>, String> {
    let mut old = peer
        .create_group_with_id(OLD.to_vec(), Default::default(), Default::default(), None)
        .map_err(text)?;
    let (kp, keys) = ours.key_package();
    let out = old
        .commit_builder()
        .add_member(decode(&kp)?)
        .map_err(text)?
        .build()
        .map_err(text)?;
    old.apply_pending_commit().map_err(text)?;
    ours.join(&bytes(&out.welcome_messages[0])?, &kp, &keys).map_err(text)?;
    agree(ours, &mut old)?;
    Ok(old)
}

/// The resumption PSK of `ours`'s current epoch (and its ReInit, if a
/// ReInit closed the group): what a branch or reinit Welcome needs.
fn resumption<S: CipherSuite + Copy + Default>(ours: &Ours<S>) -> Result<Resumption<'_>, String> {
    let epoch = ours.group.epoch();
    Ok(Resumption {
        group_id: OLD,
        epoch,
        psk: ours.group.resumption_psk(epoch).ok_or("no resumption PSK")?,
        reinit: ours.group.reinit(),
    })
}

/// A PreSharedKey proposal for the resumption PSK of `OLD`'s `epoch`.
fn resumption_proposal(usage: ResumptionPskUsage, epoch: u64, nonce: &[u8]) -> Proposal<'_> {
    Proposal::PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage,
                psk_group_id: OLD,
                psk_epoch: epoch,
            },
            psk_nonce: nonce,
        },
    }
}

/// mls-nostd creates a group with an mls-rs member, then branches it.
pub fn ours_branches<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("a (mls-nostd)");
    let peer = client("b (mls-rs)", S::ID);
    let old = old_by_ours(&mut ours, &peer)?;
    let mut branch = ours.sibling();
    let store = resumption(&ours)?;
    branch.create(NEW);
    let nonce = vec![0x5b; S::HASH_LEN];
    let psk = resumption_proposal(ResumptionPskUsage::Branch, store.epoch, &nonce);
    let (commit, welcome) = branch.commit_with(&[add(&key_package(&peer)?), psk], true, &store);
    branch.process_with(&commit, &store).map_err(text)?;
    // mls-rs joins a branch through the old group (`join_subgroup`): a
    // plain `join_group` does not look up resumption PSKs.
    let (mut new, _) = old
        .join_subgroup(&decode(&welcome.ok_or("no Welcome")?)?, None, None)
        .map_err(|e| format!("mls-rs refused our branch Welcome: {e:?}"))?;
    agree(&mut branch, &mut new)?;
    Ok(2)
}

/// mls-rs creates a group with an mls-nostd member, then branches it.
pub fn peer_branches<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("b (mls-nostd)");
    let peer = client("a (mls-rs)", S::ID);
    let old = old_by_peer(&mut ours, &peer)?;
    let mut branch = ours.sibling();
    let store = resumption(&ours)?;
    let (kp, keys) = branch.key_package();
    let (mut new, welcomes) = old.branch(NEW.to_vec(), vec![decode(&kp)?], None).map_err(text)?;
    let welcome = bytes(welcomes.first().ok_or("no Welcome")?)?;
    branch
        .join_with(&welcome, &kp, &keys, &store)
        .map_err(|e| format!("we refused mls-rs's branch Welcome: {e:?}"))?;
    agree(&mut branch, &mut new)?;
    Ok(2)
}

/// mls-nostd closes a group with an mls-rs member by a ReInit commit and
/// starts the new group; mls-rs joins it through its reinit client.
pub fn ours_reinits<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("a (mls-nostd)");
    let peer = client("b (mls-rs)", S::ID);
    let mut old = old_by_ours(&mut ours, &peer)?;
    let reinit = Proposal::ReInit(mls_nostd::proposal::ReInit {
        group_id: REINIT,
        version: 1,
        cipher_suite: S::ID,
        extensions: mls_nostd::codec::List::empty(),
    });
    let (commit, _) = ours.commit(&[reinit]);
    ours.process(&commit).map_err(text)?;
    old.process_incoming_message(decode(&commit)?)
        .map_err(|e| format!("mls-rs refused our ReInit commit: {e:?}"))?;
    let reinit_client = old.get_reinit_client(None, None).map_err(text)?;
    let kp = bytes(&reinit_client.generate_key_package(None).map_err(text)?)?;

    let mut new = ours.sibling();
    let store = resumption(&ours)?;
    new.create(REINIT);
    let nonce = vec![0x5c; S::HASH_LEN];
    let psk = resumption_proposal(ResumptionPskUsage::Reinit, store.epoch, &nonce);
    let (commit, welcome) = new.commit_with(&[add(&kp), psk], true, &store);
    new.process_with(&commit, &store).map_err(text)?;
    let (mut peer_new, _) = reinit_client
        .join(&decode(&welcome.ok_or("no Welcome")?)?, None, None)
        .map_err(|e| format!("mls-rs refused our reinit Welcome: {e:?}"))?;
    agree(&mut new, &mut peer_new)?;
    Ok(3)
}

/// mls-rs closes a group with an mls-nostd member by a ReInit and starts
/// the new group; mls-nostd joins it, checking it against the ReInit.
pub fn peer_reinits<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("b (mls-nostd)");
    let peer = client("a (mls-rs)", S::ID);
    let mut old = old_by_peer(&mut ours, &peer)?;
    let suite = mls_rs::CipherSuite::from(S::ID);
    let proposal = old
        .propose_reinit(
            Some(REINIT.to_vec()),
            mls_rs::ProtocolVersion::MLS_10,
            suite,
            Default::default(),
            Vec::new(),
        )
        .map_err(text)?;
    ours.process(&bytes(&proposal)?).map_err(text)?;
    let commit = old.commit(Vec::new()).map_err(text)?;
    old.apply_pending_commit().map_err(text)?;
    ours.process(&bytes(&commit.commit_message)?)
        .map_err(|e| format!("we refused mls-rs's ReInit commit: {e:?}"))?;
    if ours.group.status() != mls_nostd::group::Status::ReInit {
        return Err("the ReInit commit did not close our group".into());
    }

    let mut new = ours.sibling();
    let store = resumption(&ours)?;
    let (kp, keys) = new.key_package();
    let reinit_client = old.get_reinit_client(None, None).map_err(text)?;
    let (mut peer_new, welcomes) = reinit_client
        .commit(vec![decode(&kp)?], Default::default(), None)
        .map_err(text)?;
    new.join_with(&bytes(welcomes.first().ok_or("no Welcome")?)?, &kp, &keys, &store)
        .map_err(|e| format!("we refused mls-rs's reinit Welcome: {e:?}"))?;
    agree(&mut new, &mut peer_new)?;
    Ok(3)
}
