//! The core's independent jobs on rayon's thread pool: the HPKE
//! encryptions of a commit's UpdatePath and the LeafNode signatures of a
//! tree a member joins. The core cuts the work and keeps every rule; this
//! module only says where the jobs run.

use mls_nostd::Error;
use mls_nostd::parallel::Parallel;
use rayon::prelude::*;

/// Runs the core's jobs on rayon's global pool: one thread per core
/// unless `RAYON_NUM_THREADS` says otherwise. Every group of a
/// [`Client`](crate::client::Client) uses it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rayon;

/// The [`Rayon`] executor, for [`mls_nostd::group::Group::set_parallel`].
pub static RAYON: Rayon = Rayon;

/// Fewest jobs one rayon task runs: a job (an HPKE encryption, a
/// signature check) takes tens of microseconds, a task hand-off about one.
const MIN_JOBS_PER_TASK: usize = 4;

impl Parallel for Rayon {
    fn for_each_chunk(
        &self,
        buf: &mut [u8],
        chunk: usize,
        job: &(dyn Fn(usize, &mut [u8]) -> mls_nostd::Result<()> + Sync),
    ) -> mls_nostd::Result<()> {
        if chunk == 0 {
            return Err(Error::InvalidLength { field: "job chunk" });
        }
        lowest_error(
            buf.par_chunks_mut(chunk)
                .with_min_len(MIN_JOBS_PER_TASK)
                .enumerate()
                .map(|(i, c)| job(i, c).map_err(|e| (i, e))),
        )
    }

    fn for_each_index(&self, n: usize, job: &(dyn Fn(usize) -> mls_nostd::Result<()> + Sync)) -> mls_nostd::Result<()> {
        lowest_error(
            (0..n)
                .into_par_iter()
                .with_min_len(MIN_JOBS_PER_TASK)
                .map(|i| job(i).map_err(|e| (i, e))),
        )
    }
}

/// The error of the failed job with the lowest index, as the core's
/// sequential runs return.
fn lowest_error(results: impl ParallelIterator<Item = Result<(), (usize, Error)>>) -> mls_nostd::Result<()> {
    match results.filter_map(Result::err).min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mls_nostd::parallel::Sequential;

    /// Rayon and the core's sequential runner do the same jobs and report
    /// the same (lowest) failure.
    #[test]
    fn same_results_as_sequential() {
        let job = |i: usize, c: &mut [u8]| {
            c.iter_mut().for_each(|b| *b = b.wrapping_mul(3).wrapping_add(i as u8));
            if i % 7 == 5 {
                Err(Error::InvalidLength { field: "job" })
            } else {
                Ok(())
            }
        };
        for len in [0usize, 1, 5, 64, 1000] {
            let (mut a, mut b) = (vec![1u8; len], vec![1u8; len]);
            let ok = |i: usize, c: &mut [u8]| job(i % 5, c);
            assert_eq!(
                RAYON.for_each_chunk(&mut a, 3, &ok),
                Sequential.for_each_chunk(&mut b, 3, &ok)
            );
            assert_eq!(a, b);
            let (mut a, mut b) = (vec![1u8; len], vec![1u8; len]);
            assert_eq!(
                RAYON.for_each_chunk(&mut a, 3, &job),
                Sequential.for_each_chunk(&mut b, 3, &job)
            );
        }
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let count = |i: usize| {
            seen.fetch_add(i, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        };
        assert_eq!(RAYON.for_each_index(100, &count), Ok(()));
        assert_eq!(seen.into_inner(), 4950);
        let fail = |i: usize| if i >= 40 { Err(Error::InvalidKey) } else { Ok(()) };
        assert_eq!(RAYON.for_each_index(100, &fail), Err(Error::InvalidKey));
        assert_eq!(
            RAYON.for_each_chunk(&mut [0u8; 4], 0, &job),
            Err(Error::InvalidLength { field: "job chunk" })
        );
    }
}
