#!/usr/bin/env bash
# Idempotent set-up for the VM tests (test/vm/README.md): host packages, then three Debian kernels
# unpacked under <repo>/.vm/kernels/<name>/ (never installed on the host). Fast when already done.
#
#   bash test/vm/setup.sh [6.12 6.1 7.3]      # default: all three
#
# Per kernel it writes .vm/kernels/<name>/:
#   root/        the dpkg -x tree of the kernel debs (lib -> usr/lib for the 7.x layout)
#   vmlinuz      symlink to the kernel image         config   symlink to its config
#   KVER         uname -r of the kernel              PACKAGES  "pkg=version" lines it was built from
#   modroot      symlink to root/ (for `modprobe -d modroot -S KVER`; modules are in modroot/lib/modules/KVER)
#   kernel.env   the same as shell assignments (NAME KVER KROOT MODDIR VMLINUZ CONFIG PKGVER)
#   .complete    written last; a directory without it is rebuilt
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM=${LSVFIO_VM_DIR:-$REPO/.vm}
KDIR=$VM/kernels
DEBS=$VM/debs
ALT=$VM/apt-alt
export DEBIAN_FRONTEND=noninteractive

now_ms() { local t=${EPOCHREALTIME/./}; echo $(( ${t:0:-3} )); }
T0MS=$(now_ms)
log() { printf '[vm-setup] %s\n' "$*" >&2; }
die() { printf '[vm-setup] ERROR: %s\n' "$*" >&2; exit 1; }
# step LABEL cmd...: run and print the wall time of the step
step() {
    local label=$1 s e; shift
    s=$(now_ms); "$@"; e=$(now_ms)
    printf '[vm-setup] %-44s %6.1f s\n' "$label" "$(( e - s ))e-3" >&2
}

KERNELS=("$@")
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(6.12 6.1 7.3)
for k in "${KERNELS[@]}"; do
    case $k in 6.12|6.1|7.3) ;; *) die "unknown kernel '$k' (known: 6.12 6.1 7.3)";; esac
done

# ---------------------------------------------------------------- 1. host packages
PKGS=(qemu-system-x86 busybox-static kmod pciutils linux-libc-dev gcc libc6-dev xz-utils zsh fish mdevctl strace)  # zsh, fish: the completion tests; mdevctl: the mdev witness; strace: the passive run's witness
APT_UPDATED=0
apt_update() { [ $APT_UPDATED = 1 ] || { apt-get update -q >&2; APT_UPDATED=1; }; }

install_packages() {
    local missing=() p installed
    # one dpkg-query, no apt lock: a warm machine never touches apt
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
    for p in "${PKGS[@]}"; do
        grep -qx "$p install ok installed" <<<"$installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then log "packages: all present"; return 0; fi
    log "packages: installing ${missing[*]}"
    apt_update
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}
step "apt packages" install_packages

# ---------------------------------------------------------------- 2. kernels
mkdir -p "$KDIR" "$DEBS"

# Private apt configuration for trixie-backports: the host's mirror and keyring,
# own lists and cache, so the host's apt state is never changed.
APT_ALT=(-o "Dir::Etc::SourceList=$ALT/sources.list" -o "Dir::Etc::SourceParts=$ALT/parts"
         -o "Dir::State::Lists=$ALT/lists" -o "Dir::Cache=$ALT/cache" -o "APT::Sandbox::User=root"
         -o "Dir::Cache::pkgcache=$ALT/cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache=")
# Docker-style images disable apt's package cache, so every apt-cache call re-parses all lists
# (~1.5 s); a private cache file makes the warm path fast without changing the host's apt state.
mkdir -p "$VM/apt-host-cache"
APT_HOST=(-o "Dir::Cache::pkgcache=$VM/apt-host-cache/pkgcache.bin" -o "Dir::Cache::srcpkgcache=")

host_mirror() {  # prints "URI KEYRING" of the host's main Debian archive (not -security)
    local f=/etc/apt/sources.list.d/debian.sources
    if [ -f "$f" ]; then
        awk 'BEGIN{RS=""; FS="\n"}
             { uri=""; key=""; suites="";
               for (i=1;i<=NF;i++) { split($i, kv, ": ");
                 if (kv[1]=="URIs") uri=kv[2]; if (kv[1]=="Signed-By") key=kv[2]; if (kv[1]=="Suites") suites=kv[2] }
               if (uri !~ /security/ && suites ~ /bookworm/) { print uri, key; exit } }' "$f"
    elif [ -f /etc/apt/sources.list ]; then
        awk '$1=="deb" && $0 !~ /security/ {
               key=""; if (match($0, /signed-by=[^] ]+/)) key=substr($0, RSTART+10, RLENGTH-10);
               for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i, key; exit } }' /etc/apt/sources.list
    fi
}

