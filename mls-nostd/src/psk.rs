//! Pre-shared keys (RFC 9420 §8.4): their identifiers and the `psk_secret`
//! they contribute to the key schedule.

use crate::codec::{Decode, Encode, Reader, Writer, wire_enum};
use crate::error::Result;

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
