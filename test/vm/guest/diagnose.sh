#!/bin/bash
# The diagnostics against a real kernel, with real holders and a real unprivileged user:
#  - a background `sleep` holds the group of 00:04.0 open, a paused QEMU (-name guest=lsvfio-vm) holds
#    the group of 00:03.0 through vfio-pci (and has pinned its RAM for DMA); 07:02.0 (kept on
#    virtio-pci, so its group is not viable) gets a stale driver_override;
#  - lsvfio runs as root (listing, JSON + snapshot) and `lsvfio check` runs once per verdict class;
#  - then as uid 1000 (setpriv): permission denied, the printed fix applied (chown), ready again.
# Every run leaves NAME.out, NAME.err and NAME.rc in $OUT; holder pids in sleep.pid and qemu.pid.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
L=("node" "$REPO/bin/lsvfio.js")

run() {
    local name=$1 rc=0
    shift
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || rc=$?
    echo "$rc" > "$OUT/$name.rc"
}
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
# wait_fd PID PATH: until PID has PATH open (or 60 s)
wait_fd() {
    local i
    for i in $(seq 300); do
        ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "-> $2\$" && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

g_sleep=$(group_of 0000:00:04.0)
g_qemu=$(group_of 0000:00:03.0)
g_user=$(group_of 0000:00:05.0)
echo "$g_sleep $g_qemu $g_user" > "$OUT/groups"

# Secrets a snapshot must not keep (test/vm/diagnose.test.ts looks for each): in a holder's
# environment, behind one of its fds that is not a VFIO node, in QEMU's command line, in a GECOS field.
echo "planted" > "$OUT/lsvfio-planted-keyfile"
# /etc is the host's, read-only: a copy with one more user is bound over the guest's /etc/passwd
pw=$(mktemp)
cat /etc/passwd > "$pw"
echo 'planted:x:4711:4711:Planted Secretname,Room 42,+1-555-0199:/home/planted:/bin/sh' >> "$pw"
mount --bind "$pw" /etc/passwd
LSVFIO_PLANTED_ENV=lsvfio-planted-env-secret sleep 1000 3<>"/dev/vfio/$g_sleep" 4<"$OUT/lsvfio-planted-keyfile" &
echo $! > "$OUT/sleep.pid"
wait_fd "$(cat "$OUT/sleep.pid")" "/dev/vfio/$g_sleep"

qemu-system-x86_64 -name guest=lsvfio-vm,debug-threads=on -object secret,id=lsvfiosec,data=lsvfio-planted-qemu-secret -machine q35,accel=tcg -m 64 -S -display none \
    -nodefaults -monitor none -serial none -device vfio-pci,host=0000:00:03.0 > "$OUT/qemu.log" 2>&1 &
echo $! > "$OUT/qemu.pid"
wait_fd "$(cat "$OUT/qemu.pid")" "/dev/vfio/$g_qemu" || echo "qemu never opened /dev/vfio/$g_qemu" > "$OUT/qemu.failed"

# A stale override: vfio-pci named for 07:02.0, which stays on virtio-pci until it is reprobed.
echo vfio-pci > /sys/bus/pci/devices/0000:07:02.0/driver_override

# As root: the listing with diagnostics, and one check per verdict class.
run list-json "${L[@]}" --open --json --save "$OUT/diag-snapshot.json"
run list-v "${L[@]}" --open -v
run check-all "${L[@]}" check
run check-ready "${L[@]}" check -s 0000:01:00.0 --json
run check-sleep "${L[@]}" check -s 0000:00:04.0 --json
run check-qemu "${L[@]}" check 0000:00:03.0 --json
run check-qemu-text "${L[@]}" check 0000:00:03.0
run check-notviable "${L[@]}" check -s 0000:07:01.0 --json
run check-notbound "${L[@]}" check -s 0000:07:02.0 --json
run check-open-ready "${L[@]}" check --open -s 0000:01:00.0 --json
run check-open-busy "${L[@]}" check --open -s 0000:00:04.0 --json
run check-quiet "${L[@]}" check -q -s 0000:07:01.0

# As an unprivileged user: no access, then the printed fix, then ready (and the kernel agrees).
U=(setpriv --reuid=1000 --regid=1000 --clear-groups)
run user-list-json "${U[@]}" "${L[@]}" --no-open --json
run user-check "${U[@]}" "${L[@]}" check -s 0000:00:05.0 --json
run user-check-open "${U[@]}" "${L[@]}" check --open -s 0000:00:05.0 --json
ls -ln "/dev/vfio/$g_user" > "$OUT/user-node-before.txt"
chown 1000 "/dev/vfio/$g_user"
run user-check-fixed "${U[@]}" "${L[@]}" check -s 0000:00:05.0 --json
run user-check-fixed-open "${U[@]}" "${L[@]}" check --open -s 0000:00:05.0 --json
chown 0 "/dev/vfio/$g_user"

kill "$(cat "$OUT/qemu.pid")" "$(cat "$OUT/sleep.pid")" 2>/dev/null || true
wait 2>/dev/null || true
