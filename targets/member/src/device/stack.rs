//! Peak stack by painting and scanning: [`paint`] fills the free stack
//! below the caller with a pattern, [`Painted::used`] finds the lowest word
//! that lost it. Figures are measured from the top of the stack, so they
//! include the reset and `main` frames.

use core::ptr::{read_volatile, write_volatile};

const PAINT: u32 = 0xC0DE_CAFE;
/// How far below the stack pointer of [`paint`] is painted.
pub const WINDOW: usize = 128 * 1024;
const MARGIN: usize = 64;

/// A painted stack: see [`paint`].
pub struct Painted {
    top: usize,
    bottom: usize,
}

/// Paints from `max(limit, sp - WINDOW)` up to `sp` less a margin. `sp`
/// is the caller's stack pointer, `top` the top of the stack and `limit`
/// the lowest address it may reach.
///
/// # Safety
///
/// `[limit, sp)` must be free stack memory that nothing else uses (no
/// interrupt handlers running), and `sp` the current stack pointer.
#[inline(never)]
pub unsafe fn paint(sp: usize, top: usize, limit: usize) -> Painted {
    let bottom = core::cmp::max(limit, sp.saturating_sub(WINDOW)).next_multiple_of(4);
    let mut p = bottom;
    while p < sp - MARGIN {
        // SAFETY: word-aligned, inside the free stack (the caller's
        // contract), below every live frame.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    Painted { top, bottom }
}

impl Painted {
    /// Peak stack use since [`paint`] in bytes, from the top; the whole
    /// window if all of it was overwritten.
    #[inline(never)]
    pub fn used(&self) -> usize {
        let mut p = self.bottom;
        // SAFETY: the words `paint` wrote; the scan stops at the first
        // overwritten one, at the latest just below the live frames.
        while unsafe { read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        self.top - p
    }
}
