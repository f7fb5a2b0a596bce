//! Peak stack measurement by painting and scanning.
//!
//! [`paint`] fills the unused stack below the current frame with a pattern;
//! after the code under test has run, [`Painted::used`] finds the lowest
//! word that no longer holds it. Figures are measured from the top of the
//! stack, so they include the reset and `main` frames.

use core::ptr::{read_volatile, write_volatile};

/// The paint pattern.
const PAINT: u32 = 0xC0DE_CAFE;
/// How far below the current frame to paint. It must exceed the deepest
/// check; a check that uses all of it is reported, not measured.
pub const WINDOW: usize = 256 * 1024;
/// Bytes left unpainted just below the stack pointer of [`paint`].
const MARGIN: usize = 64;

// SAFETY: both symbols are defined by cortex-m-rt's `link.x`; only their
// addresses are used (`&raw const`), their contents are never read.
unsafe extern "C" {
    /// Top of the stack (the initial MSP), from cortex-m-rt's `link.x`.
    static _stack_start: u32;
    /// Lowest address the stack may reach (the end of `.bss`/`.uninit`),
    /// from cortex-m-rt's `link.x` (0.7.5 and later).
    static _stack_end: u32;
}

/// Address of the top of the stack.
pub fn top() -> usize {
    (&raw const _stack_start) as usize
}

/// Lowest address the stack may grow to.
pub fn limit() -> usize {
    (&raw const _stack_end) as usize
}

/// The current stack pointer (MSP: the firmware never switches to PSP).
#[inline(always)]
pub fn current() -> usize {
    cortex_m::register::msp::read() as usize
}

/// A painted stack window; see [`paint`].
pub struct Painted {
    bottom: usize,
}

/// Paints the stack from `max(limit, sp - WINDOW)` up to `sp - MARGIN`.
#[inline(never)]
pub fn paint() -> Painted {
    let sp = current();
    let bottom = core::cmp::max(limit(), sp.saturating_sub(WINDOW)).next_multiple_of(4);
    let mut p = bottom;
    while p < sp - MARGIN {
        // SAFETY: `p` is word-aligned and lies between the linker's stack
        // limit and this function's own stack pointer (less a margin): stack
        // memory that no live frame uses. No interrupt is enabled that could
        // use it meanwhile, and nothing reads it but `Painted::used`.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    Painted { bottom }
}

impl Painted {
    /// Bytes of stack in use at the deepest point since [`paint`], measured
    /// from the top, or `None` if the whole window was overwritten (the
    /// real figure is larger than the window).
    #[inline(never)]
    pub fn used(&self) -> Option<usize> {
        let mut p = self.bottom;
        // The scan stops at the first overwritten word, which is at the
        // latest the word just below the painter's own frame.
        // SAFETY: the same words that `paint` wrote (word-aligned, inside
        // the stack region, below every live frame of this function).
        while unsafe { read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        (p != self.bottom).then(|| top() - p)
    }
}