alt_lists_present() { compgen -G "$ALT/lists/*trixie-backports*Packages*" >/dev/null; }

alt_apt_update() {
    local mirror key
    read -r mirror key < <(host_mirror) || true
    [ -n "${mirror:-}" ] || die "cannot find the Debian mirror in /etc/apt/sources.list(.d); needed for kernel 7.3"
    [ -n "${key:-}" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
    mkdir -p "$ALT/lists/partial" "$ALT/cache/archives/partial" "$ALT/parts"
    echo "deb [signed-by=$key] $mirror trixie-backports main" > "$ALT/sources.list"
    apt-get "${APT_ALT[@]}" update -q >&2
}

# resolve NAME: sets PKGLIST (package names to download) and KVER, using apt-cache only.
resolve() {
    local name=$1 dep
    PKGLIST=() KVER=
    case $name in
    6.12)
        dep=$(apt-cache "${APT_HOST[@]}" depends linux-image-6.12-amd64 2>/dev/null \
              | awk '/Depends: linux-image-6\.12\.[0-9.]+[+]deb[0-9]+-amd64$/{print $2; exit}') || true
        [ -n "$dep" ] || return 1
        KVER=${dep#linux-image-}; PKGLIST=("$dep") ;;
    6.1)
        dep=$(apt-cache "${APT_HOST[@]}" depends linux-image-amd64 2>/dev/null \
              | awk '/Depends: linux-image-6\.1\.[0-9]+-[0-9]+-amd64$/{print $2; exit}') || true
        [ -n "$dep" ] || return 1
        KVER=${dep#linux-image-}; PKGLIST=("$dep") ;;
    7.3)
        alt_lists_present || return 1
        # newest linux-image-7.3.*-amd64 in trixie-backports; since 7.x it is split into
        # linux-binary-/linux-modules-/linux-base- debs
        dep=$(apt-cache "${APT_ALT[@]}" pkgnames linux-image-7.3. 2>/dev/null \
              | grep -E '^linux-image-7\.3\.[0-9]+\+deb[0-9]+-amd64$' | sort -V | tail -1) || true
        [ -n "$dep" ] || return 1
        KVER=${dep#linux-image-}
        local p
        for p in linux-binary linux-modules linux-base; do
            apt-cache "${APT_ALT[@]}" show "$p-$KVER" >/dev/null 2>&1 && PKGLIST+=("$p-$KVER")
        done
        # an older, unsplit layout would have everything in linux-image itself
        [ ${#PKGLIST[@]} -gt 0 ] || PKGLIST=("$dep") ;;
    esac
}

# "pkg=version" lines for PKGLIST (candidate versions)
pkg_versions() {
    local name=$1 p v
    local -a opts=("${APT_HOST[@]}")
    [ "$name" = 7.3 ] && opts=("${APT_ALT[@]}")
    for p in "${PKGLIST[@]}"; do
        v=$(apt-cache "${opts[@]}" policy "$p" | awk '/Candidate:/{print $2; exit}')
        [ -n "$v" ] && [ "$v" != "(none)" ] || return 1
        echo "$p=$v"
    done
}

fetch_kernel() {
    local name=$1 dir=$KDIR/$1 wanted tmp f p
    local -a opts=()
    [ "$name" = 7.3 ] && opts=("${APT_ALT[@]}")

    if ! resolve "$name"; then
        # lists missing or stale: refresh once and try again
        if [ "$name" = 7.3 ]; then step "apt-get update (private, trixie-backports)" alt_apt_update
        else step "apt-get update" apt_update; fi
        resolve "$name" || die "kernel $name: cannot resolve a package (looked for $(
            case $name in 6.12) echo 'linux-image-6.12-amd64 -> linux-image-6.12.*-amd64';;
                          6.1) echo 'linux-image-amd64 -> linux-image-6.1.*-amd64';;
                          7.3) echo 'linux-image-7.3.*-amd64 in trixie-backports';; esac))"
    fi
    wanted=$(pkg_versions "$name") || die "kernel $name: no candidate version for ${PKGLIST[*]}"

    if [ -f "$dir/.complete" ] && [ "$(cat "$dir/PACKAGES")" = "$wanted" ]; then
        log "kernel $name: $KVER up to date"
        return 0
    fi
    log "kernel $name: fetching $KVER ($(echo $wanted))"

    rm -rf "${dir:?}" "${DEBS:?}/${name:?}"; mkdir -p "$DEBS/$name"
    tmp=$dir.tmp; rm -rf "$tmp"; mkdir -p "$tmp/root"
    download() { (cd "$DEBS/$name" && apt-get "${opts[@]}" -o APT::Sandbox::User=root download $wanted >&2); }
    if ! step "  download $name" download; then
        # the archive rotated under old lists: refresh and retry once
        if [ "$name" = 7.3 ]; then alt_apt_update; else APT_UPDATED=0; apt_update; fi
        resolve "$name" || die "kernel $name: vanished from the archive"
        wanted=$(pkg_versions "$name") || die "kernel $name: no candidate version"
        step "  download $name (retry)" download || die "kernel $name: apt-get download failed for $wanted"
    fi
    unpack() { for f in "$DEBS/$name"/*.deb; do dpkg -x "$f" "$tmp/root"; done; }
    step "  dpkg -x $name" unpack

    # 7.x debs ship modules (and vmlinuz) under usr/lib; modprobe -d wants <root>/lib/modules
    [ -e "$tmp/root/lib" ] || ln -s usr/lib "$tmp/root/lib"
    local moddir=$tmp/root/lib/modules/$KVER
    [ -d "$moddir" ] || die "kernel $name: no modules directory lib/modules/$KVER in the debs"
    step "  depmod $name" depmod -b "$tmp/root" "$KVER"

    local img cfg
    for img in "boot/vmlinuz-$KVER" "usr/lib/modules/$KVER/vmlinuz" "lib/modules/$KVER/vmlinuz"; do
        [ -f "$tmp/root/$img" ] && break
    done
    [ -f "$tmp/root/$img" ] || die "kernel $name: no vmlinuz found in the debs"
    for cfg in "boot/config-$KVER" "usr/lib/modules/$KVER/config" "lib/modules/$KVER/config"; do
        [ -f "$tmp/root/$cfg" ] && break
    done
    ln -s "root/$img" "$tmp/vmlinuz"
    [ -f "$tmp/root/$cfg" ] && ln -s "root/$cfg" "$tmp/config"
    ln -s root "$tmp/modroot"
    echo "$KVER" > "$tmp/KVER"
    echo "$wanted" > "$tmp/PACKAGES"
    local pkgver=${wanted%%$'\n'*}; pkgver=${pkgver#*=}
    cat > "$tmp/kernel.env" <<EOF
NAME=$name
KVER=$KVER
KROOT=$dir/root
MODDIR=$dir/root/lib/modules/$KVER
VMLINUZ=$dir/root/$img
CONFIG=$dir/root/$cfg
PKGVER=$pkgver
EOF
    date -u +%FT%TZ > "$tmp/.complete"
    mv "$tmp" "$dir"
    rm -rf "${DEBS:?}/${name:?}"   # ~100-300 MB per kernel; the unpacked tree is all that is used
}

for k in "${KERNELS[@]}"; do
    step "kernel $k" fetch_kernel "$k"
done

# ---------------------------------------------------------------- 3. modules Debian does not ship
# test/vm/kmod: vfio.ko with no-IOMMU for every kernel; iommufd + cdev where the source has them (>= 6.6).
# Output: .vm/kmod/<name>/{noiommu,cdev,mdev}/ (MANIFEST + .ko), passed to bootGuest as extraModules.
if [ "${LSVFIO_SKIP_KMOD:-0}" != 1 ]; then
    for k in "${KERNELS[@]}"; do
        kv=$(cat "$KDIR/$k/KVER")
        step "kmod $k noiommu" bash "$REPO/test/vm/kmod/build-noiommu.sh" "$kv" "$VM/kmod/$k/noiommu" >&2
        [ "$k" = 6.1 ] || step "kmod $k cdev" bash "$REPO/test/vm/kmod/build-cdev.sh" "$kv" "$VM/kmod/$k/cdev" >&2
        # the kernel's sample mdev drivers (mtty, mdpy, mbochs) for the mediated-device tests
        [ "$k" = 6.1 ] || step "kmod $k mdev" bash "$REPO/test/vm/kmod/build-mdev.sh" "$kv" "$VM/kmod/$k/mdev" >&2
    done
fi

# ---------------------------------------------------------------- 4. summary
for k in "${KERNELS[@]}"; do
    log "ready: $k $(cat "$KDIR/$k/KVER") -> $KDIR/$k"
done
printf '[vm-setup] %-44s %6.1f s\n' "total" "$(( $(now_ms) - T0MS ))e-3" >&2
