//! Randomness drawn before it is used: a job that may run on another
//! thread ([`crate::parallel`]) cannot share the caller's RNG, so its bytes
//! are drawn from it in order beforehand and handed out by [`Drawn`].

use super::{AeadTag, CipherSuite, CryptoRng, HpkePrivateKey, KemOutput, MAX_KEM_PRIVATE_KEY_LEN};
use crate::error::{Error, Result};
use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};
use zeroize::Zeroize;

/// An RNG that hands out bytes drawn earlier, once; past them it gives
/// zeros and remembers it, and the job then fails ([`Drawn::exact`]).
pub(crate) struct Drawn {
    bytes: HpkePrivateKey,
    used: usize,
    short: bool,
}

impl Drawn {
    /// Hands out `bytes` (kept zeroized on drop).
    pub(crate) fn new(bytes: &[u8]) -> Result<Self> {
        Ok(Drawn {
            bytes: HpkePrivateKey::from_slice(bytes)?,
            used: 0,
            short: false,
        })
    }

    /// Whether exactly the drawn bytes were asked for.
    pub(crate) fn exact(&self) -> bool {
        !self.short && self.used == self.bytes.len()
    }
}

impl TryRng for Drawn {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        match self.bytes.as_slice().get(self.used..self.used + dst.len()) {
            Some(src) => {
                dst.copy_from_slice(src);
                self.used += dst.len();
            }
            None => {
                dst.fill(0);
                self.short = true;
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for Drawn {}

/// `SealBase(pk, info, "", in_out)` in place with the ephemeral key made
/// from `randomness` (`KEM.Nsk` bytes drawn earlier). Every HPKE
/// encryption of the core goes through here, so firmware carries one copy
/// of the HPKE code whatever RNG the application uses.
pub(crate) fn seal_with<S: CipherSuite>(
    suite: &S,
    pk: &[u8],
    info: &[u8],
    in_out: &mut [u8],
    randomness: &[u8],
) -> Result<(KemOutput, AeadTag)> {
    let mut eph = Drawn::new(randomness)?;
    let sealed = suite.hpke_seal(pk, info, &[], in_out, &mut eph)?;
    if !eph.exact() {
        return Err(Error::EncryptionFailed);
    }
    Ok(sealed)
}

/// [`seal_with`], drawing the randomness from `rng` now.
pub(crate) fn seal<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    pk: &[u8],
    info: &[u8],
    in_out: &mut [u8],
    rng: &mut R,
) -> Result<(KemOutput, AeadTag)> {
    let mut randomness = [0u8; MAX_KEM_PRIVATE_KEY_LEN];
    let drawn = randomness.get_mut(..S::KEM_PRIVATE_KEY_LEN).ok_or(Error::InvalidKey)?;
    rng.fill_bytes(drawn);
    let sealed = seal_with(suite, pk, info, in_out, drawn);
    randomness.zeroize();
    sealed
}
