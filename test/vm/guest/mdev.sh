#!/bin/bash
# Mediated devices from the kernel's sample drivers (mtty, mdpy, mbochs; loaded by init from
# test/vm/kmod/build-mdev.sh's output, mbochs with count=32 MB):
#  - creates six mdevs through sysfs (two per parent); mbochs then has 12 MB left, so mbochs-medium
#    (16 MB) and mbochs-large (64 MB) are at 0 available instances;
#  - defines one more with mdevctl, not started (its config in /etc/mdevctl.d, a tmpfs here);
#  - holds the group of the mtty-2 mdev open (a background sleep), so lsvfio meets EBUSY there;
#  - runs lsvfio (JSON + snapshot, -vv text, check, -s UUID) and the witnesses: sysfs (mdev-witness.mjs),
#    mdevctl (types / list / list --defined, JSON), and MDEVREAD (an independent C reader of the ioctls).
# Every run leaves NAME.out, NAME.err, NAME.rc in $OUT.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
L=(node "$REPO/bin/lsvfio.js")
run() {
    local name=$1 rc=0
    shift
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || rc=$?
    echo "$rc" > "$OUT/$name.rc"
}

# uuid type: the mdevs this scenario creates (fixed, so tests and fixtures can name them)
MDEVS=(
    "11111111-0000-4000-8000-000000000001 mtty mtty-1"
    "11111111-0000-4000-8000-000000000002 mtty mtty-2"
    "22222222-0000-4000-8000-000000000001 mdpy mdpy-vga"
    "22222222-0000-4000-8000-000000000002 mdpy mdpy-xga"
    "33333333-0000-4000-8000-000000000001 mbochs mbochs-small"
    "33333333-0000-4000-8000-000000000002 mbochs mbochs-medium"
)
DEFINED="44444444-0000-4000-8000-000000000001 mtty mtty-1"
HELD=11111111-0000-4000-8000-000000000002

ls -l /sys/class/mdev_bus > "$OUT/mdev_bus.txt" 2>&1 || true
for m in "${MDEVS[@]}"; do
    read -r uuid parent type <<<"$m"
    echo "$uuid" > "/sys/class/mdev_bus/$parent/mdev_supported_types/$type/create"
done
echo "${MDEVS[*]}" | tr ' ' '\n' | paste - - - > "$OUT/mdevs.txt"

# mdevctl keeps defined mdevs in /etc/mdevctl.d: the host's, read-only here, so a tmpfs over it
if [ -d /etc/mdevctl.d ]; then
    mount -t tmpfs -o mode=0755 tmpfs /etc/mdevctl.d
    mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
    read -r uuid parent type <<<"$DEFINED"
    run mdevctl-define mdevctl define -u "$uuid" -p "$parent" -t "$type"
fi
run mdevctl-types mdevctl types --dumpjson
run mdevctl-list mdevctl list --dumpjson
run mdevctl-defined mdevctl list --defined --dumpjson

group=$(basename "$(readlink "/sys/bus/mdev/devices/$HELD/iommu_group")")
sleep 1000 3<>"/dev/vfio/$group" &
holder=$!
echo "$holder" > "$OUT/holder.pid"; echo "$group" > "$OUT/holder.group"
for _ in $(seq 50); do
    [ "$(readlink "/proc/$holder/fd/3" 2>/dev/null || true)" = "/dev/vfio/$group" ] && break
    sleep 0.1
done
readlink "/proc/$holder/fd/3" > "$OUT/holder.fd"

# lsvfio asks the kernel only with --open once listing is passive; before that it always opens
OPEN=
"${L[@]}" --help 2>/dev/null | grep -q -- ' --open ' && OPEN=--open
echo "$OPEN" > "$OUT/open-flag"
# shellcheck disable=SC2086 # LSVFIO_ARGS is a word list
run lsvfio "${L[@]}" --json --save "$OUT/snapshot.json" $OPEN ${LSVFIO_ARGS:-}
run lsvfio-passive "${L[@]}" --json --no-open
run lsvfio-vv "${L[@]}" -vv $OPEN ${LSVFIO_ARGS:-}
run lsvfio-tree "${L[@]}" -t $OPEN
run lsvfio-check "${L[@]}" check
run lsvfio-check-json "${L[@]}" check --json
run lsvfio-check-defined "${L[@]}" check -s "${DEFINED%% *}"
run lsvfio-sel "${L[@]}" --json -s 22222222-0000-4000-8000-000000000001 $OPEN ${LSVFIO_ARGS:-}

node "$REPO/test/vm/guest/mdev-witness.mjs" > "$OUT/mdev-witness.json"
# the kernel's answers read by a second, independent reader (C, no code shared with lsvfio)
if [ -n "${MDEVREAD:-}" ]; then
    for m in "${MDEVS[@]}"; do
        read -r uuid _ _ <<<"$m"
        [ "$uuid" = "$HELD" ] && continue
        g=$(basename "$(readlink "/sys/bus/mdev/devices/$uuid/iommu_group")")
        run "mdevread-$uuid" "$MDEVREAD" "/dev/vfio/$g" "$uuid"
    done
fi
kill "$holder" 2>/dev/null || true
