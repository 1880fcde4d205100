#!/usr/bin/env bash
# shellcheck disable=SC2034,SC2054  # LOG_TAG is read by lib.sh; qemu options contain commas
# check/run.sh KVER noiommu|cdev MODDIR [LOG]
# Boot the stock Debian kernel KVER under QEMU/TCG with the modules from MODDIR (output of
# build-noiommu.sh / build-cdev.sh, read through its MANIFEST) and run vfiocheck against an edu device.
#   noiommu: q35 without vIOMMU, vfio.ko enable_unsafe_noiommu_mode=1 -> /dev/vfio/noiommu-N
#   cdev:    q35 + intel-iommu,intremap=on, intel_iommu=on iommu=pt -> /dev/iommu, /dev/vfio/devices/vfioN
#            (and the legacy type1 path with the same rebuilt modules)
# Exit 0 = all checks passed. QEMU status via isa-debug-exit is (rc<<1)|1; 0 = guest never finished.
# Throwaway smoke test; the project's real harness is test/vm/harness.ts.
# Host tools (installed when missing): qemu-system-x86 busybox-static gcc libc6-dev xz-utils.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 KVER noiommu|cdev MODDIR [LOG]" >&2; exit 2; }
KVER=$1; MODE=$2; MODDIR=$(cd "$3" && pwd); LOGF=${4:-}
case $MODE in noiommu|cdev) ;; *) echo "bad mode $MODE" >&2; exit 2;; esac
LOG_TAG=check-$MODE
. "$(dirname "$0")/../lib.sh"
need_tools qemu-system-x86_64:qemu-system-x86 busybox:busybox-static gcc:gcc xz:xz-utils bc:bc \
    /usr/lib/x86_64-linux-gnu/libc.a:libc6-dev /usr/include/linux/vfio.h:linux-libc-dev
[ -f "$MODDIR/MANIFEST" ] || die "no $MODDIR/MANIFEST"
kb_lock
resolve_kver

# --- the kernel image + stock VFIO modules, extracted (not installed) under $KB/kernel-$KVER
KR=$KB/kernel-$KVER
if [ ! -f "$KR/.stamp-$KPKGVER" ]; then
    rm -rf "$KR"; mkdir -p "$KR"
    pkgs=$(apt-cache "${APT[@]}" depends "linux-image-$KVER" | awk '/Depends: linux-(binary|modules)-/{print $2}' | sort -u)
    [ -n "$pkgs" ] || pkgs=linux-image-$KVER     # bookworm: one package; trixie 7.x: binary + modules
    for p in $pkgs; do
        f=$(fetch_deb "$p=$(apt-cache "${APT[@]}" policy "$p" | awk '/Candidate:/{print $2}')")
        # only the image and the modules vfio-pci needs
        dpkg-deb --fsys-tarfile "$f" | tar -x -C "$KR" --wildcards --no-anchored \
            'vmlinuz*' '*/kernel/drivers/vfio/*' '*/kernel/virt/lib/*' 2>/dev/null || true
    done
    find "$KR" -name '*.ko.xz' -exec xz -d -f {} +
    touch "$KR/.stamp-$KPKGVER"
fi
VMLINUZ=$(find "$KR" -name 'vmlinuz*' -type f | head -1)
[ -n "$VMLINUZ" ] || die "no vmlinuz for $KVER"
kb_unlock
stockmod() { find "$KR" -path '*/kernel/*' -name "$1.ko" | head -1; }

# --- initramfs: busybox + vfiocheck + modules in MANIFEST order + /init
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
R=$W/root; mkdir -p "$R"/{bin,mods,proc,sys,dev}; chmod 0755 "$R"
cp /bin/busybox "$R/bin/busybox"
gcc -O2 -Wall -static -o "$R/bin/vfiocheck" "$KMOD_DIR/check/vfiocheck.c"
: > "$R/mods/order"
while read -r name where params; do
    case $name in ''|'#'*) continue;; esac
    if [ "$where" = stock ]; then src=$(stockmod "$name"); [ -n "$src" ] || die "stock module $name not in $KVER"
    else src=$MODDIR/$where; fi
    cp "$src" "$R/mods/$name.ko"
    echo "$name.ko $params" >> "$R/mods/order"
