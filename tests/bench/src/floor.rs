//! `floor`: a pseudo-implementation that performs only the public-key
//! operations each op cannot avoid, through the core's own
//! [`CipherSuite`] (so with the crates, versions and backends mls-nostd
//! uses: x25519-dalek, ed25519-dalek, p256, hpke; `floor-awslc`: those of
//! mls-awslc). No hashing of trees, no
//! key schedule, no encoding: a lower bound, not an implementation.
//!
//! With `d = ⌈log2 N⌉`:
//!
//! - `commit`: `N - 1` HPKE seals of a path secret (base mode, single
//!   shot), `d` key-pair derivations, 2 signatures (LeafNode, commit);
//! - `process`: 1 HPKE open, `d` derivations, 2 verifications;
//! - `encrypt`: 1 signature; `decrypt`: 1 verification;
//! - `join`: `N` verifications (the other members' LeafNodes), 1 (the
//!   GroupInfo), 1 HPKE open (the GroupSecrets), `d` derivations (from
//!   the path secret in them).

use crate::imp::{Imp, State, Who};
use chacha20::ChaCha20Rng;
use mls_nostd::crypto::{CipherSuite, HpkePrivateKey, SignaturePrivateKey};
use rand_core::{Rng, SeedableRng};

/// Bytes of a typical signed LeafNode and GroupInfo (what is signed; the
/// cost of a signature hardly depends on it).
const SIGNED_LEN: usize = 200;
/// The `info`/`aad` of an HPKE seal (an encoded GroupContext).
const CONTEXT_LEN: usize = 120;

/// `⌈log2 n⌉`.
fn depth(n: usize) -> usize {
    n.next_power_of_two().trailing_zeros() as usize
}

/// `parts`, each after its 16-bit length.
fn frame(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u16).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// The parts [`frame`] put together.
fn unframe(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while bytes.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        let (part, rest) = bytes[2..].split_at(len);
        parts.push(part);
        bytes = rest;
    }
    parts
}

/// The floor for one suite.
struct Floor<S: CipherSuite> {
    suite: S,
    n: usize,
    rng: ChaCha20Rng,
    /// The other members' HPKE public keys (B's is the first).
    recipients: Vec<Vec<u8>>,
    /// B's HPKE private key (and J's, the same for the floor).
    b_key: HpkePrivateKey,
    /// A's signature key and its public key.
    a_sk: SignaturePrivateKey,
    a_pk: Vec<u8>,
    /// Every member's LeafNode signature public key and signature over
    /// `signed`, for J to verify.
    leaves: Vec<(Vec<u8>, Vec<u8>)>,
    signed: Vec<u8>,
    context: Vec<u8>,
    /// Epochs and the secret each holds, for the checks.
    a: State,
    b: State,
    j: Option<State>,
}

/// The floor of `suite` (the core's or mls-awslc's) with `n` members, set up.
pub fn setup<S: CipherSuite + Copy + 'static>(suite: S, n: usize) -> Box<dyn Imp> {
    Box::new(Floor::setup(suite, n))
}

impl<S: CipherSuite> Floor<S> {
    fn setup(suite: S, n: usize) -> Self {
        let mut rng = ChaCha20Rng::from_seed(crate::imp::seed("floor", S::ID, 0));
        let signed = vec![7u8; SIGNED_LEN];
        let (a_sk, a_pk) = suite.signature_key_pair(&mut rng);
        let mut recipients = Vec::with_capacity(n - 1);
        let mut b_key = None;
        let mut leaves = Vec::with_capacity(n);
        for i in 0..n {
            let (sk, pk) = suite.signature_key_pair(&mut rng);
            let sig = suite.sign(sk.as_slice(), &[&signed]).expect("sign");
            leaves.push((pk.as_slice().to_vec(), sig.as_slice().to_vec()));
            if i > 0 {
                let mut ikm = [0u8; 32];
                rng.fill_bytes(&mut ikm);
                let (hsk, hpk) = suite.hpke_derive_key_pair(&ikm).expect("derive");
                recipients.push(hpk.as_slice().to_vec());
                if i == 1 {
                    b_key = Some(hsk);
                }
            }
        }
        let state = State {
            epoch: 1,
            members: n,
            exported: Vec::new(),
        };
        Floor {
            suite,
            n,
            rng,
            recipients,
            b_key: b_key.expect("n >= 2"),
            a_sk,
            a_pk: a_pk.as_slice().to_vec(),
            leaves,
            signed,
            context: vec![3u8; CONTEXT_LEN],
            a: state.clone(),
            b: state,
            j: None,
        }
    }

