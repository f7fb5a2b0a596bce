#!/usr/bin/env bash
# cargo runner for the firmware: `qemu.sh m4|rv ELF`.
#
# - Boots ELF in QEMU (m4: mps2-an386, Cortex-M4F; rv: virt, RV32) with
#   semihosting; the exit status is the firmware's (0 passed, 1 failed,
#   101 panic, 102 fault, 124 hung and killed by `timeout`).
# - A firmware with a .defmt section logs binary defmt frames on stdout;
#   they are decoded by defmt-print (`cargo install defmt-print --locked`).
# - For the group members (fw-member-*): builds the group on the host first
#   (member-host gen), runs QEMU in the directory of the scenario files, then
#   has the other members check what the device sent (member-host verify).
#   MLS_MEMBER_TAMPER=1 tampers with a commit the device receives.
set -uo pipefail
board=$1
elf=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
case $board in
  m4) qemu=(qemu-system-arm -machine mps2-an386 -cpu cortex-m4) ;;
  rv) qemu=(qemu-system-riscv32 -machine virt -bios none) ;;
  *) echo "qemu.sh: unknown board $board" >&2; exit 2 ;;
esac
qemu=(timeout -k 5 "${QEMU_TIMEOUT:-600}" "${qemu[@]}" -nographic -monitor none -serial none
      -semihosting-config enable=on,target=native -kernel "$elf")

readelf=$(command -v readelf || command -v llvm-readelf) || {
  echo "qemu.sh: neither readelf (binutils) nor llvm-readelf found" >&2
  exit 127
}

boot() {
  if "$readelf" -S "$elf" | grep -q '\.defmt'; then
    if ! command -v defmt-print >/dev/null; then
      echo "qemu.sh: defmt-print not found: cargo install defmt-print --version 1.2.0 --locked" >&2
      return 127
    fi
    "${qemu[@]}" | defmt-print -e "$elf"
  else
    "${qemu[@]}"
  fi
}

case $(basename "$elf") in
  fw-member-*) ;;
  *) boot; exit $? ;;
esac

host=("${CARGO:-cargo}" run --quiet --manifest-path "$root/Cargo.toml" -p member-host --)
dir="$(dirname "$elf")/member-scenario"
"${host[@]}" gen "$dir" || exit 90
rm -f "$dir"/out-*.bin
(cd "$dir" && boot)
code=$?
if [ "$code" -ne 0 ]; then
  echo "qemu.sh: the device exited with $code" >&2
  exit "$code"
fi
"${host[@]}" verify "$dir" || exit 91
