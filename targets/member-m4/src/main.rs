//! Cortex-M4F firmware for QEMU `mps2-an386`: the MLS group member of
//! `mls-member`, logging with defmt over semihosting.
//!
//! Exit codes: 0 the script passed, 1 a check or an MLS operation failed,
//! 101 panic, 102 HardFault, 103 another exception; the runner adds 124 for
//! a hang.
#![no_std]
#![no_main]

use cortex_m::peripheral::SCB;
use cortex_m_rt::{ExceptionFrame, entry, exception};
use defmt_semihosting as _;
use mls_member::device::{Platform, run, stack};
use semihosting::process;

// SAFETY: both symbols come from cortex-m-rt's `link.x`; only their
// addresses are used.
unsafe extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

struct Board {
    stack: stack::Painted,
}

impl Platform for Board {
    fn reset(&mut self) -> ! {
        SCB::sys_reset()
    }

    fn exit(&mut self, code: i32) -> ! {
        process::exit(code)
    }

    fn peak_stack(&self) -> usize {
        self.stack.used()
    }
}

#[entry]
fn main() -> ! {
    let sp = cortex_m::register::msp::read() as usize;
    // SAFETY: from `main`'s own stack pointer down to the linker's stack
    // limit the stack is free, and no interrupt is enabled.
    let stack = unsafe { stack::paint(sp, (&raw const _stack_start) as usize, (&raw const _stack_end) as usize) };
    run(&mut Board { stack })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("PANIC: {}", defmt::Display2Format(info));
    process::exit(101)
}

// SAFETY (of the `unsafe fn` cortex-m-rt requires): logs and exits.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    defmt::error!("HARDFAULT at pc {=u32:#x}", frame.pc());
    process::exit(102)
}

// SAFETY (of the `unsafe fn` cortex-m-rt requires): logs and exits.
#[exception]
unsafe fn DefaultHandler(irqn: i16) -> ! {
    defmt::error!("unexpected exception or interrupt {=i16}", irqn);
    process::exit(103)
}
