#!/bin/bash
# Read-only and no-leak evidence on a real kernel (test/vm/readonly.test.ts):
#   bindings.before / bindings.after   every PCI device's driver and driver_override, around all runs
#   mode-N.args / .rc / .snapshot.json lsvfio in each mode (opening every VFIO device), recorded
#   reopen-N.txt                       right after run N: can every group be opened again at once?
#   sigint-N.{delay,rc} + reopen-sigint-N.txt   lsvfio stopped with SIGINT mid-run, then the same
set -uo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
L=(node "$REPO/bin/lsvfio.js")

bindings() {
    for d in /sys/bus/pci/devices/*; do
        drv=$(readlink "$d/driver" 2>/dev/null || echo none)
        printf '%s driver=%s override=%s\n' "${d##*/}" "${drv##*/}" "$(cat "$d/driver_override" 2>/dev/null || echo -)"
    done
}

# Opens each VFIO group node (and no-IOMMU node) and closes it at once; a group still held prints EBUSY.
reopen() {
    for g in /dev/vfio/*; do
        n=${g##*/}
        [[ $n =~ ^(noiommu-)?[0-9]+$ ]] || continue
        if (exec 3<>"$g") 2>/dev/null; then echo "$n ok"; else echo "$n busy"; fi
    done
}

bindings > "$OUT/bindings.before"
i=0
for args in "--json -vv" "-vvv" "-t -vvv" "-xxxx" "--hexdump" "--read-region CONFIG:0:64" "--json --hexdump -xxxx" "check"; do
    echo "$args" > "$OUT/mode-$i.args"
    # shellcheck disable=SC2086 # args is a word list
    open=--open; [ "$args" = check ] && open=
    "${L[@]}" $open $args --save "$OUT/mode-$i.snapshot.json" > "$OUT/mode-$i.out" 2> "$OUT/mode-$i.err"
    echo $? > "$OUT/mode-$i.rc"
    reopen > "$OUT/reopen-$i.txt"
    i=$((i + 1))
done

# Ctrl-C: at several points of a run; each time every group must be free again at once.
j=0
for delay in 0.5 1 1.5 2 3 4; do
    "${L[@]}" --open -vv > /dev/null 2> "$OUT/sigint-$j.err" &
    pid=$!
    sleep "$delay"
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    echo $? > "$OUT/sigint-$j.rc"
    echo "$delay" > "$OUT/sigint-$j.delay"
    reopen > "$OUT/reopen-sigint-$j.txt"
    j=$((j + 1))
done

bindings > "$OUT/bindings.after"
ls /dev/vfio > "$OUT/dev-vfio.txt"
exit 0
