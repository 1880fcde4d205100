#!/usr/bin/env bash
# Builds the arm64 guest initramfs (uncompressed newc cpio: faster to boot under TCG than gzip):
# arm64 busybox (applets installed at boot), init.sh as /init, the 9p modules of the kernel plus the
# four rebuilt VFIO modules, semiexit, and Node for arm64 with its glibc/libstdc++ and koffi's prebuilt.
# Everything comes from .vm/arm64 (bash test/vm/arm64/setup.sh).
#
#   mkinitramfs.sh -o OUT.cpio
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
A=${LSVFIO_VM_DIR:-$REPO/.vm}/arm64

die() { printf 'arm64 mkinitramfs: ERROR: %s\n' "$*" >&2; exit 1; }
OUT=''
while [ $# -gt 0 ]; do
    case $1 in
    -o|--output) OUT=$2; shift 2 ;;
    *) die "unknown argument '$1' (usage: mkinitramfs.sh -o OUT.cpio)" ;;
    esac
done
[ -n "$OUT" ] || die "usage: mkinitramfs.sh -o OUT.cpio"
[ -f "$A/READY" ] || die "arm64 set-up missing (run: bash test/vm/arm64/setup.sh)"
KVER=$(<"$A/kernel/KVER")
KMOD=$A/kmod/$KVER
[ -f "$KMOD/.complete" ] || die "no rebuilt VFIO modules for $KVER in $KMOD"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/lsvfio-arm64-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
chmod 0755 "$STAGE"
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,etc,lib/modules,proc,sys,dev,host,out,tmp,run,root,opt/node/bin}
chmod 1777 "$STAGE/tmp"
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true

install -m 0755 "$A/bin/busybox" "$STAGE/bin/busybox"
install -m 0755 "$A/bin/semiexit" "$STAGE/bin/semiexit"
install -m 0755 "$HERE/init.sh" "$STAGE/init"
cp "$A/node/lib/"* "$STAGE/lib/"
cp "$A/node/bin/node" "$STAGE/opt/node/bin/node"
cp -r "$A/node/koromix" "$STAGE/opt/node/koromix"

# 9p over virtio-pci, dependencies first (from each module's own `depends`), decompressed: busybox
# insmod reads plain ELF
MODS=$A/kernel/modules
[ -d "$MODS" ] || die "no kernel modules in $MODS"
ORDER=()
declare -A STATE=()
copy_mod() {
    local n=$1 f
    f=$(find "$MODS/" -name "$n.ko*" | head -1)
    [ -n "$f" ] || die "module $n not in $MODS"
    case $f in
    *.ko.xz) xz -dc "$f" > "$STAGE/lib/modules/$n.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$STAGE/lib/modules/$n.ko" ;;
    *.ko) cp "$f" "$STAGE/lib/modules/$n.ko" ;;
    *) die "unknown module file type: $f" ;;
    esac
}
visit() {
    local n=$1 dep
    case ${STATE[$n]:-} in 'done') return 0 ;; busy) die "module dependency loop at $n" ;; esac
    STATE[$n]=busy
    for dep in $(modinfo -F depends "$(find "$MODS/" -name "$n.ko*" | head -1)" | tr , ' '); do visit "$dep"; done
    copy_mod "$n"
    STATE[$n]='done'
    ORDER+=("$n")
}
visit 9pnet_virtio
visit 9p
# the stock vfio-pci on top of the rebuilt vfio.ko (symbol CRCs match): a PCI device with a DT node
copy_mod vfio-pci-core
copy_mod vfio-pci
for n in vfio vfio-platform-base vfio-platform vfio-amba; do cp "$KMOD/$n.ko" "$STAGE/lib/modules/$n.ko"; done
{
    for n in "${ORDER[@]}"; do echo "$n.ko"; done
    # without these two parameters every probe fails (-EINVAL, -ENOENT)
    echo "vfio.ko enable_unsafe_noiommu_mode=1"
    echo "vfio-platform-base.ko"
    echo "vfio-platform.ko reset_required=0"
    echo "vfio-amba.ko"
    echo "vfio-pci-core.ko"
    echo "vfio-pci.ko"
} > "$STAGE/etc/modules.load"
{
    echo "kernel=$KVER arch=arm64"
    sed 's/^/setup /' "$A/READY"
    sed 's/^/load /' "$STAGE/etc/modules.load"
} > "$STAGE/etc/initramfs.txt"

mkdir -p "$(dirname "$OUT")"
tmp=$OUT.tmp.$$
CPIO=(cpio -o -H newc -R 0:0 --quiet)
[ -x /bin/busybox ] && ! command -v cpio >/dev/null && CPIO=(/bin/busybox cpio -o -H newc -R 0:0)
(cd "$STAGE" && find . | LC_ALL=C sort | "${CPIO[@]}" 2>/dev/null) > "$tmp"
mv -f "$tmp" "$OUT"
printf 'arm64 mkinitramfs: %s (%s, %s MB)\n' "$OUT" "$KVER" "$(( $(stat -c %s "$OUT") >> 20 ))" >&2
