//! The passive-client files (`passive-client-welcome.json`,
//! `passive-client-handling-commit.json`, `passive-client-random.json`, and
//! any file given with `--passive-client`): join from a Welcome, then
//! process every epoch's proposals and commit, comparing the epoch
//! authenticator after each (§12.4.3.1, §12.1–§12.4.2).

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex, hex_opt};
use mls_nostd::crypto::{CipherSuite, HpkePrivateKey};
use mls_nostd::group::{Event, FixedGroup, Group, GroupConfig};
use mls_nostd::key_package::KeyPackageKeys;
use mls_nostd::memory::{Fixed, Memory};
use mls_nostd::tree::Now;
use mls_std::memory::Growable;
use serde_json::Value;
use std::marker::PhantomData;

/// Room for the vectors' groups on the host, in fixed arrays.
pub type HostGroup<S> = FixedGroup<S, 256, 1024, 16, 1, 32768>;

/// Joins in memory `J`, then processes the epochs in memory `E` (the state
/// moved across by save and restore when they differ).
struct Passive<J, E>(PhantomData<fn() -> (J, E)>);

/// A memory the passive client's group can live in, and how to make an
/// empty group in it on the heap.
pub trait Place: Memory + Sized {
    /// An empty group.
    fn group<S: CipherSuite>(suite: S) -> Box<Group<S, Self, 16, 1>>;
}

impl Place for Fixed<256, 1024, 32768> {
    fn group<S: CipherSuite>(suite: S) -> Box<Group<S, Self, 16, 1>> {
        // `Group::new` is `const`: no array is built twice on the stack.
        Box::new(Group::new(suite, GroupConfig::new()))
    }
}

impl Place for Growable {
    fn group<S: CipherSuite>(suite: S) -> Box<Group<S, Self, 16, 1>> {
        Box::new(Group::new_in(suite, GroupConfig::new(), ()))
    }
}

impl<J: Place, E: Place> SuiteCheck for Passive<J, E> {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let psk_values: Vec<(Vec<u8>, Vec<u8>)> = array(case, "external_psks")?
            .iter()
            .map(|p| Ok((hex(p, "psk_id")?, hex(p, "psk")?)))
            .collect::<Result<_, String>>()?;
        let psks: Vec<(&[u8], &[u8])> = psk_values.iter().map(|(i, p)| (&i[..], &p[..])).collect();
        let keys = KeyPackageKeys {
            init_key: ctx("init_priv", HpkePrivateKey::from_slice(&hex(case, "init_priv")?))?,
            encryption_key: ctx(
                "encryption_priv",
                HpkePrivateKey::from_slice(&hex(case, "encryption_priv")?),
            )?,
        };
        let welcome = hex(case, "welcome")?;
        let tree = hex_opt(case, "ratchet_tree")?;
        // The vectors' leaves carry past lifetimes: lifetimes are not checked.
        let mut joined = J::group(*s);
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        ctx(
            "join",
            joined.join(
                &welcome,
                &hex(case, "key_package")?,
                &keys,
                &hex(case, "signature_priv")?,
                tree.as_deref(),
                &psks[..],
                Now::NoClock,
                &mut scratch,
            ),
        )?;
        let mut group = E::group(*s);
        let mut state = vec![0u8; joined.saved_len()];
        ctx("save", joined.save(&mut state))?;
        ctx("restore in the other memory", group.restore(&state))?;
        drop(joined);
        expect_eq(
            "initial epoch authenticator",
            group.epoch_authenticator(),
            &hex(case, "initial_epoch_authenticator")?,
        )?;
        for (i, epoch) in array(case, "epochs")?.iter().enumerate() {
            for p in array(epoch, "proposals")? {
                let msg = ::hex::decode(p.as_str().ok_or("proposal")?).map_err(|e| e.to_string())?;
                let mut buf = vec![0u8; msg.len()];
                match group.process(&msg, &psks[..], Now::NoClock, &mut buf) {
                    Ok(Event::Proposal { .. }) => {}
                    other => return Err(format!("epoch {i}: proposal: {other:?}")),
                }
            }
            let commit = hex(epoch, "commit")?;
            let mut buf = vec![0u8; commit.len()];
            match group.process(&commit, &psks[..], Now::NoClock, &mut buf) {
                Ok(Event::Commit { .. }) => {}
                other => return Err(format!("epoch {i}: commit: {other:?}")),
            }
            expect_eq(
                &format!("epoch {i} authenticator"),
                group.epoch_authenticator(),
                &hex(epoch, "epoch_authenticator")?,
            )?;
        }
        Ok(())
    }
}

/// Joins and processes every epoch of one case, in fixed arrays.
pub fn check(case: &Value) -> Outcome {
    per_suite(
        case,
        Passive::<Fixed<256, 1024, 32768>, Fixed<256, 1024, 32768>>(PhantomData),
    )
}

/// Joins in memory `J`, saves, restores in memory `E`, and processes every
/// epoch there: the same cases in other memories (`mls-std`'s growable one).
pub fn check_in<J: Place, E: Place>(case: &Value) -> Outcome {
    per_suite(case, Passive::<J, E>(PhantomData))
}
