#!/bin/sh
# arm64 guest scenario (busybox sh): the built lsvfio (JSON + snapshot) against the guest's real
# vfio-platform / vfio-amba devices, then the witness. Outputs in $OUT: lsvfio.json, lsvfio.err,
# lsvfio.rc, snapshot.json (or lsvfio.skipped without a build), witness.json, iomem.txt, times.txt,
# irqs-before.txt.
set -eu
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
ms() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}0"; }   # centiseconds -> ms

# the IRQs mapped before lsvfio opens anything: the witness tells the ones the opens mapped
ls /sys/kernel/irq > "$OUT/irqs-before.txt"
t0=$(ms)
if [ -f "$REPO/dist/cli/main.js" ]; then
    rc=0
    # shellcheck disable=SC2086 # LSVFIO_ARGS is a word list
    node "$REPO/bin/lsvfio.js" --open --json --save "$OUT/snapshot.json" ${LSVFIO_ARGS:-} \
        > "$OUT/lsvfio.json" 2> "$OUT/lsvfio.err" || rc=$?
    echo "$rc" > "$OUT/lsvfio.rc"
else
    echo "no $REPO/dist/cli/main.js (run npm run build first)" > "$OUT/lsvfio.skipped"
fi
t1=$(ms)
node "$REPO/test/vm/arm64/guest/witness.mjs" > "$OUT/witness.json.tmp"
mv "$OUT/witness.json.tmp" "$OUT/witness.json"
t2=$(ms)
cat /proc/iomem > "$OUT/iomem.txt"
printf 'lsvfio %s\nwitness %s\n' "$((t1 - t0))" "$((t2 - t1))" > "$OUT/times.txt"
