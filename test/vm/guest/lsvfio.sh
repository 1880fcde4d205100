#!/bin/bash
# Runs the built lsvfio against the guest's real VFIO: first the default run, which must open nothing
# (passive.sh), then with --open (JSON + snapshot), then collects the witnesses.
# Outputs in $OUT: what passive.sh writes, lsvfio.json, lsvfio.err, lsvfio.rc, snapshot.json,
# kprobe-open.count (or lsvfio.skipped when there is no build yet), then everything witness.sh writes.
# LSVFIO_ARGS adds arguments to the --open runs.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1

if [ -f "$REPO/dist/cli/main.js" ]; then
    # shellcheck source=passive.sh
    . "$REPO/test/vm/guest/passive.sh"
    rc=0
    # shellcheck disable=SC2086 # LSVFIO_ARGS is a word list
    node "$REPO/bin/lsvfio.js" --json --open --save "$OUT/snapshot.json" ${LSVFIO_ARGS:-} \
        > "$OUT/lsvfio.json" 2> "$OUT/lsvfio.err" || rc=$?
    echo "$rc" > "$OUT/lsvfio.rc"
    kprobe_count "$OUT/kprobe-open.count"
    # -xxx in lspci's layout, decoded by pciutils itself (lspci -F): must match the live lspci.
    node "$REPO/bin/lsvfio.js" --open -xxx ${LSVFIO_ARGS:-} > "$OUT/lsvfio-xxx.txt" 2> "$OUT/lsvfio-xxx.err" || true
    lspci -F "$OUT/lsvfio-xxx.txt" -vvv -nn -D > "$OUT/lspci-from-lsvfio.txt" 2> "$OUT/lspci-from-lsvfio.err" || true
else
    echo "no $REPO/dist/cli/main.js (run npm run build first)" > "$OUT/lsvfio.skipped"
fi

exec bash "$REPO/test/vm/guest/witness.sh"
