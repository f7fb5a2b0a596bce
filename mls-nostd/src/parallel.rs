//! Independent work the core may hand to other threads: the HPKE
//! encryptions of an UpdatePath (RFC 9420 §7.6) and the LeafNode
//! signatures of a tree a new member checks (§12.4.3.1).
//!
//! The core is single-threaded and `no_std`: it cuts such work into jobs
//! that share nothing mutable and passes them to a [`Parallel`]. Without
//! one ([`Group::set_parallel`](crate::group::Group::set_parallel) never
//! called, as on firmware) the jobs run in turn on the caller's thread. A
//! host layer passes an implementation that runs them on a thread pool
//! (`mls-std` does, with rayon); the protocol code is the same either way.

use crate::error::{Error, Result};

/// Runs independent jobs, on one thread or many.
///
/// Both methods must run every job once (or stop at a failure) and, when
/// jobs fail, return the error of the job with the lowest index, so that a
/// group's result does not depend on the thread count. The provided
/// methods run the jobs in order on the calling thread.
pub trait Parallel: Sync {
    /// Runs `job(i, piece)` for each `chunk`-byte piece `i` of `buf` (the
    /// last piece may be shorter); `chunk` is never 0.
    fn for_each_chunk(
        &self,
        buf: &mut [u8],
        chunk: usize,
        job: &(dyn Fn(usize, &mut [u8]) -> Result<()> + Sync),
    ) -> Result<()> {
        if chunk == 0 {
            return Err(Error::InvalidLength { field: "job chunk" });
        }
        buf.chunks_mut(chunk).enumerate().try_for_each(|(i, c)| job(i, c))
    }

    /// Runs `job(i)` for each `i` in `0..n`.
    fn for_each_index(&self, n: usize, job: &(dyn Fn(usize) -> Result<()> + Sync)) -> Result<()> {
        (0..n).try_for_each(job)
    }
}

/// The jobs in turn on the calling thread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sequential;

impl Parallel for Sequential {}
