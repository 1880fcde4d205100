#!/bin/bash
# --open across independent idle groups (test/vm/concurrent-open.test.ts): eight NVMe functions, each
# alone in its group behind its own root port, each reset by FLR when vfio-pci opens and closes it.
#   {one,all}-N.{ms,rc,json,err}       lsvfio --open --json on one of them and on all eight, alternating
#   {one,all}-passive-N.ms             the same selections without --open (start-up and sysfs only)
#   open-timing.jsonl                  in one process: one device, all one by one, all side by side
#   lspci-k.txt, lsvfio-k.txt          -k in a root where the guest kernel's modules are /lib/modules
set -uo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}" "${MODDIR:?MODDIR is not set}"
L=(node "$REPO/bin/lsvfio.js")
ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

timed() { # name args...
    local name=$1 s e; shift
    s=$(ms); "${L[@]}" "$@" > "$OUT/$name.json" 2> "$OUT/$name.err"; echo $? > "$OUT/$name.rc"; e=$(ms)
    echo $((e - s)) > "$OUT/$name.ms"
}

"${L[@]}" --json -d 1b36:0010 > /dev/null 2>&1   # warm the page cache once
for i in 1 2 3 4 5; do
    timed "one-$i" --open --json -s 01:00.0
    timed "all-$i" --open --json -d 1b36:0010
    timed "one-passive-$i" --json -s 01:00.0
    timed "all-passive-$i" --json -d 1b36:0010
done
# In one process, without start-up: one device, all one by one, all side by side.
UV_THREADPOOL_SIZE=32 ROUNDS=5 node "$REPO/test/vm/guest/open-timing.mjs" > "$OUT/open-timing.jsonl" 2> "$OUT/open-timing.err"
echo $? > "$OUT/open-timing.rc"
grep -H . /sys/bus/pci/devices/*/reset_method > "$OUT/reset_method.txt" 2>/dev/null

# -k: lspci reads the modules of the running kernel from /lib/modules/$(uname -r), which the host root
# (this chroot) does not have; a root of bind mounts gives both tools the guest kernel's tree there.
K=/tmp/kroot
rel=$(uname -r)
mkdir -p "$K"/{usr,sys,proc,dev,etc,tmp,run,lib/modules/"$rel",lib/x86_64-linux-gnu}
for d in usr sys proc dev etc; do mount --bind "/$d" "$K/$d"; done
mount --bind /usr/lib/x86_64-linux-gnu "$K/lib/x86_64-linux-gnu"
mount --bind "$MODDIR" "$K/lib/modules/$rel"
for l in bin sbin lib64; do ln -s "usr/$l" "$K/$l"; done
chroot "$K" lspci -D -k > "$OUT/lspci-k.txt" 2> "$OUT/lspci-k.err"
echo $? > "$OUT/lspci-k.rc"
"${L[@]}" --sysfs-root "$K" -k > "$OUT/lsvfio-k.txt" 2> "$OUT/lsvfio-k.err"
echo $? > "$OUT/lsvfio-k.rc"
"${L[@]}" --sysfs-root "$K" -k --json > "$OUT/lsvfio-k.json" 2>> "$OUT/lsvfio-k.err"
exit 0
