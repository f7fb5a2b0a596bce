//! RV32IMC firmware (the ESP32-C3's instruction set) for QEMU `virt`: the
//! MLS group member of `mls-member`, logging with defmt over semihosting.
//!
//! Exit codes: 0 the script passed, 1 a check or an MLS operation failed,
//! 101 panic, 102 exception; the runner adds 124 for a hang.
#![no_std]
#![no_main]

use defmt_semihosting as _;
use mls_member::device::{Platform, run, stack};
use semihosting::process;

// SAFETY: both symbols come from riscv-rt's `link.x`; only their addresses
// are used.
unsafe extern "C" {
    static _stack_start: u32;
    static __estack: u32;
}

/// QEMU virt's SiFive test device: writing `RESET` to it resets the machine.
const TEST_DEVICE: usize = 0x10_0000;
const RESET: u32 = 0x7777;

struct Board {
    stack: stack::Painted,
}

impl Platform for Board {
    fn reset(&mut self) -> ! {
        // SAFETY: the test device's register on QEMU virt; the write resets
        // the machine.
        unsafe { core::ptr::write_volatile(TEST_DEVICE as *mut u32, RESET) };
        loop {
            core::hint::spin_loop();
        }
    }

    fn exit(&mut self, code: i32) -> ! {
        process::exit(code)
    }

    fn peak_stack(&self) -> usize {
        self.stack.used()
    }
}

fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads the stack pointer register only.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp) };
    sp
}

#[riscv_rt::entry]
fn main() -> ! {
    // SAFETY: from `main`'s own stack pointer down to the linker's stack
    // limit the stack is free, and no interrupt is enabled.
    let stack = unsafe { stack::paint(sp(), (&raw const _stack_start) as usize, (&raw const __estack) as usize) };
    run(&mut Board { stack })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    defmt::error!("PANIC: {}", defmt::Display2Format(info));
    process::exit(101)
}

#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(_frame: &riscv_rt::TrapFrame) -> ! {
    defmt::error!(
        "EXCEPTION mcause {=usize:#x} mepc {=usize:#x}",
        riscv::register::mcause::read().bits(),
        riscv::register::mepc::read()
    );
    process::exit(102)
}
