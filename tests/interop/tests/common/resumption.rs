//! Branch (§11.3) between `mls-nostd` and mls-rs, in both directions: a new
//! group started from an epoch of an old one by a branch resumption PSK.
//! OpenMLS has no API for branch or reinit.

use super::mls_rs::client;
use mls_interop::{Ours, Resumption, add};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::proposal::Proposal;
use mls_nostd::psk::{PreSharedKeyId, Psk, ResumptionPskUsage};
use mls_rs::client_builder::MlsConfig;
use mls_rs::{Group, MlsMessage};

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

/// mls-nostd creates a group with an mls-rs member, then branches it.
pub fn ours_branches<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("a (mls-nostd)");
    let peer = client("b (mls-rs)", S::ID);
    ours.create(OLD);
    let kp = bytes(
        &peer
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(text)?,
    )?;
    let (commit, welcome) = ours.commit(&[add(&kp)]);
    ours.process(&commit).map_err(text)?;
    let (mut old, _) = peer
        .join_group(None, &decode(&welcome.ok_or("no Welcome")?)?, None)
        .map_err(text)?;
    agree(&mut ours, &mut old)?;

    let epoch = ours.group.epoch();
    let psk = ours.group.resumption_psk(epoch).ok_or("no resumption PSK")?.to_vec();
    let store = Resumption {
        group_id: OLD,
        epoch,
        psk: &psk,
        reinit: None,
    };
    let mut branch = ours.sibling();
    branch.create(NEW);
    let kp = bytes(
        &peer
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(text)?,
    )?;
    let nonce = vec![0x5b; S::HASH_LEN];
    let branch_psk = Proposal::PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: OLD,
                psk_epoch: epoch,
            },
            psk_nonce: &nonce,
        },
    };
    let (commit, welcome) = branch.commit_psk(&[add(&kp), branch_psk], &store);
    branch.process_psk(&commit, &store).map_err(text)?;
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
    agree(&mut ours, &mut old)?;

    let epoch = ours.group.epoch();
    let psk = ours.group.resumption_psk(epoch).ok_or("no resumption PSK")?.to_vec();
    let store = Resumption {
        group_id: OLD,
        epoch,
        psk: &psk,
        reinit: None,
    };
    let mut branch = ours.sibling();
    let (kp, keys) = branch.key_package();
    let (mut new, welcomes) = old.branch(NEW.to_vec(), vec![decode(&kp)?], None).map_err(text)?;
    let welcome = bytes(welcomes.first().ok_or("no Welcome")?)?;
    branch
        .join_psk(&welcome, &kp, &keys, &store)
        .map_err(|e| format!("we refused mls-rs's branch Welcome: {e:?}"))?;
    agree(&mut branch, &mut new)?;
    Ok(2)
}

const REINIT: &[u8] = b"interop: reinit";

/// mls-nostd closes a group with an mls-rs member by a ReInit commit and
/// starts the new group; mls-rs joins it through its reinit client.
pub fn ours_reinits<S: CipherSuite + Copy + Default>() -> Result<usize, String> {
    let mut ours = Ours::<S>::new("a (mls-nostd)");
    let peer = client("b (mls-rs)", S::ID);
    ours.create(OLD);
    let kp = bytes(
        &peer
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(text)?,
    )?;
    let (commit, welcome) = ours.commit(&[add(&kp)]);
    ours.process(&commit).map_err(text)?;
    let (mut old, _) = peer
        .join_group(None, &decode(&welcome.ok_or("no Welcome")?)?, None)
        .map_err(text)?;
    agree(&mut ours, &mut old)?;

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
    let epoch = ours.group.epoch();
    let psk = ours.group.resumption_psk(epoch).ok_or("no resumption PSK")?.to_vec();
    let store = Resumption {
        group_id: OLD,
        epoch,
        psk: &psk,
        reinit: ours.group.reinit(),
    };
    new.create(REINIT);
    let nonce = vec![0x5c; S::HASH_LEN];
    let reinit_psk = Proposal::PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Reinit,
                psk_group_id: OLD,
                psk_epoch: epoch,
            },
            psk_nonce: &nonce,
        },
    };
    let (commit, welcome) = new.commit_psk(&[add(&kp), reinit_psk], &store);
    new.process_psk(&commit, &store).map_err(text)?;
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
    agree(&mut ours, &mut old)?;

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
    let (kp, keys) = new.key_package();
    let reinit_client = old.get_reinit_client(None, None).map_err(text)?;
    let (mut peer_new, welcomes) = reinit_client
        .commit(vec![decode(&kp)?], Default::default(), None)
        .map_err(text)?;
    let epoch = ours.group.epoch();
    let psk = ours.group.resumption_psk(epoch).ok_or("no resumption PSK")?.to_vec();
    let store = Resumption {
        group_id: OLD,
        epoch,
        psk: &psk,
        reinit: ours.group.reinit(),
    };
    new.join_psk(&bytes(welcomes.first().ok_or("no Welcome")?)?, &kp, &keys, &store)
        .map_err(|e| format!("we refused mls-rs's reinit Welcome: {e:?}"))?;
    agree(&mut new, &mut peer_new)?;
    Ok(3)
}
