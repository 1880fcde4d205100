#!/usr/bin/env bash
# QEMU's own virt DT plus a fragment: dump the DTB with the same machine options as the run
# that will use it, decompile, append the fragment (dtc merges the second root node and applies its
# /delete-node/s), compile.
#
#   mkdtb.sh OUT.dtb FRAGMENT.dtsi -- QEMU-MACHINE-ARGS...    (e.g. -machine virt -cpu max,pauth=off -smp 1 -m 512)
set -euo pipefail
[ $# -ge 3 ] && [ "$3" = -- ] || { echo "usage: mkdtb.sh OUT.dtb FRAGMENT.dtsi -- QEMU-ARGS..." >&2; exit 2; }
OUT=$1 FRAG=$2; shift 3
args=()
for a in "$@"; do
    # dumpdtb is a machine property: add it to the -machine value
    if [ "${prev:-}" = -machine ]; then a="$a,dumpdtb=$OUT.base.dtb"; fi
    args+=("$a"); prev=$a
done
qemu-system-aarch64 "${args[@]}" -nodefaults -display none >/dev/null 2>&1 || true
[ -s "$OUT.base.dtb" ] || { echo "mkdtb: qemu did not dump a DTB" >&2; exit 1; }
{ dtc -q -I dtb -O dts "$OUT.base.dtb"; cat "$FRAG"; } > "$OUT.dts"
dtc -q -I dts -O dtb -o "$OUT.tmp" "$OUT.dts"
mv -f "$OUT.tmp" "$OUT"
rm -f "$OUT.base.dtb"
