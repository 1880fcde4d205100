#!/bin/bash
# PCIe paths and ACS (test/vm/acs.test.ts): lsvfio's JSON and -v text without opening anything, a
# snapshot of the same run, `lsvfio check` on every device, then the witnesses (lspci -vvv with each
# bridge's ACSCap/ACSCtl, and the kernel's groups in sysfs).
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
run() { # run NAME args...: stdout to NAME.out, stderr to NAME.err, status to NAME.rc
    local name=$1 rc=0; shift
    node "$REPO/bin/lsvfio.js" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || rc=$?
    echo "$rc" > "$OUT/$name.rc"
}
run json --no-open --json --save "$OUT/snapshot.json"
run text-v --no-open -v
run text --no-open
run check check --json
cat /proc/cmdline > "$OUT/cmdline.txt"
exec bash "$REPO/test/vm/guest/witness.sh"
