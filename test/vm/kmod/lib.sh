# shellcheck shell=bash
# Shared helpers for test/vm/kmod/build-*.sh. Source, do not execute.
# Everything fetched lives under $KB (= <repo>/.vm/kbuild); nothing is installed as a kernel on the host.

KMOD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$KMOD_DIR/../../.." && pwd)
KB=${KBUILD_CACHE:-$REPO_ROOT/.vm/kbuild}
DEBS=$KB/debs
mkdir -p "$DEBS"
KMAKE_EXTRA=()
# One build at a time per cache (parallel runs would race on extraction); released at exit.
kb_lock() { exec 9>"$KB/.lock"; flock 9; }
kb_unlock() { exec 9>&-; }

T0=$(date +%s.%N)
log() { printf '[%s +%6.1fs] %s\n' "${LOG_TAG:-kmod}" "$(echo "$(date +%s.%N) - $T0" | bc)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# timed LABEL cmd...: run and print wall time
timed() { local l=$1 s e; shift; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); log "$l: $(printf '%.1f' "$(echo "$e - $s" | bc)") s"; }

# Install host tools (not kernels) only when missing. Args: "command:package" or "/path:package".
need_tools() {
    local miss=() p
    for p in "$@"; do
        case $p in /*) [ -e "${p%%:*}" ] ;; *) command -v "${p%%:*}" >/dev/null 2>&1 ;; esac || miss+=("${p#*:}")
    done
    [ ${#miss[@]} -eq 0 ] && return 0
    log "apt-get install ${miss[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${miss[@]}" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${miss[@]}" >&2; }
}

# Private apt config for kernels not in the host's sources (trixie, trixie-backports):
# same mirror + keyring as the host, own lists/cache, the host's apt state is not touched.
ALT=$KB/apt-alt
APT_ALT=(-o "Dir::Etc::SourceList=$ALT/sources.list" -o "Dir::Etc::SourceParts=$ALT/parts"
         -o "Dir::State::Lists=$ALT/lists" -o "Dir::Cache=$ALT/cache" -o "APT::Sandbox::User=root")
alt_apt_setup() {
    [ -s "$ALT/lists/.stamp" ] && [ -n "$(find "$ALT/lists/.stamp" -mmin -720 2>/dev/null)" ] && return 0
    mkdir -p "$ALT/lists/partial" "$ALT/cache/archives/partial" "$ALT/parts"
    local kr=/usr/share/keyrings/debian-archive-keyring.gpg
    cat > "$ALT/sources.list" <<X
deb [signed-by=$kr] http://deb.debian.org/debian trixie main
deb [signed-by=$kr] http://deb.debian.org/debian trixie-backports main
deb [signed-by=$kr] http://deb.debian.org/debian-security trixie-security main
X
    log "apt-get update (private config for trixie/trixie-backports)"
    apt-get "${APT_ALT[@]}" update >&2 && date > "$ALT/lists/.stamp"
}

# APT array: which apt config knows linux-headers-$KVER (host first, then the private one).
pick_apt() {
    APT=()
    if apt-cache show "linux-headers-$KVER" >/dev/null 2>&1; then return 0; fi
    alt_apt_setup
    APT=("${APT_ALT[@]}")
    apt-cache "${APT[@]}" show "linux-headers-$KVER" >/dev/null 2>&1 \
        || die "linux-headers-$KVER is in neither the host's apt sources nor trixie(-backports)"
}

# fetch PKG=VER -> prints path of the .deb (download once into $DEBS).
fetch_deb() {
    local pkg=${1%%=*} ver=${1#*=} f fv
    fv=${ver/:/%3a}      # epoch colon as apt-get download writes it
    f=$(ls "$DEBS/${pkg}_${fv}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then
        (cd "$DEBS" && apt-get "${APT[@]}" -o APT::Sandbox::User=root download "$pkg=$ver" >&2) || die "download $pkg=$ver"
        f=$(ls "$DEBS/${pkg}_${fv}_"*.deb | head -1)
    fi
    echo "$f"
}

# Resolve the packages for $KVER: KPKGVER (Debian version), SRCPKG (linux-source-X.Y), HDRDEPS.
# apt-cache costs ~1 s a call here, so the answer is cached for a day (versions rotate slowly).
resolve_kver() {
    local cache=$KB/resolve-$KVER.env
    if [ -n "$(find "$cache" -mmin -1440 2>/dev/null)" ]; then
        # shellcheck source=/dev/null
        . "$cache"
        [ -z "${USE_ALT:-}" ] && APT=() || { alt_apt_setup; APT=("${APT_ALT[@]}"); }
    else
        pick_apt
        KPKGVER=$(apt-cache "${APT[@]}" policy "linux-headers-$KVER" | awk '/Candidate:/{print $2}')
        [ -n "$KPKGVER" ] && [ "$KPKGVER" != "(none)" ] || die "no candidate for linux-headers-$KVER"
        # the source package is linux-source-<major.minor of the upstream version>, same Debian version
        local up=${KPKGVER%%-*}
        SRCPKG=linux-source-$(echo "$up" | cut -d. -f1-2)
        apt-cache "${APT[@]}" madison "$SRCPKG" | awk -v v="$KPKGVER" '$3==v{f=1} END{exit !f}' \
            || die "$SRCPKG=$KPKGVER not in the archive (headers $KVER are $KPKGVER)"
        # -common and linux-kbuild as named by the headers' Depends (same version as the headers)
        HDRDEPS=$(apt-cache "${APT[@]}" depends "linux-headers-$KVER=$KPKGVER" \
                  | awk '/Depends: linux-(headers-.*-common|kbuild-|base-[0-9])/{print $2}' | sort -u | tr '\n' ' ')
        USE_ALT=; [ ${#APT[@]} -eq 0 ] || USE_ALT=1
        printf 'KPKGVER=%q\nSRCPKG=%q\nHDRDEPS=%q\nUSE_ALT=%q\n' "$KPKGVER" "$SRCPKG" "$HDRDEPS" "$USE_ALT" > "$cache"
    fi
    log "KVER=$KVER debian=$KPKGVER source=$SRCPKG deps: $HDRDEPS${USE_ALT:+ (trixie apt config)}"
}

# Stock VFIO modules loaded after vfio.ko, in modprobe --show-depends order for this kernel's config.
stock_tail() { # prints NAME lines
    echo vfio_iommu_type1
    grep -q '^CONFIG_VFIO_VIRQFD=m' "$KDIR/.config" && echo vfio_virqfd
    echo irqbypass; echo vfio-pci-core; echo vfio-pci
}

# Headers + kbuild tree for $KVER, extracted under $KB/root-$KVER. Sets KDIR.
prepare_headers() {
    local root=$KB/root-$KVER p f
    KDIR=$root/usr/src/linux-headers-$KVER
    if [ ! -f "$root/.stamp-$KPKGVER" ]; then
        rm -rf "$root"; mkdir -p "$root"
        for p in "linux-headers-$KVER" $HDRDEPS; do
            f=$(fetch_deb "$p=$KPKGVER"); dpkg -x "$f" "$root"
        done
        # the arch headers include the -common Makefile and point to kbuild by absolute /usr paths
        grep -rl --include=Makefile '/usr/src/\|/usr/lib/linux-kbuild' "$KDIR" 2>/dev/null \
            | xargs -r sed -i "s#\([ =]\)/usr/src/#\1$root/usr/src/#g; s#\([ =]\)/usr/lib/linux-kbuild#\1$root/usr/lib/linux-kbuild#g"
        # absolute symlinks (scripts/, tools/) -> re-point inside $root
        find "$root" -type l -lname '/*' | while read -r l; do ln -sfn "$root$(readlink "$l")" "$l"; done
        fix_kbuild_glibc "$root"
        touch "$root/.stamp-$KPKGVER"
    fi
    [ -f "$KDIR/Module.symvers" ] || die "no Module.symvers in $KDIR"
}

# trixie's linux-kbuild (7.x) has modpost/objtool linked against glibc 2.38+, the host (bookworm) has 2.36.
# Run those binaries through trixie's own ld.so + libc (dpkg -x'ed under $KB/glibc-trixie, not installed).
fix_kbuild_glibc() {
    local root=$1 f bad=() lib=$KB/glibc-trixie p
    while read -r f; do
        [ "$(head -c4 "$f" | tail -c3)" = ELF ] || continue
        case $(LC_ALL=C "$f" --version 2>&1 || true) in *"version \`GLIBC_"*"not found"*) bad+=("$f") ;; esac
    done < <(find "$root/usr/lib" -path '*linux-kbuild*' -type f -perm -u+x -name '*.real-*')
    [ ${#bad[@]} -gt 0 ] || return 0
    log "kbuild binaries need a newer glibc: ${bad[*]##*/}; using trixie's libc via its ld.so"
    if [ ! -f "$lib/.stamp" ]; then
        alt_apt_setup; mkdir -p "$lib"
        local APT=("${APT_ALT[@]}")
        for p in libc6 libelf1t64 zlib1g libzstd1; do
            dpkg -x "$(fetch_deb "$p=$(apt-cache "${APT_ALT[@]}" policy "$p" | awk '/Candidate:/{print $2}')")" "$lib"
        done
        touch "$lib/.stamp"
    fi
    for f in "${bad[@]}"; do
        mv "$f" "$f.bin"
        printf '#!/bin/sh\nexec %s --library-path %s "%s" "$@"\n' "$lib/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
            "$lib/usr/lib/x86_64-linux-gnu:$lib/lib/x86_64-linux-gnu" "$f.bin" > "$f"
        chmod +x "$f"
    done
}

