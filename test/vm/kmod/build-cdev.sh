#!/usr/bin/env bash
# build-cdev.sh KVER OUTDIR
# Give a stock Debian kernel (all have "# CONFIG_IOMMUFD is not set") the VFIO cdev + iommufd interface
# (/dev/vfio/devices/vfioN, /dev/iommu) with modules built out of tree, no kernel rebuild:
#   iommufd.ko       drivers/iommu/iommufd (+ iova_bitmap.o linked in: CONFIG_IOMMUFD_DRIVER is off in vmlinux)
#   vfio.ko          drivers/vfio with CONFIG_IOMMUFD + CONFIG_VFIO_DEVICE_CDEV (+ group/container kept)
#   vfio_iommu_type1.ko, vfio-pci-core.ko, vfio-pci.ko
#                    rebuilt together: struct vfio_device grows under IS_ENABLED(CONFIG_IOMMUFD) and
#                    vfio-pci's ops gain the iommufd callbacks, so stock ones must not be mixed in.
# The core-kernel symbols iommufd needs (iommu_group_replace_domain, iommu_*_group_handle, iopf_*) are
# exported by Debian's vmlinux (namespace IOMMUFD_INTERNAL) even with IOMMUFD off; the build fails
# if modpost finds any undefined symbol.
# Writes the .ko files + MANIFEST (insmod order) into OUTDIR.
#
# Host tools (installed when missing): gcc-12 make bc xz-utils. Fetched into <repo>/.vm/kbuild like
# build-noiommu.sh (linux-headers-KVER, -common, linux-kbuild, linux-source-X.Y; never installed).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 KVER OUTDIR" >&2; exit 2; }
KVER=$1; OUT=$2
LOG_TAG=cdev
. "$(dirname "$0")/lib.sh"
need_tools make:make bc:bc xz:xz-utils gcc-12:gcc-12 strip:binutils flock:util-linux
kb_lock

timed "resolve packages" resolve_kver
timed "headers" prepare_headers
timed "source" prepare_source
pick_cc
grep -q '^config VFIO_DEVICE_CDEV' "$SRC/drivers/vfio/Kconfig" && [ -d "$SRC/drivers/iommu/iommufd" ] \
    || die "$SRCPKG $KPKGVER has no VFIO_DEVICE_CDEV/iommufd (cdev needs >= 6.6): nothing to build for $KVER"

B=$KB/build/$KVER/cdev
DEFS="-DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_VFIO_DEVICE_CDEV=1"
KEY="$KVER $KPKGVER $KCC ${KMAKE_EXTRA[*]} $DEFS v3"
MODS="drivers/iommu/iommufd/iommufd.ko drivers/vfio/vfio.ko drivers/vfio/vfio_iommu_type1.ko drivers/vfio/pci/vfio-pci-core.ko drivers/vfio/pci/vfio-pci.ko"

if [ "$(cat "$B/.key" 2>/dev/null)" = "$KEY" ] && (cd "$B" && ls $MODS >/dev/null 2>&1); then
    log "up to date: $B"
