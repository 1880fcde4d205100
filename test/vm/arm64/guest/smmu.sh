#!/bin/sh
# arm64 guest scenario with a real SMMU (busybox sh): loads the deb's vfio_iommu_type1 (the IOMMU
# backend the default boot has no use for), runs the built lsvfio with --open (so the kernel itself
# attaches every real IOMMU group: its MSI isolation check answers EPERM or not), then the readiness
# witness. Outputs in $OUT: insmod.txt, lsvfio.json, lsvfio.err, lsvfio.rc, snapshot.json,
# readiness-witness.json, dmesg-after.txt, times.txt.
set -eu
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}" "${LSVFIO_TYPE1:?LSVFIO_TYPE1 is not set}"
export NODE_DISABLE_COLORS=1
ms() { read -r up _ < /proc/uptime; echo "${up%.*}${up#*.}0"; }

insmod "/host$LSVFIO_TYPE1" > "$OUT/insmod.txt" 2>&1 || echo "insmod rc=$?" >> "$OUT/insmod.txt"
t0=$(ms)
rc=0
node "$REPO/bin/lsvfio.js" --open --json -vv --save "$OUT/snapshot.json" > "$OUT/lsvfio.json" 2> "$OUT/lsvfio.err" || rc=$?
echo "$rc" > "$OUT/lsvfio.rc"
t1=$(ms)
node "$REPO/test/vm/arm64/guest/readiness-witness.mjs" > "$OUT/readiness-witness.json.tmp"
mv "$OUT/readiness-witness.json.tmp" "$OUT/readiness-witness.json"
t2=$(ms)
dmesg > "$OUT/dmesg-after.txt"
printf 'lsvfio %s\nwitness %s\n' "$((t1 - t0))" "$((t2 - t1))" > "$OUT/times.txt"
