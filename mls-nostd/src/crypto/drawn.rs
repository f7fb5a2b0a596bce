//! Randomness drawn before it is used: a job that may run on another
//! thread ([`crate::parallel`]) cannot share the caller's RNG, so its bytes
//! are drawn from it in order beforehand and handed out by [`Drawn`].

use super::HpkePrivateKey;
use crate::error::Result;
use core::convert::Infallible;
use rand_core::{TryCryptoRng, TryRng};

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
