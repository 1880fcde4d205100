#!/bin/bash
# Captures the fixtures of test/vm/testdata/ from a real boot (run by test/vm/capture.test.ts):
# the witness outputs, then two lspci variants that a default boot never shows:
#   lspci-nonroot.txt   lspci as uid 65534 (64-byte dumps, "Capabilities: <access denied>")
#   lspci-poked.txt     00:04.0 and 00:07.0 after clearing COMMAND, zeroing 00:04.0's BAR0 and
#                       setting 00:07.0's ROM enable bit: [disabled], [virtual], [disabled by cmd]
# The pokes happen after witness.sh, on devices no one uses in this boot.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"

bash "$REPO/test/vm/guest/witness.sh"
setpriv --reuid=65534 --regid=65534 --clear-groups lspci -vvv -nn -k -D -xxx > "$OUT/lspci-nonroot.txt" 2>/dev/null
setpci -s 0000:00:04.0 COMMAND=0000 BASE_ADDRESS_0=00000000
setpci -s 0000:00:07.0 COMMAND=0000 ROM_ADDRESS=1:1
lspci -vvv -nn -k -D -xxx -s 0000:00:04.0 > "$OUT/lspci-poked.txt" 2>/dev/null
lspci -vvv -nn -k -D -xxx -s 0000:00:07.0 >> "$OUT/lspci-poked.txt" 2>/dev/null
