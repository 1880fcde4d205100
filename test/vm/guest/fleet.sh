#!/bin/bash
# lsvfio metrics and lsvfio nfd against a real kernel (test/vm/fleet.test.ts): with FLEET_BUSY a
# background `sleep` holds that device's group open; the boot's keep= leaves a group non-viable. Both
# commands write with --output into this run's outputs, node_exporter (the host's Debian package, seen
# through the chroot) serves the textfile on the guest's loopback, and it is scraped over HTTP. The
# witnesses (sysfs, lspci) follow. Every run leaves NAME.out, NAME.err and NAME.rc in $OUT.
set -euo pipefail
: "${OUT:?OUT is not set}" "${REPO:?REPO is not set}"
export NODE_DISABLE_COLORS=1
L=(node "$REPO/bin/lsvfio.js")

run() {
    local name=$1 rc=0
    shift
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || rc=$?
    echo "$rc" > "$OUT/$name.rc"
}
group_of() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }

if [ -n "${FLEET_BUSY:-}" ]; then
    g=$(group_of "$FLEET_BUSY")
    sleep 1000 3<>"/dev/vfio/$g" &
    echo $! > "$OUT/holder.pid"
    echo "$g" > "$OUT/holder.group"
    for _ in $(seq 100); do ls -l "/proc/$(cat "$OUT/holder.pid")/fd" 2>/dev/null | grep -q -- "-> /dev/vfio/$g\$" && break; sleep 0.2; done
fi

mkdir -p "$OUT/textfile" "$OUT/nfd"
run metrics "${L[@]}" metrics --output "$OUT/textfile/lsvfio.prom"
run nfd "${L[@]}" nfd --output "$OUT/nfd/lsvfio"
run check "${L[@]}" check --json
ls -A "$OUT/textfile" "$OUT/nfd" > "$OUT/written.txt"

ip link set lo up
prometheus-node-exporter --web.listen-address=127.0.0.1:9100 --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$OUT/textfile" > "$OUT/node-exporter.log" 2>&1 &
ne=$!
run scrape node -e '
  const url = "http://127.0.0.1:9100/metrics"
  const go = async () => {
    for (let i = 0; i < 150; i++) {
      try { const r = await fetch(url); if (r.ok) return process.stdout.write(await r.text()) } catch {}
      await new Promise((res) => setTimeout(res, 200))
    }
    throw new Error("node_exporter did not answer on " + url)
  }
  go()'
kill "$ne" 2>/dev/null || true
[ -f "$OUT/holder.pid" ] && kill "$(cat "$OUT/holder.pid")" 2>/dev/null || true
wait 2>/dev/null || true

exec bash "$REPO/test/vm/guest/witness.sh"
