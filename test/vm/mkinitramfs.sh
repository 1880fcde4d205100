#!/usr/bin/env bash
# Builds the guest initramfs (uncompressed newc cpio: the fastest to boot under TCG, recipe §7):
# busybox-static + applet links, test/vm/init.sh as /init, the VFIO + 9p (+ virtio-pci on 6.1)
# modules in dependency order, xz/zstd-decompressed here so that busybox insmod can load them.
#
#   mkinitramfs.sh --kernel 6.12 -o OUT.cpio [--extra-modules DIR]... [--modparam 'vfio enable_unsafe_noiommu_mode=1']...
#   mkinitramfs.sh --kernel-dir .vm/kernels/6.12 -o OUT.cpio
#
# --extra-modules DIR: every DIR/*.ko replaces the stock module of the same name (dashes and
#   underscores are the same) or, if there is none, is added; the load order is recomputed from
#   the modules' own `depends` (modinfo), so an added module loads before the ones that need it.
# --modparam 'MOD key=val ...': parameters for insmod of MOD (must be in the image).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VM=${LSVFIO_VM_DIR:-$REPO/.vm}

die() { printf 'mkinitramfs: ERROR: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,12p' "$0" >&2; exit 2; }

KDIR='' OUT='' EXTRA=() PARAMS=()
while [ $# -gt 0 ]; do
    case $1 in
    --kernel) KDIR=$VM/kernels/$2; shift 2 ;;
    --kernel-dir) KDIR=$2; shift 2 ;;
    -o|--output) OUT=$2; shift 2 ;;
    --extra-modules) EXTRA+=("$2"); shift 2 ;;
    --modparam) PARAMS+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    *) die "unknown argument '$1'" ;;
    esac
done
[ -n "$KDIR" ] && [ -n "$OUT" ] || usage
[ -f "$KDIR/.complete" ] || die "kernel not fetched: $KDIR (run: bash test/vm/setup.sh)"
KVER=$(<"$KDIR/KVER")
MODROOT=$KDIR/modroot
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "no static busybox at $BUSYBOX (apt-get install busybox-static)"

# What the guest needs: type1 is not a dependency of vfio-pci (vfio requests it at run time);
# virtio_pci is built in from 6.12 on but a module on 6.1 (the 9p transport needs it).
TARGETS=(vfio_iommu_type1 vfio-pci virtio_pci 9p 9pnet_virtio)

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/lsvfio-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
chmod 0755 "$STAGE"   # the archive's root inherits this mode; 0700 breaks non-root users (recipe §9.11)
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,etc,lib/modules,proc,sys,dev,host,out,tmp,run,mnt/tmp9p}
chmod 1777 "$STAGE/tmp"
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true   # /init's stdio before devtmpfs

cp "$BUSYBOX" "$STAGE/bin/busybox"
while read -r applet; do
    [ -e "$STAGE/$applet" ] || ln -s /bin/busybox "$STAGE/$applet"
done < <("$BUSYBOX" --list-full)
install -m 0755 "$HERE/init.sh" "$STAGE/init"

norm() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }

# 1. stock modules, in `modprobe --show-depends` order, deduplicated
declare -A SRC=()      # name -> source file
ORDER=()
for t in "${TARGETS[@]}"; do
    out=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$t" 2>&1) \
        || die "modprobe --show-depends $t failed for $KVER: $out"
    while read -r kind path _; do
        [ "$kind" = insmod ] || continue   # "builtin NAME" needs nothing
        n=$(norm "$path")
        [ -n "${SRC[$n]:-}" ] || ORDER+=("$n")
        SRC[$n]=$path
    done <<<"$out"
done

