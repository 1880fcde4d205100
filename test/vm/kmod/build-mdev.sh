#!/usr/bin/env bash
# build-mdev.sh KVER OUTDIR
# The kernel's sample mediated-device drivers (samples/vfio-mdev: mtty, mdpy, mbochs), built out of tree
# for a stock Debian kernel. They need the stock mdev.ko (CONFIG_VFIO_MDEV=m in every Debian kernel) and
# the stock vfio.ko: nothing of the kernel is rebuilt, the samples link against its Module.symvers.
# Writes OUTDIR/{mtty,mdpy,mbochs}.ko and OUTDIR/MANIFEST.
#
# Host tools (installed when missing): gcc-12 make bc xz-utils. Fetched into <repo>/.vm/kbuild like
# build-noiommu.sh (linux-headers-KVER, -common, linux-kbuild, linux-source-X.Y; never installed).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 KVER OUTDIR" >&2; exit 2; }
KVER=$1; OUT=$2
LOG_TAG=mdev
. "$(dirname "$0")/lib.sh"
need_tools make:make bc:bc xz:xz-utils gcc-12:gcc-12 strip:binutils flock:util-linux
kb_lock

timed "resolve packages" resolve_kver
timed "headers" prepare_headers
pick_cc
grep -q '^CONFIG_VFIO_MDEV=m' "$KDIR/.config" \
    || die "$KVER is not built with CONFIG_VFIO_MDEV=m: the samples need the kernel's mdev.ko"

# samples/vfio-mdev from linux-source, in a directory of its own (prepare_source's extraction is shared
# with the other builds and re-extracted whenever its pattern list changes)
prepare_samples() {
    local sdir=$KB/src-mdev-$KPKGVER f
    SAMPLES=$sdir/$SRCPKG/samples/vfio-mdev
    [ -f "$sdir/.stamp" ] && return 0
    rm -rf "$sdir"; mkdir -p "$sdir"
    f=$(fetch_deb "$SRCPKG=$KPKGVER")
    dpkg-deb --fsys-tarfile "$f" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' \
        | xz -dc -T0 | tar -x -C "$sdir" --wildcards "$SRCPKG/samples/vfio-mdev/*"
    [ -f "$SAMPLES/mtty.c" ] || die "samples/vfio-mdev/mtty.c not found in $f"
    touch "$sdir/.stamp"
}
timed "source (samples/vfio-mdev)" prepare_samples

MODS="mtty mdpy mbochs"
B=$KB/build/$KVER/mdev
KEY="$KVER $KPKGVER $KCC ${KMAKE_EXTRA[*]} $MODS v1"
if [ "$(cat "$B/.key" 2>/dev/null)" = "$KEY" ] && (cd "$B" && ls mtty.ko mdpy.ko mbochs.ko >/dev/null 2>&1); then
    log "up to date: $B"
else
    rm -rf "$B"; mkdir -p "$B"
    cp "$SAMPLES"/*.[ch] "$B/"
    # mdpy-fb is the guest's framebuffer driver for an mdpy device, not a VFIO device: not built
    echo 'obj-m := mtty.o mdpy.o mbochs.o' > "$B/Kbuild"
    build() { kmake "$B" > "$B/build.log" 2>&1; }
    timed "make ($MODS)" build || { grep -E 'WARNING|ERROR|error:|undefined' "$B/build.log" >&2; die "build failed, see $B/build.log"; }
    ! grep -E 'WARNING|undefined!' "$B/build.log" >&2 || die "modpost/compiler warnings (see above)"
    echo "$KEY" > "$B/.key"
fi
for m in $MODS; do
    modinfo -F depends "$B/$m.ko" | tr , '\n' | grep -qx mdev || die "$m.ko does not depend on mdev (wrong source?)"
done

mkdir -p "$OUT"
for m in $MODS; do
    o=$OUT/$m.ko; strip --strip-debug -o "$o.tmp" "$B/$m.ko"
    cmp -s "$o.tmp" "$o" && rm "$o.tmp" || mv "$o.tmp" "$o"
done
{
    echo "# lsvfio kmod MANIFEST (test/vm/kmod/build-mdev.sh) kver=$KVER debian=$KPKGVER cc=$KCC"
    echo "# insmod top to bottom. Columns: NAME WHERE [PARAMS...]; WHERE = file in this dir or 'stock' (the kernel's own module)"
    echo "mdev stock"
    for m in $MODS; do echo "$m $m.ko"; done
} > "$OUT/MANIFEST"
log "wrote $OUT: $(cd "$OUT" && ls *.ko | tr '\n' ' ')+ MANIFEST; total $(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s"