done < "$MODDIR/MANIFEST"
cat > "$R/init" <<'X'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
MODE=$(sed -n 's/.*kmodcheck=\([a-z]*\).*/\1/p' /proc/cmdline)
echo "KMODCHECK mode=$MODE kernel=$(uname -r)"
while read -r ko params; do
    insmod /mods/$ko $params || echo "KMODCHECK insmod $ko FAILED"
done < /mods/order
lsmod | sed 's/^/LSMOD /'
for p in /sys/module/vfio/parameters/* /sys/module/iommufd/parameters/*; do [ -e "$p" ] && echo "PARAM $p=$(cat $p)"; done
BDF=
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = 0x1234:0x11e8 ] && BDF=${d##*/}
done
echo "KMODCHECK edu=$BDF"
D=/sys/bus/pci/devices/$BDF
echo vfio-pci > $D/driver_override
[ -e $D/driver ] && echo $BDF > $D/driver/unbind
echo $BDF > /sys/bus/pci/drivers_probe
echo "KMODCHECK driver=$(basename $(readlink $D/driver)) iommu_group=$(basename $(readlink $D/iommu_group 2>/dev/null) 2>/dev/null)"
ls -l /dev/vfio /dev/vfio/devices /dev/iommu 2>&1 | sed 's/^/LS /'
ls $D/vfio-dev 2>&1 | sed 's/^/VFIODEV /'
for f in $D/vfio-dev/*/dev; do [ -e "$f" ] && echo "VFIODEV $f = $(cat $f)"; done
rc=0
case $MODE in
noiommu)
    G=$(ls /dev/vfio | grep noiommu | head -1)
    /bin/vfiocheck noiommu /dev/vfio/$G $BDF || rc=$?
    ;;
cdev)
    N=$(ls $D/vfio-dev 2>/dev/null | head -1)
    /bin/vfiocheck cdev /dev/vfio/devices/$N $BDF || rc=$?
    G=$(basename $(readlink $D/iommu_group))
    /bin/vfiocheck type1 /dev/vfio/$G $BDF || rc=$((rc + $?))
    ;;
*) rc=99 ;;
esac
dmesg | grep -iE 'vfio|iommufd|taint|DMAR: (IOMMU|Intel)|remapping' | grep -v 'Command line' | sed 's/^/DMESG /' | tail -20
echo "KMODCHECK-RESULT rc=$rc"
printf "\\$(printf %o $rc)" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
X
chmod 0755 "$R/init"
(cd "$R" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1 > "$W/initrd.gz")

# --- boot
QARGS=(-machine q35 -accel tcg -cpu max -smp 1 -m 512 -nodefaults -no-user-config -display none -vga none
       -monitor none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
       -kernel "$VMLINUZ" -initrd "$W/initrd.gz")
APPEND="console=ttyS0 panic=-1 loglevel=4 kmodcheck=$MODE"
if [ "$MODE" = cdev ]; then
    QARGS+=(-device intel-iommu,intremap=on); APPEND+=" intel_iommu=on iommu=pt"
fi
QARGS+=(-device edu,addr=03.0 -append "$APPEND")
[ -n "$LOGF" ] || LOGF=$W/serial.log
# qemu status 0 = the guest never reached isa-debug-exit (e.g. the rare TCG early-boot int3 oops): retry once
for attempt in 1 2; do
    s=$(date +%s.%N)
    set +e
    timeout 180 qemu-system-x86_64 "${QARGS[@]}" </dev/null > "$LOGF" 2>&1
    qrc=$?
    set -e
    log "qemu exit $qrc after $(printf '%.1f' "$(echo "$(date +%s.%N) - $s" | bc)") s (kernel $KVER, $MODE, attempt $attempt)"
    [ $qrc -ne 0 ] && break
done
grep -E '^(KMODCHECK|CHECK|INFO|LS|VFIODEV|PARAM|DMESG|LSMOD)' "$LOGF" | tr -d '\r' || true
[ $qrc -eq 1 ] && grep -q 'KMODCHECK-RESULT rc=0' "$LOGF" && { log "PASS"; exit 0; }
[ $qrc -eq 0 ] && log "guest did not finish (no isa-debug-exit): see $LOGF"
log "FAIL"; exit 1