    /// `d` key-pair derivations along a path from `secret`.
    fn derive_path(&self, secret: &[u8]) {
        let mut s = [0u8; 32];
        s.copy_from_slice(&secret[..32]);
        for _ in 0..depth(self.n) {
            let (_, pk) = self.suite.hpke_derive_key_pair(&s).expect("derive");
            // The next secret (a KDF in MLS; any cheap mixing here).
            for (d, p) in s.iter_mut().zip(pk.as_slice()) {
                *d ^= *p;
            }
        }
    }

    /// Seals `secret` to `pk`: `enc || tag || ciphertext`.
    fn seal(&mut self, pk: &[u8], secret: &[u8]) -> Vec<u8> {
        let mut ct = secret.to_vec();
        let (enc, tag) = self
            .suite
            .hpke_seal(pk, &self.context, &[], &mut ct, &mut self.rng)
            .expect("seal");
        [enc.as_slice(), tag.as_slice(), &ct].concat()
    }

    /// Opens what [`Self::seal`] made for B (or J).
    fn open(&self, sealed: &[u8]) -> Vec<u8> {
        let enc_len = self.recipients[0].len();
        let tag_len = 16;
        let (enc, rest) = sealed.split_at(enc_len);
        let (tag, ct) = rest.split_at(tag_len);
        let mut pt = ct.to_vec();
        self.suite
            .hpke_open(self.b_key.as_slice(), enc, &self.context, &[], &mut pt, tag)
            .expect("open");
        pt
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sig = self.suite.sign(self.a_sk.as_slice(), &[msg]).expect("sign");
        sig.as_slice().to_vec()
    }

    fn verify(&self, pk: &[u8], msg: &[u8], sig: &[u8]) {
        self.suite.verify(pk, &[msg], sig).expect("verify");
    }
}

impl<S: CipherSuite> Imp for Floor<S> {
    fn commit(&mut self) -> Vec<u8> {
        let mut secret = [0u8; 32];
        self.rng.fill_bytes(&mut secret);
        self.derive_path(&secret);
        let recipients = std::mem::take(&mut self.recipients);
        // B's ciphertext goes in the "commit"; the others are made and
        // dropped.
        let mut to_b = Vec::new();
        for (i, pk) in recipients.iter().enumerate() {
            let sealed = self.seal(pk, &secret);
            if i == 0 {
                to_b = sealed;
            }
        }
        self.recipients = recipients;
        let leaf_sig = self.sign(&self.signed);
        let commit_sig = self.sign(&to_b);
        self.a.epoch += 1;
        self.a.exported = secret.to_vec();
        frame(&[&to_b, &leaf_sig, &commit_sig])
    }

    fn process(&mut self, commit: &[u8]) {
        let [to_b, leaf_sig, commit_sig] = unframe(commit)[..] else {
            panic!("not a floor commit");
        };
        self.verify(&self.a_pk, &self.signed, leaf_sig);
        self.verify(&self.a_pk, to_b, commit_sig);
        let secret = self.open(to_b);
        self.derive_path(&secret);
        self.b.epoch += 1;
        self.b.exported = secret;
    }

    fn encrypt(&mut self, data: &[u8]) -> Vec<u8> {
        frame(&[data, &self.sign(data)])
    }

    fn decrypt(&mut self, message: &[u8]) -> Vec<u8> {
        let [data, sig] = unframe(message)[..] else {
            panic!("not a floor message");
        };
        self.verify(&self.a_pk, data, sig);
        data.to_vec()
    }

    fn prepare_join(&mut self) -> Vec<u8> {
        let mut secret = [0u8; 32];
        self.rng.fill_bytes(&mut secret);
        let pk = self.recipients[0].clone();
        let sealed = self.seal(&pk, &secret);
        self.a.epoch += 1;
        self.a.members += 1;
        self.a.exported = secret.to_vec();
        let group_info_sig = self.sign(&self.signed);
        frame(&[&sealed, &group_info_sig])
    }

    fn join(&mut self, welcome: &[u8]) {
        let [sealed, group_info_sig] = unframe(welcome)[..] else {
            panic!("not a floor Welcome");
        };
        self.verify(&self.a_pk, &self.signed, group_info_sig);
        for (pk, sig) in &self.leaves {
            self.verify(pk, &self.signed, sig);
        }
        let secret = self.open(sealed);
        self.derive_path(&secret);
        self.j = Some(State {
            epoch: self.a.epoch,
            members: self.n + 1,
            exported: secret,
        });
    }

    fn state(&mut self, who: Who) -> State {
        match who {
            Who::A => self.a.clone(),
            Who::B => self.b.clone(),
            Who::J => self.j.clone().expect("J"),
        }
    }
}
