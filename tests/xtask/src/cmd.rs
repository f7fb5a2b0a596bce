//! Running commands: every command is echoed before it runs, and a failure
//! becomes an error message that names the command.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// The build-time switch of the firmware that corrupts a vector; removed
/// from every command unless a step sets it on purpose.
pub const CORRUPT_ENV: &str = "MLS_FW_CORRUPT";

/// The repository root (this crate lives in `tests/xtask`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// A command run in the repository root.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env_remove(CORRUPT_ENV);
    c
}

/// `cargo` (the one that runs this task), in the repository root.
pub fn cargo<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut c = command(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.args(args);
    c
}

/// The command line, for messages.
pub fn describe(c: &Command) -> String {
    let mut s = String::new();
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            s.push_str(&format!("{}={} ", k.to_string_lossy(), v.to_string_lossy()));
        }
    }
    let program = Path::new(c.get_program());
    // `$CARGO` is an absolute path; show it as `cargo`.
    let name = match program.file_name() {
        Some(n) if n == "cargo" => n.to_string_lossy().into_owned(),
        _ => program.display().to_string(),
    };
    s.push_str(&name);
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn spawn_error(c: &Command, e: std::io::Error) -> String {
    format!("cannot run `{}`: {e}", describe(c))
}

/// The error message for `c` ending with `status`.
pub fn status_error(c: &Command, status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("`{}` exited with {code}", describe(c)),
        None => format!("`{}` was killed by a signal ({status})", describe(c)),
    }
}

/// Runs `c` with inherited output; fails unless it exits 0.
pub fn run(c: &mut Command) -> Result<(), String> {
    println!("$ {}", describe(c));
    let status = c.status().map_err(|e| spawn_error(c, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(status_error(c, status))
    }
}

/// Runs `c` with stdout captured (and stderr inherited); returns its status
/// and stdout, whatever the status.
pub fn output(c: &mut Command) -> Result<(ExitStatus, String), String> {
    println!("$ {}", describe(c));
    let out = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| spawn_error(c, e))?;
    Ok((out.status, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// Like [`output`], but fails unless `c` exits 0, and echoes nothing.
pub fn read(c: &mut Command) -> Result<String, String> {
    let out = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| spawn_error(c, e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(status_error(c, out.status))
    }
}

/// The path of executable `name` on `PATH`, if any.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}
