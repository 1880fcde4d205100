#!/bin/busybox sh
# shellcheck shell=dash
# /init of the arm64 test guest (busybox ash, PID 1). Built into the initramfs by mkinitramfs.sh.
#
# Kernel command line (written by harness.ts):
#   lsvfio.scenario=PATH  script run by busybox sh (host path: the host root is mounted read-only at /host
#                         and the checkout and the output directory are bound at their host paths)
#   lsvfio.env=PATH       shell file with `export K='v'` lines, sourced before the scenario
#   lsvfio.out=PATH       host path of the writable output share (also mounted at /out)
#   lsvfio.repo=PATH      the checkout
#   lsvfio.bind=BUS:NAME,...  devices given to vfio-platform (bus platform), vfio-amba (amba) or vfio-pci (pci)
#   lsvfio.tmo=SECONDS    kill the scenario after this long (rc 137), so a hang still reports
#
# Results go to /out: rc (written last: its presence means the run finished), init.log, dmesg.txt.
# The exit is Arm semihosting SYS_EXIT (bin/semiexit): qemu exits with rc. Should that fail,
# poweroff -f (PSCI) makes qemu exit 0 and the harness still has the rc file.
# No `set -e`: PID 1 must never exit.

/bin/busybox --install -s
export PATH=/opt/node/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
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
    b=$rc; [ "$b" -gt 255 ] 2>/dev/null && b=255
    /bin/semiexit "$b"
    poweroff -f
    while :; do sleep 1; done
}
fatal() {
    say "FATAL: $*"
    finish 125
}

SCENARIO='' ENVFILE='' OUTPATH='' REPO='' BIND='' TMO=600
read -r CMDLINE < /proc/cmdline
set -f
for w in $CMDLINE; do
    case $w in
    lsvfio.scenario=*) SCENARIO=${w#*=} ;;
    lsvfio.env=*) ENVFILE=${w#*=} ;;
    lsvfio.out=*) OUTPATH=${w#*=} ;;
    lsvfio.repo=*) REPO=${w#*=} ;;
    lsvfio.bind=*) BIND=${w#*=} ;;
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

# virtio-9p-pci (virtio-pci is built in; virtio-mmio is a module we never load, so every
# virtio-mmio transport stays free for vfio-platform)
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host \
    || fatal "cannot mount the host root (9p tag hostroot)"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out \
    || fatal "cannot mount the output share (9p tag out)"
OUT_MOUNTED=1
say "9p mounted"

# The checkout and the output directory at their host paths (the rootfs is writable, so any path works).
[ -n "$REPO" ] && [ -n "$OUTPATH" ] || fatal "no lsvfio.repo= or lsvfio.out= on the command line"
mkdir -p "$REPO" "$OUTPATH"
mount --bind "/host$REPO" "$REPO" || fatal "bind the checkout $REPO"
mount --bind /out "$OUTPATH" || fatal "bind /out onto $OUTPATH"
# a worktree's node_modules may be a link to another checkout's: make its target visible too
nm=$(readlink "$REPO/node_modules" 2>/dev/null) || nm=''
case $nm in /*) mkdir -p "$nm" && mount --bind "/host$nm" "$nm" || say "ERROR: bind $nm" ;; esac
# koffi looks for its prebuilt in node_modules/@koromix/koffi-linux-arm64: lay the arm64 one over the host's
[ -d "$REPO/node_modules/@koromix" ] && mount --bind /opt/node/koromix "$REPO/node_modules/@koromix"
# the host's pci.ids, as the x86 guests (chrooted into the host root) see it: same names live and in --from
mkdir -p /usr/share
for d in misc hwdata; do [ -d "/host/usr/share/$d" ] && ln -s "/host/usr/share/$d" "/usr/share/$d"; done

# driver_override + unbind + drivers_probe binds exactly one device
BOUND='' FAILED=''
IFS_SAVE=$IFS; IFS=,
for spec in $BIND; do
    IFS=$IFS_SAVE
    bus=${spec%%:*} name=${spec#*:}
    case $bus in platform) drv=vfio-platform ;; amba) drv=vfio-amba ;; pci) drv=vfio-pci ;; *) say "ERROR: bad bind spec $spec"; continue ;; esac
    d=/sys/bus/$bus/devices/$name
    if [ ! -e "$d" ]; then say "ERROR: no device $bus/$name"; FAILED="$FAILED $spec"; continue; fi
    echo $drv > "$d/driver_override"
    [ -e "$d/driver" ] && echo "$name" > "$d/driver/unbind"
    echo "$name" > /sys/bus/$bus/drivers_probe
    if [ -e "/sys/bus/$bus/drivers/$drv/$name" ]; then BOUND="$BOUND $spec"
    else say "ERROR: $spec did not bind to $drv"; FAILED="$FAILED $spec"; fi
done
IFS=$IFS_SAVE
say "bound:$BOUND"
say "failed:$FAILED"
NODES=
for g in /dev/vfio/*; do NODES="$NODES ${g##*/}"; done
say "/dev/vfio:$NODES"

[ -n "$SCENARIO" ] && [ -f "/host$SCENARIO" ] || fatal "scenario '$SCENARIO' not found on the host share"
say "scenario start: $SCENARIO"
timeout -s KILL "$TMO" /usr/bin/env -i /bin/sh -c \
    'if [ -n "$1" ]; then . "/host$1"; fi; cd "${REPO:-/}" && exec /bin/sh "/host$2"' sh "$ENVFILE" "$SCENARIO" \
    > /out/scenario.stdout 2> /out/scenario.stderr
RC=$?
say "scenario end: rc=$RC"
finish $RC
