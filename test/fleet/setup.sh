#!/usr/bin/env bash
# Idempotent set-up for test/fleet: the engines the fleet outputs are tested against, as Debian packages
# (bookworm): node_exporter, promtool (shipped in the prometheus package), ansible-core, and
# systemd-analyze (systemd). apt is not touched when all are present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(prometheus-node-exporter prometheus ansible-core systemd)
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
missing=()
for p in "${PKGS[@]}"; do
    grep -qx "$p install ok installed" <<<"$installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "[fleet-setup] packages: all present" >&2; exit 0; fi
echo "[fleet-setup] packages: installing ${missing[*]}" >&2
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
