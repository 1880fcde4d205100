#!/bin/bash
# Ground truth about every PCI device from sources other than lsvfio: pciutils' lspci and sysfs.
# Writes to $OUT: lspci.txt (lspci -vvv -nn -k -D -xxx), lspci-xxxx.txt (4 KiB config dumps),
# dev-vfio.txt (ls -ln /dev/vfio), witness.json (sysfs + /dev/vfio + iommu groups, see witness.mjs).
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"

# step NAME cmd...: run, and append "NAME ms" to witness.times (TCG makes every step worth measuring)
step() {
    local name=$1 t0=${EPOCHREALTIME/./} t1; shift
    "$@"
    t1=${EPOCHREALTIME/./}
    echo "$name $(( (t1 - t0) / 1000 ))" >> "$OUT/witness.times"
}
# lspci -k also looks for module aliases of the guest kernel in the host's /lib/modules: absent, so it
# prints "Unable to load libkmod resources" to lspci.err and omits only the "Kernel modules:" lines.
step lspci-vvv eval 'lspci -vvv -nn -k -D -xxx > "$OUT/lspci.txt" 2> "$OUT/lspci.err"'
step lspci-xxxx eval 'lspci -D -nn -xxxx > "$OUT/lspci-xxxx.txt" 2>> "$OUT/lspci.err"'
ls -ln /dev/vfio > "$OUT/dev-vfio.txt" 2>&1 || true
step witness.mjs eval 'node "$REPO/test/vm/guest/witness.mjs" > "$OUT/witness.json.tmp"'
mv "$OUT/witness.json.tmp" "$OUT/witness.json"
