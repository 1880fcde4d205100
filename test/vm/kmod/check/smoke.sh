#!/usr/bin/env bash
# check/smoke.sh [6.12|6.1|7.3|KVER ...]   (default: 6.12)
# Build with build-noiommu.sh / build-cdev.sh into .vm/kbuild/out/<KVER>/{noiommu,cdev} and boot each
# result once with check/run.sh. Prints a summary; exit 1 if any expected combination fails.
# cdev is skipped (not failed) for kernels older than 6.6, which have no iommufd/VFIO cdev source.
set -euo pipefail
D=$(cd "$(dirname "$0")/.." && pwd)
LOG_TAG=smoke
. "$D/lib.sh"
[ $# -gt 0 ] || set -- 6.12
sum=(); failed=0; mkdir -p "$KB/out"
for a in "$@"; do
    KVER=$(kver_for "$a"); [ -n "$KVER" ] || die "cannot resolve $a"
    for mode in noiommu cdev; do
        out=$KB/out/$KVER/$mode; lg=$KB/out/$KVER/$mode.serial.log
        s=$(date +%s)
        if ! bash "$D/build-$mode.sh" "$KVER" "$out" > "$KB/out/$KVER.$mode.build.log" 2>&1; then
            if grep -q 'cdev needs >= 6.6' "$KB/out/$KVER.$mode.build.log"; then sum+=("$KVER $mode: n/a (no cdev in this kernel)"); continue; fi
            sum+=("$KVER $mode: BUILD FAILED ($KB/out/$KVER.$mode.build.log)"); failed=1; continue
        fi
        b=$(( $(date +%s) - s ))
        if bash "$D/check/run.sh" "$KVER" "$mode" "$out" "$lg" > "$lg.summary" 2>&1; then
            sum+=("$KVER $mode: PASS (build ${b}s, $(grep -o 'after [0-9.]* s' "$lg.summary"))")
        else
            sum+=("$KVER $mode: BOOT/CHECK FAILED ($lg.summary)"); failed=1
        fi
    done
done
printf 'SMOKE %s\n' "${sum[@]}"
exit $failed
