#!/bin/sh
# /init of the test guest (busybox ash, PID 1). Built into the initramfs by mkinitramfs.sh.
#
# Kernel command line (written by harness.ts):
#   lsvfio.scenario=PATH  script to run, chrooted into the host root (same absolute paths as the host)
#   lsvfio.env=PATH       shell file with `export K='v'` lines, sourced before the scenario
#   lsvfio.out=PATH       host path of the writable output share; mounted at /out and at PATH in the chroot
#   lsvfio.repo=PATH      the checkout (kept visible if it is below /tmp)
#   lsvfio.bind=all|none|BDF,BDF  devices to give to vfio-pci (default all)
#   lsvfio.keep=BDF,BDF   leave these on their host driver (makes their group non-viable)
#   lsvfio.tmo=SECONDS    kill the scenario after this long (rc 137), so a hang still reports
#
# Results go to /out: rc (written last: its presence means the run finished), init.log, dmesg.txt.
# The exit is through isa-debug-exit (port 0xf4): qemu exits with (rc<<1)|1; a guest that dies
# makes qemu exit 0 (-no-reboot), which the harness retries.
# No `set -e`: PID 1 must never exit. Loops use builtins only: every fork costs 10-30 ms under TCG.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
[ -e /dev/console ] && exec </dev/console >/dev/console 2>&1

LOG=/tmp/init.log
say() {
    read -r up _ < /proc/uptime
    echo "lsvfio-init [$up] $*"
    echo "[$up] $*" >> $LOG
}

OUT_MOUNTED=0
finish() {
    rc=$1
    if [ $OUT_MOUNTED = 1 ]; then
        dmesg > /out/dmesg.txt
        cp /etc/initramfs.txt /out/initramfs.txt
        say "finished rc=$rc"
        cp $LOG /out/init.log
        echo "$rc" > /out/rc
        sync
    fi
    # one byte to isa-debug-exit (QEMU exits (b<<1)|1, so 0..127 survive); poweroff if it is missing
    b=$rc; [ "$b" -gt 127 ] 2>/dev/null && b=127
    printf "\\$(printf %03o "$b")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    poweroff -f
    while :; do sleep 1; done
}
fatal() {
    say "FATAL: $*"
    # without /out the harness sees no rc file and retries once, then reports the serial log
    finish 125
}

SCENARIO='' ENVFILE='' OUTPATH='' REPO='' BIND=all KEEP='' TMO=600
read -r CMDLINE < /proc/cmdline
set -f
for w in $CMDLINE; do
    case $w in
    lsvfio.scenario=*) SCENARIO=${w#*=} ;;
    lsvfio.env=*) ENVFILE=${w#*=} ;;
    lsvfio.out=*) OUTPATH=${w#*=} ;;
    lsvfio.repo=*) REPO=${w#*=} ;;
    lsvfio.bind=*) BIND=${w#*=} ;;
    lsvfio.keep=*) KEEP=${w#*=} ;;
    lsvfio.tmo=*) TMO=${w#*=} ;;
    esac
done
set +f
say "start: $CMDLINE"

while read -r ko params; do
    # shellcheck disable=SC2086 # params are word lists by design
    insmod /lib/modules/$ko $params || say "ERROR: insmod $ko $params failed"
done < /etc/modules.load
say "modules loaded"

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host \
    || fatal "cannot mount the host root (9p tag hostroot)"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out \
    || fatal "cannot mount the output share (9p tag out)"
OUT_MOUNTED=1
say "9p mounted"

# in LIST(comma separated) BDF: also matches the short form without the 0000: domain
in_list() {
    case ",$1," in *",$2,"*|*",${2#0000:},"*) return 0 ;; esac
    return 1
}

# Bind plan: every non-bridge function except the ICH9 functions 00:1f.* and the 9p transports.
# driver_override + unbind + drivers_probe binds exactly one device (new_id would take all of an ID).
BOUND='' KEPT='' SKIPPED=''
if [ -d /sys/bus/pci/drivers/vfio-pci ]; then
    for d in /sys/bus/pci/devices/*; do
        bdf=${d##*/}
        read -r cls < "$d/class"
        read -r ven < "$d/vendor"
        read -r dev < "$d/device"
        case $cls in 0x06*) continue ;; esac                       # host/ISA/PCI bridges
        case $bdf in 0000:00:1f.*) SKIPPED="$SKIPPED $bdf"; continue ;; esac
        case $ven:$dev in 0x1af4:0x1009|0x1af4:0x1049) continue ;; esac   # virtio-9p: our own transport
        if in_list "$KEEP" "$bdf"; then KEPT="$KEPT $bdf"; continue; fi
        if [ "$BIND" != all ] && ! in_list "$BIND" "$bdf"; then SKIPPED="$SKIPPED $bdf"; continue; fi
        echo vfio-pci > "$d/driver_override"
        [ -e "$d/driver" ] && echo "$bdf" > "$d/driver/unbind"
        echo "$bdf" > /sys/bus/pci/drivers_probe
        if [ -e "/sys/bus/pci/drivers/vfio-pci/$bdf" ]; then BOUND="$BOUND $bdf"
        else say "ERROR: $bdf ($ven:$dev) did not bind to vfio-pci"; fi
    done
else
    say "ERROR: no vfio-pci driver (module failed to load?)"
fi
say "bound:$BOUND"
say "kept:$KEPT"
say "skipped:$SKIPPED"
NODES=
for g in /dev/vfio/*; do NODES="$NODES ${g##*/}"; done
say "/dev/vfio:$NODES"

for m in dev proc sys; do mount --bind /$m /host/$m || fatal "bind /$m"; done
# A writable /tmp for the scenario. The checkout (CI may clone under /tmp) or the run directory may
# live below the host's /tmp: their top directories are bound back from the read-only 9p view.
mount --bind /host/tmp /mnt/tmp9p || fatal "bind /host/tmp"
mount -t tmpfs -o mode=1777 tmpfs /host/tmp || fatal "tmpfs on /host/tmp"
for p in "$REPO" "$OUTPATH" "$ENVFILE" "$SCENARIO"; do
    case $p in
    /tmp/?*)
        top=${p#/tmp/}; top=${top%%/*}
        if [ ! -e "/host/tmp/$top" ]; then
            mkdir "/host/tmp/$top" && mount --bind "/mnt/tmp9p/$top" "/host/tmp/$top" || fatal "bind /tmp/$top"
            say "kept host /tmp/$top visible"
        fi ;;
    esac
done
[ -n "$OUTPATH" ] || fatal "no lsvfio.out= on the command line"
[ -d "/host$OUTPATH" ] || mkdir -p "/host$OUTPATH" 2>/dev/null
mount --bind /out "/host$OUTPATH" || fatal "bind /out onto /host$OUTPATH"

[ -n "$SCENARIO" ] || fatal "no lsvfio.scenario= on the command line"
[ -f "/host$SCENARIO" ] || fatal "scenario $SCENARIO not found"
say "scenario start: $SCENARIO"
# A clean environment: only what the env file exports (harness.ts writes OUT, REPO, PATH, ...).
SH=/bin/bash; [ -x /host$SH ] || SH=/bin/sh
timeout -s KILL "$TMO" chroot /host /usr/bin/env -i $SH -c \
    'if [ -n "$1" ]; then . "$1"; fi; cd "${REPO:-/}" && exec "$0" "$2"' $SH "$ENVFILE" "$SCENARIO" \
    > /out/scenario.stdout 2> /out/scenario.stderr
RC=$?
say "scenario end: rc=$RC"
finish $RC
