#!/usr/bin/env bash
# build-noiommu.sh KVER OUTDIR
# Rebuild only vfio.ko of a stock Debian kernel with CONFIG_VFIO_NOIOMMU=1 (test/vm/README.md), out of tree.
# The stock vfio_iommu_type1/vfio-pci-core/vfio-pci load on top of it unchanged (same symbol CRCs).
# Writes OUTDIR/vfio.ko and OUTDIR/MANIFEST. Load with: insmod vfio.ko enable_unsafe_noiommu_mode=1
#
# Host tools (installed when missing): gcc-12 make bc xz-utils dpkg-dev(dpkg-deb is in dpkg) apt.
# Fetched (apt-get download + dpkg -x, never installed) into <repo>/.vm/kbuild:
#   linux-headers-KVER, linux-headers-*-common, linux-kbuild-*, linux-source-X.Y (same Debian version).
# KVER examples: 6.12.117+deb12-amd64, 6.1.0-56-amd64 (bookworm), 7.3.4+deb13-amd64 (trixie-backports).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 KVER OUTDIR" >&2; exit 2; }
KVER=$1; OUT=$2
LOG_TAG=noiommu
. "$(dirname "$0")/lib.sh"
need_tools make:make bc:bc xz:xz-utils gcc-12:gcc-12 strip:binutils flock:util-linux
kb_lock

timed "resolve packages" resolve_kver
timed "headers" prepare_headers
timed "source" prepare_source
pick_cc

B=$KB/build/$KVER/noiommu
KEY="$KVER $KPKGVER $KCC ${KMAKE_EXTRA[*]} -DCONFIG_VFIO_NOIOMMU=1"
if [ -f "$B/vfio.ko" ] && [ "$(cat "$B/.key" 2>/dev/null)" = "$KEY" ]; then
    log "up to date: $B/vfio.ko"
else
    rm -rf "$B"; mkdir -p "$B"
    # the stock vfio.ko's object list comes from drivers/vfio/Makefile with the kernel's .config;
    # copy the whole dir and reuse that Makefile, only the preprocessor define is added.
    cp "$SRC"/drivers/vfio/*.[ch] "$B/"
    cp "$SRC/drivers/vfio/Makefile" "$B/Makefile.upstream"; rm -f "$B/Makefile"
    # upstream Makefile for vfio.ko's object list (it differs per version), but build only vfio.ko:
    # type1/virqfd/pci/mdev stay stock
    cat > "$B/Kbuild" <<'X'
CONFIG_VFIO_NOIOMMU := y
include $(src)/Makefile.upstream
obj-m := vfio.o
obj-y :=
ccflags-y += -DCONFIG_VFIO_NOIOMMU=1
X
    timed "make vfio.ko" kmake "$B"
    echo "$KEY" > "$B/.key"
fi
modinfo -F parm "$B/vfio.ko" 2>/dev/null | grep -q enable_unsafe_noiommu_mode \
    || die "built vfio.ko has no enable_unsafe_noiommu_mode parameter"

mkdir -p "$OUT"
# debug info stripped (as Debian ships its modules): 1.5 MB -> ~0.1 MB in an initramfs
strip --strip-debug -o "$OUT/vfio.ko.tmp" "$B/vfio.ko"
cmp -s "$OUT/vfio.ko.tmp" "$OUT/vfio.ko" && rm "$OUT/vfio.ko.tmp" || mv "$OUT/vfio.ko.tmp" "$OUT/vfio.ko"
{
    echo "# lsvfio kmod MANIFEST (test/vm/kmod/build-noiommu.sh) kver=$KVER debian=$KPKGVER cc=$KCC"
    echo "# insmod top to bottom. Columns: NAME WHERE [PARAMS...]; WHERE = file in this dir or 'stock' (the kernel's own module)"
    echo "vfio vfio.ko enable_unsafe_noiommu_mode=1"
    stock_tail | sed 's/$/ stock/'
} > "$OUT/MANIFEST"
log "wrote $OUT/vfio.ko ($(stat -c %s "$OUT/vfio.ko") bytes) + MANIFEST; total $(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s"