# Extract drivers/vfio + drivers/iommu (+ optional extra patterns) from linux-source once per version.
# Sets SRC (the linux-source-X.Y top dir).
prepare_source() {
    local sdir=$KB/src-$KPKGVER f top=$SRCPKG pats
    SRC=$sdir/$top
    pats="$top/drivers/vfio/* $top/drivers/iommu/* $top/virt/lib/* $top/lib/interval_tree.c"
    if [ "$(cat "$sdir/.stamp" 2>/dev/null)" != "$pats" ]; then
        rm -rf "$sdir"; mkdir -p "$sdir"
        f=$(fetch_deb "$SRCPKG=$KPKGVER")
        # the deb holds usr/src/linux-source-X.Y.tar.xz: stream it, untar only what the builds use
        # shellcheck disable=SC2086
        dpkg-deb --fsys-tarfile "$f" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' \
            | xz -dc -T0 | tar -x -C "$sdir" --wildcards $pats
        [ -d "$SRC/drivers/vfio" ] || die "drivers/vfio not found in $f"
        echo "$pats" > "$sdir/.stamp"
    fi
}

# kbuild make for an external module dir.
kmake() { # kmake DIR [extra make args]
    local d=$1; shift
    make -C "$KDIR" M="$d" CC="${KCC:-gcc-12}" CONFIG_DEBUG_INFO_BTF_MODULES= "${KMAKE_EXTRA[@]}" -j"$(nproc)" "$@" modules >&2
}

