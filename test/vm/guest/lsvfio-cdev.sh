#!/bin/bash
# The cdev + iommufd path first (lsvfio --via cdev → lsvfio-cdev.json), then the group path on the same
# devices (lsvfio.sh: lsvfio.json, snapshot, witnesses): both interfaces of one kernel in one boot.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
rc=0
node "$REPO/bin/lsvfio.js" --json --open --via cdev --save "$OUT/snapshot-cdev.json" > "$OUT/lsvfio-cdev.json" 2> "$OUT/lsvfio-cdev.err" || rc=$?
echo "$rc" > "$OUT/lsvfio-cdev.rc"
exec bash "$REPO/test/vm/guest/lsvfio.sh"
