//! Pre-shared keys (RFC 9420 §8.4): their identifiers and the `psk_secret`
//! they contribute to the key schedule.

use crate::codec::{Decode, Encode, Reader, Writer, wire_enum};
use crate::crypto::{CipherSuite, Secret, labels};
use crate::error::{Error, Result};

wire_enum! {
    /// `ResumptionPSKUsage` (§8.4).
    pub enum ResumptionPskUsage: u8 ("resumption_psk_usage") {
        /// `application`.
        Application = 1,
        /// `reinit`.
        Reinit = 2,
        /// `branch`.
        Branch = 3,
    }
}

/// The `psktype`-dependent part of a `PreSharedKeyID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Psk<'a> {
    /// `external`: a PSK the application provisioned.
    External {
        /// `psk_id`.
        psk_id: &'a [u8],
    },
    /// `resumption`: the `resumption_psk` of an earlier epoch.
    Resumption {
        /// `usage`.
        usage: ResumptionPskUsage,
        /// `psk_group_id`.
        psk_group_id: &'a [u8],
        /// `psk_epoch`.
        psk_epoch: u64,
    },
}

/// `PreSharedKeyID` (§8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreSharedKeyId<'a> {
    /// Which PSK.
    pub psk: Psk<'a>,
    /// `psk_nonce`, fresh and `KDF.Nh` bytes long.
    pub psk_nonce: &'a [u8],
}

const EXTERNAL: u8 = 1;
const RESUMPTION: u8 = 2;

impl<'a> Decode<'a> for PreSharedKeyId<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let psk = match r.u8()? {
            EXTERNAL => Psk::External { psk_id: r.vec_bytes()? },
            RESUMPTION => Psk::Resumption {
                usage: ResumptionPskUsage::decode(r)?,
                psk_group_id: r.vec_bytes()?,
                psk_epoch: r.u64()?,
            },
            v => {
                return Err(crate::Error::UnknownValue {
                    field: "psktype",
                    value: v.into(),
                });
            }
        };
        Ok(PreSharedKeyId {
            psk,
            psk_nonce: r.vec_bytes()?,
        })
    }
}

impl Encode for PreSharedKeyId<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        match self.psk {
            Psk::External { psk_id } => {
                w.u8(EXTERNAL);
                w.vec_bytes(psk_id);
            }
            Psk::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                w.u8(RESUMPTION);
                usage.encode(w);
                w.vec_bytes(psk_group_id);
                w.u64(psk_epoch);
            }
        }
        w.vec_bytes(self.psk_nonce);
    }
}

/// Largest encoded `PSKLabel` that [`psk_secret`] accepts: room for a
/// `psk_id` or `psk_group_id` of several hundred bytes. The label is built
/// on the stack, so a longer one gives [`Error::CapacityExceeded`].
pub const MAX_PSK_LABEL_LEN: usize = 512;

/// `PSKLabel` (§8.4): a PSK's identifier with its position in the list.
struct PskLabel<'a, 'b> {
    id: &'b PreSharedKeyId<'a>,
    index: u16,
    count: u16,
}

impl Encode for PskLabel<'_, '_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.id.encode(w);
        w.u16(self.index);
        w.u16(self.count);
    }
}

/// The `psk_secret` (§8.4) that a list of PSKs feeds into the key schedule.
///
/// Each entry is a PSK's identifier and its value, in the order of the
/// Commit's PreSharedKey proposals or of `GroupSecrets.psks`. With no PSKs
/// the result is `KDF.Nh` zero bytes. The caller checks the identifiers
/// themselves (nonce length, allowed usage; §12.1.4) beforehand.
pub fn psk_secret<S: CipherSuite>(suite: &S, psks: &[(PreSharedKeyId<'_>, &[u8])]) -> Result<Secret> {
    let count = u16::try_from(psks.len()).map_err(|_| Error::CapacityExceeded { what: "PSKs" })?;
    let zero = Secret::zero(S::HASH_LEN)?;
    // psk_secret_[0] = 0
    let mut secret = zero.clone();
    let mut label_buf = [0u8; MAX_PSK_LABEL_LEN];
    for (index, (id, psk)) in (0u16..).zip(psks) {
        // psk_extracted_[i] = KDF.Extract(0, psk_[i])
        let extracted = suite.kdf_extract(zero.as_slice(), psk);
        let label = PskLabel { id, index, count };
        let len = label.encode_to(&mut label_buf).map_err(|e| match e {
            Error::BufferTooSmall { .. } => Error::CapacityExceeded { what: "PSKLabel" },
            e => e,
        })?;
        let label = label_buf
            .get(..len)
            .ok_or(Error::CapacityExceeded { what: "PSKLabel" })?;
        // psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
        let input = labels::expand_secret(suite, extracted.as_slice(), b"derived psk", label)?;
        // psk_secret_[i+1] = KDF.Extract(psk_input_[i], psk_secret_[i])
        secret = suite.kdf_extract(input.as_slice(), secret.as_slice());
    }
    Ok(secret)
}

#[cfg(all(test, feature = "suite-1"))]
mod tests {
    use super::*;
    use crate::crypto::Curve25519Aes128;

    const S: Curve25519Aes128 = Curve25519Aes128;

    fn external<'a>(psk_id: &'a [u8], psk_nonce: &'a [u8]) -> PreSharedKeyId<'a> {
        PreSharedKeyId {
            psk: Psk::External { psk_id },
            psk_nonce,
        }
    }

    #[test]
    fn no_psk_gives_zeros() {
        assert_eq!(psk_secret(&S, &[]).unwrap().as_slice(), &[0u8; 32][..]);
    }

    #[test]
    fn every_input_matters() {
        let (a, b) = (external(b"a", &[1; 32]), external(b"b", &[2; 32]));
        let base = psk_secret(&S, &[(a, &[7; 32]), (b, &[8; 32])]).unwrap();
        assert_ne!(base.as_slice(), &[0u8; 32][..]);
        assert_eq!(base, psk_secret(&S, &[(a, &[7; 32]), (b, &[8; 32])]).unwrap());
        // Order, values, identifiers, nonces and the count all change it.
        assert_ne!(base, psk_secret(&S, &[(b, &[8; 32]), (a, &[7; 32])]).unwrap());
        assert_ne!(base, psk_secret(&S, &[(a, &[7; 32]), (b, &[9; 32])]).unwrap());
        let c = external(b"c", &[2; 32]);
        assert_ne!(base, psk_secret(&S, &[(a, &[7; 32]), (c, &[8; 32])]).unwrap());
        let d = external(b"b", &[3; 32]);
        assert_ne!(base, psk_secret(&S, &[(a, &[7; 32]), (d, &[8; 32])]).unwrap());
        let one = psk_secret(&S, &[(a, &[7; 32])]).unwrap();
        let resumption = PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id: b"a",
                psk_epoch: 0,
            },
            psk_nonce: &[1; 32],
        };
        assert_ne!(one, psk_secret(&S, &[(resumption, &[7; 32])]).unwrap());
    }

    #[test]
    fn oversized_label_is_refused() {
        let id = [0u8; MAX_PSK_LABEL_LEN];
        assert_eq!(
            psk_secret(&S, &[(external(&id, &[0; 32]), &[1; 32])]),
            Err(Error::CapacityExceeded { what: "PSKLabel" })
        );
        // The largest identifier that fits: 1 + 2 + id + 1 + 32 + 4 bytes.
        let fits = &id[..MAX_PSK_LABEL_LEN - 40];
        assert!(psk_secret(&S, &[(external(fits, &[0; 32]), &[1; 32])]).is_ok());
    }
}
