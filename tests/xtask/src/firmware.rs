//! Building and running the Cortex-M4F firmware under QEMU (release only:
//! a debug build is five times the flash and four times the stack).
//!
//! The runner in `.cargo/config.toml` boots the ELF in QEMU `mps2-an386`
//! inside `timeout`; `cargo run` passes the firmware's exit code on.

use crate::cmd;
use std::path::PathBuf;
use std::process::Command;

/// The firmware package.
pub const PACKAGE: &str = "fw-mps2-an386";
/// Its target.
pub const TARGET: &str = "thumbv7em-none-eabihf";

/// `cargo <verb> --release -p fw-mps2-an386 --target thumbv7em-none-eabihf`,
/// with `MLS_FW_CORRUPT=1` if `corrupt` (the firmware's build script then
/// reruns and flips one expected byte; without it, the clean build comes
/// back).
fn cargo(verb: &str, corrupt: bool) -> Command {
    let mut c = cmd::cargo([verb, "--release", "-p", PACKAGE, "--target", TARGET]);
    if corrupt {
        c.env(cmd::CORRUPT_ENV, "1");
    }
    c
}

/// Builds the firmware.
pub fn build(corrupt: bool) -> Result<(), String> {
    cmd::run(&mut cargo("build", corrupt))
}

/// One QEMU run.
pub struct Run {
    /// The exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Everything the firmware printed.
    pub stdout: String,
    /// The command, for messages.
    pub command: String,
}

impl Run {
    /// `(passed, failed)` from the firmware's `N passed, M failed` line.
    pub fn counts(&self) -> Option<(u32, u32)> {
        self.stdout.lines().find_map(|l| {
            let (passed, failed) = l.trim().split_once(" passed, ")?;
            Some((passed.parse().ok()?, failed.strip_suffix(" failed")?.parse().ok()?))
        })
    }

    /// The peak stack in bytes, from the `peak-stack=N B` field.
    pub fn peak_stack(&self) -> Option<u64> {
        self.stdout
            .lines()
            .find_map(|l| l.split_once("peak-stack=")?.1.split_whitespace().next()?.parse().ok())
    }

    /// `(check, stack bytes)` of every passing check (`ok   name   stack N B`).
    pub fn stacks(&self) -> Vec<(String, u64)> {
        self.stdout
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("ok ")?;
                let (name, stack) = rest.rsplit_once(" stack ")?;
                Some((name.trim().to_string(), stack.strip_suffix(" B")?.parse().ok()?))
            })
            .collect()
    }

    /// The exit code for messages.
    pub fn code_text(&self) -> String {
        self.code.map_or("a signal".into(), |c| c.to_string())
    }
}

/// Builds the firmware if needed and runs it in QEMU; echoes its output.
///
/// The output of a corrupted build is echoed with a prefix on every line:
/// its `N passed, M failed` line reports an expected failure, which a CI log
/// scanner must not count.
pub fn run(corrupt: bool) -> Result<Run, String> {
    let mut c = cargo("run", corrupt);
    let (status, stdout) = cmd::output(&mut c)?;
    if corrupt {
        for line in stdout.lines() {
            println!("  (corrupted build, expected to fail) {line}");
        }
    } else {
        print!("{stdout}");
    }
    Ok(Run {
        code: status.code(),
        stdout,
        command: cmd::describe(&c),
    })
}

/// The firmware ELF (honours `CARGO_TARGET_DIR`).
pub fn elf() -> PathBuf {
    cmd::target_dir().join(TARGET).join("release").join(PACKAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_firmware_output() {
        let run = Run {
            code: Some(0),
            stdout: "ok   crypto-basics/ref_hash                   stack 1180 B\n\
                     FAIL crypto-basics/derive_secret              case 0: differs\n\
                     ok   crypto-basics/sign_with_label            stack 9424 B\n\
                     checks=3 failed=1 peak-stack=9424 B\n\
                     2 passed, 1 failed\n"
                .into(),
            command: String::new(),
        };
        assert_eq!(run.counts(), Some((2, 1)));
        assert_eq!(run.peak_stack(), Some(9424));
        assert_eq!(
            run.stacks(),
            [
                ("crypto-basics/ref_hash".to_string(), 1180),
                ("crypto-basics/sign_with_label".to_string(), 9424)
            ]
        );
    }
}
