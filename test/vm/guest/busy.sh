#!/bin/bash
# lsvfio.sh with one VFIO group held open by another process, so lsvfio meets EBUSY on it.
# BUSY_GROUP picks the group (default: the lowest numbered one in /dev/vfio).
# Writes $OUT/holder.pid and $OUT/holder.group, then everything lsvfio.sh writes.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"

group=${BUSY_GROUP:-}
if [ -z "$group" ]; then
    for g in /dev/vfio/*; do
        n=${g##*/}
        [[ $n =~ ^[0-9]+$ ]] && { [ -z "$group" ] || [ "$n" -lt "$group" ]; } && group=$n
    done
fi
[ -n "$group" ] && [ -c "/dev/vfio/$group" ] || { echo "busy.sh: no VFIO group to hold" >&2; exit 3; }

# the group fd is exclusive: while sleep holds it (fd 3), every other open gets EBUSY
sleep 1000 3<>"/dev/vfio/$group" &
holder=$!
echo "$holder" > "$OUT/holder.pid"
echo "$group" > "$OUT/holder.group"
# wait until the holder really has the fd open
for _ in $(seq 50); do
    [ "$(readlink "/proc/$holder/fd/3" 2>/dev/null || true)" = "/dev/vfio/$group" ] && break
    sleep 0.1
done
readlink "/proc/$holder/fd/3" > "$OUT/holder.fd" || { echo "busy.sh: holder did not open /dev/vfio/$group" >&2; exit 3; }

rc=0
bash "$REPO/test/vm/guest/lsvfio.sh" || rc=$?
kill "$holder" 2>/dev/null || true
exit "$rc"