# 2. substitutions and additions
declare -A FROM_EXTRA=()
for d in ${EXTRA[@]+"${EXTRA[@]}"}; do
    [ -d "$d" ] || die "--extra-modules: no such directory $d"
    found=0
    for f in "$d"/*.ko; do
        [ -f "$f" ] || continue
        found=1; n=$(norm "$f")
        [ -n "${SRC[$n]:-}" ] || ORDER+=("$n")
        SRC[$n]=$(cd "$(dirname "$f")" && pwd)/${f##*/}; FROM_EXTRA[$n]=1
    done
    [ $found = 1 ] || die "--extra-modules: no *.ko in $d"
done

# 3. copy (decompressed) and read each module's own dependencies; a dependency of an added module that
#    is in the kernel's own tree (mdev for the sample mdev drivers) is added from there with its own
declare -A DEPS=()
i=0
while [ $i -lt ${#ORDER[@]} ]; do
    n=${ORDER[$i]}; i=$((i + 1))
    src=${SRC[$n]} dst=$STAGE/lib/modules/$n.ko
    case $src in
    *.ko.xz) xz -dc "$src" > "$dst" ;;
    *.ko.zst) zstd -qdc "$src" > "$dst" ;;
    *.ko.gz) gzip -dc "$src" > "$dst" ;;
    *.ko) cp "$src" "$dst" ;;
    *) die "unknown module file type: $src" ;;
    esac
    deps=$(modinfo -F depends "$dst") || die "modinfo failed on $src"
    DEPS[$n]=${deps//,/ }
    for d in ${DEPS[$n]}; do
        dn=${d//-/_}
        [ -z "${SRC[$dn]:-}" ] || continue
        out=$(modprobe -d "$MODROOT" -S "$KVER" --show-depends "$d" 2>&1) || continue   # reported in step 4
        while read -r kind path _; do
            [ "$kind" = insmod ] || continue
            m=$(norm "$path")
            [ -n "${SRC[$m]:-}" ] || { ORDER+=("$m"); SRC[$m]=$path; }
        done <<<"$out"
    done
done

# 4. dependency order (depth-first, stable with respect to the modprobe order)
declare -A STATE=()
FINAL=()
visit() {
    local n=$1 d dn
    case ${STATE[$n]:-} in 'done') return 0 ;; busy) die "module dependency loop at $n" ;; esac
    STATE[$n]=busy
    for d in ${DEPS[$n]}; do
        dn=${d//-/_}
        [ -n "${SRC[$dn]:-}" ] || die "module $n needs $d, which is neither in $KVER's tree nor in --extra-modules"
        visit "$dn"
    done
    STATE[$n]='done'
    FINAL+=("$n")
}
for n in "${ORDER[@]}"; do visit "$n"; done

# 5. parameters
declare -A PARM=()
for p in ${PARAMS[@]+"${PARAMS[@]}"}; do
    read -r m rest <<<"$p"
    m=${m//-/_}
    [ -n "${SRC[$m]:-}" ] || die "--modparam for $m, which is not in the image (have: ${FINAL[*]})"
    [ -n "$rest" ] || die "--modparam '$p': no parameters"
    PARM[$m]="${PARM[$m]:+${PARM[$m]} }$rest"
done

{
    for n in "${FINAL[@]}"; do echo "$n.ko${PARM[$n]:+ ${PARM[$n]}}"; done
} > "$STAGE/etc/modules.load"
{
    echo "kernel=$(basename "$KDIR") kver=$KVER"
    for n in "${FINAL[@]}"; do
        echo "$n ${FROM_EXTRA[$n]:+extra }${SRC[$n]}${PARM[$n]:+ params: ${PARM[$n]}}"
    done
} > "$STAGE/etc/initramfs.txt"

# 6. archive; written beside OUT and renamed, so concurrent builders of the same file are safe
mkdir -p "$(dirname "$OUT")"
tmp=$OUT.tmp.$$
(cd "$STAGE" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) > "$tmp"
mv -f "$tmp" "$OUT"
printf 'mkinitramfs: %s (%s, %d modules: %s)\n' "$OUT" "$KVER" "${#FINAL[@]}" "${FINAL[*]}" >&2
