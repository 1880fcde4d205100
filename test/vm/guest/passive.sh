#!/bin/bash
# Sourced by lsvfio.sh. The default (passive) lsvfio run, watched by two witnesses that are not lsvfio:
# strace (every open/openat of the process tree) and a kprobe on vfio_pci_core_enable (vfio-pci's
# open path: it runs, and resets the device, on every device open). The kprobe keeps counting through
# the --open run that follows, so a probe that never fires cannot pass for "nothing was opened".
# Writes to $OUT: passive.strace, lsvfio-passive.json/.err/.rc, kprobe.state ("on" or why not),
# kprobe-passive.count, and (kprobe_open_count, called after the --open run) kprobe-open.count.
TR=/sys/kernel/tracing

kprobe_setup() {
    [ -d "$TR/events" ] || mount -t tracefs nodev "$TR" 2>/dev/null || { echo "no tracefs" > "$OUT/kprobe.state"; return 0; }
    if echo 'p:lsvfio/core_enable vfio_pci_core_enable' >> "$TR/kprobe_events" 2>/dev/null &&
        echo 1 > "$TR/events/lsvfio/core_enable/enable" 2>/dev/null; then
        : > "$TR/trace"
        echo on > "$OUT/kprobe.state"
    else
        echo "kprobe on vfio_pci_core_enable refused" > "$OUT/kprobe.state"
    fi
}

# kprobe_count FILE: how many times vfio_pci_core_enable ran since the last count, into FILE.
kprobe_count() {
    [ "$(cat "$OUT/kprobe.state" 2>/dev/null)" = on ] || return 0
    grep -c 'core_enable:' "$TR/trace" > "$1" || true
    : > "$TR/trace"
}

kprobe_setup
rc=0
# shellcheck disable=SC2086 # LSVFIO_ARGS is a word list
strace -f -qq -e trace=open,openat,openat2 -o "$OUT/passive.strace" \
    node "$REPO/bin/lsvfio.js" --json ${LSVFIO_PASSIVE_ARGS:-} > "$OUT/lsvfio-passive.json" 2> "$OUT/lsvfio-passive.err" || rc=$?
echo "$rc" > "$OUT/lsvfio-passive.rc"
kprobe_count "$OUT/kprobe-passive.count"