else
    rm -rf "$B"; mkdir -p "$B/drivers/iommu/iommufd" "$B/drivers/vfio/pci"
    cp "$SRC"/drivers/iommu/*.h "$B/drivers/iommu/"
    cp "$SRC"/drivers/iommu/iommufd/*.[ch] "$B/drivers/iommu/iommufd/"
    cp "$SRC"/drivers/vfio/*.[ch] "$B/drivers/vfio/"
    cp "$SRC"/drivers/vfio/pci/*.[ch] "$B/drivers/vfio/pci/"
    # The upstream Makefiles are reused (object lists differ between kernel versions); a Kbuild file
    # next to each sets the Kconfig symbols that Debian's auto.conf lacks, then includes it.
    cp "$SRC/drivers/iommu/iommufd/Makefile" "$B/drivers/iommu/iommufd/Makefile.upstream"
    # driver.c (>= 6.13: IOMMUFD_DRIVER_CORE, bool -> vmlinux when IOMMUFD!=n) is linked in like iova_bitmap
    DC=; [ -f "$SRC/drivers/iommu/iommufd/driver.c" ] && DC=1
    cat > "$B/drivers/iommu/iommufd/Kbuild" <<X
CONFIG_IOMMUFD := m
CONFIG_IOMMUFD_TEST :=
CONFIG_IOMMUFD_DRIVER :=
CONFIG_IOMMUFD_DRIVER_CORE :=
CONFIG_IOMMUFD_NOIOMMU :=
include \$(src)/Makefile.upstream
# iova_bitmap is normally built into vmlinux (IOMMUFD_DRIVER=y); here it is linked into iommufd.ko
iommufd-y += iova_bitmap.o
# lib/interval_tree.c's span iterator is compiled only with INTERVAL_TREE_SPAN_ITER (off in Debian)
iommufd-y += interval_tree_span.o
ccflags-y += -DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_IOMMUFD_DRIVER=1
${DC:+iommufd-y += driver.o}
${DC:+ccflags-y += -DCONFIG_IOMMUFD_DRIVER_CORE=1}
X
    { echo '#include <linux/interval_tree.h>'; echo '#include <linux/export.h>'
      sed -n '/^#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER/,$p' "$SRC/lib/interval_tree.c" \
        | sed '1d;$d' | grep -v '^EXPORT_SYMBOL'
    } > "$B/drivers/iommu/iommufd/interval_tree_span.c"
    cp "$SRC/drivers/vfio/Makefile" "$B/drivers/vfio/Makefile.upstream"
    cat > "$B/drivers/vfio/Kbuild" <<X
CONFIG_IOMMUFD := m
CONFIG_VFIO_DEVICE_CDEV := y
include \$(src)/Makefile.upstream
# vfio.ko, type1 and pci/ only (virqfd, mdev, platform... stay stock or unbuilt)
obj-m := \$(filter vfio.o vfio_iommu_type1.o pci/,\$(obj-m))
obj-y :=
subdir-ccflags-y += $DEFS
X
    cp "$SRC/drivers/vfio/pci/Makefile" "$B/drivers/vfio/pci/Makefile.upstream"
    cat > "$B/drivers/vfio/pci/Kbuild" <<'X'
include $(src)/Makefile.upstream
# no vendor variant drivers
obj-m := $(filter vfio-pci-core.o vfio-pci.o,$(obj-m))
obj-y :=
X
    echo 'obj-m += drivers/iommu/iommufd/ drivers/vfio/' > "$B/Kbuild"
    build() { kmake "$B" > "$B/build.log" 2>&1; }
    timed "make (5 modules)" build || { grep -E 'WARNING|ERROR|error:|undefined' "$B/build.log" >&2; die "build failed, see $B/build.log"; }
    ! grep -E 'WARNING|undefined!' "$B/build.log" >&2 || die "modpost/compiler warnings (see above)"
    echo "$KEY" > "$B/.key"
fi

mkdir -p "$OUT"
# debug info stripped (as Debian ships its modules)
for m in $MODS; do
    o=$OUT/${m##*/}; strip --strip-debug -o "$o.tmp" "$B/$m"
    cmp -s "$o.tmp" "$o" && rm "$o.tmp" || mv "$o.tmp" "$o"
done
{
    echo "# lsvfio kmod MANIFEST (test/vm/kmod/build-cdev.sh) kver=$KVER debian=$KPKGVER cc=$KCC defs=$DEFS"
    echo "# insmod top to bottom. Columns: NAME WHERE [PARAMS...]; WHERE = file in this dir or 'stock' (the kernel's own module)"
    echo "# all five .ko here replace the stock ones (struct vfio_device layout differs); never mix them."
    echo "iommufd iommufd.ko"
    echo "vfio vfio.ko"
    stock_tail | while read -r n; do
        case $n in vfio_iommu_type1|vfio-pci-core|vfio-pci) echo "$n $n.ko" ;; *) echo "$n stock" ;; esac
    done
} > "$OUT/MANIFEST"
log "wrote $OUT: $(cd "$OUT" && ls *.ko | tr '\n' ' ')+ MANIFEST; total $(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s"