# Which compiler the headers want (gcc-12 on bookworm kernels; trixie kernels are built with gcc-14).
pick_cc() {
    local want
    want=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="[^ ]*\(gcc-[0-9]*\) .*/\1/p' "$KDIR/.config" 2>/dev/null || true)
    [ -n "$want" ] || want=gcc-12
    if command -v "$want" >/dev/null 2>&1; then KCC=$want
    elif apt-cache policy "$want" 2>/dev/null | grep -q 'Candidate: [0-9]'; then need_tools "$want:$want"; KCC=$want
    else
        KCC=gcc-12; log "WARNING: headers were built with $want which this host cannot install; using $KCC"
        # options Kconfig enabled for the newer gcc that gcc-12 lacks -> the kernel's own fallbacks
        # (-fmin-function-alignment=16 -> -falign-functions=16, as a gcc-12-built kernel uses)
        KMAKE_EXTRA+=(CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=)
    fi
}

# kver_for 6.12|6.1|7.3|KVER -> KVER, resolved by name from the archive (versions rotate; never pinned).
kver_for() {
    local a=$1 v
    case $a in
    6.12) apt-cache depends linux-image-6.12-amd64 | awk '/Depends: linux-image-6\.12\./{sub("linux-image-","",$2); print $2; exit}' ;;
    6.1)  apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1\./{sub("linux-image-","",$2); print $2; exit}' ;;
    7.*)  alt_apt_setup
          v=$(apt-cache "${APT_ALT[@]}" madison linux-image-amd64 | awk -v p="$a." 'index($3,p)==1{print $3; exit}')
          [ -n "$v" ] || die "no linux-image-amd64 $a.* in trixie-backports"
          apt-cache "${APT_ALT[@]}" depends "linux-image-amd64=$v" | awk '/Depends: linux-image-[0-9]/{sub("linux-image-","",$2); print $2; exit}' ;;
    *) echo "$a" ;;
    esac
}
