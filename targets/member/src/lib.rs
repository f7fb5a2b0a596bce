//! A complete MLS group member for microcontrollers, as the firmware in
//! `targets/member-m4` and `targets/member-rv` runs it under QEMU.
//!
//! - [`proto`]: the records the host and the device exchange (always built;
//!   the host side `member-host` uses it).
//! - `device` (feature `device`): the member itself: it joins from a
//!   Welcome, follows the group, speaks in it, persists its state to a
//!   region that stands for flash, and survives resets at chosen points.
#![no_std]

pub mod proto;

#[cfg(feature = "device")]
pub mod device;
