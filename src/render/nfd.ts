// `lsvfio nfd`: a Node Feature Discovery local feature file (features.d): `name=value` lines under the
// vfio.feature.node.kubernetes.io namespace (allowed by nfd-master by default), an expiry directive so
// labels vanish when lsvfio stops refreshing the file, at most 64 KiB (NFD ignores a larger file). Pure.
import type { FleetMeta, FleetSummary } from './fleet.js'

export const NFD_NAMESPACE = 'vfio.feature.node.kubernetes.io'
/** NFD's limit on a feature file. */
export const NFD_MAX_BYTES = 65536

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

/** A Kubernetes label name part or value: ≤ 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends. */
export function validLabelPart(s: string, value = false): boolean {
  return (value && s === '') || (s.length <= 63 && NAME.test(s))
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

export function renderNfd(s: FleetSummary, meta: FleetMeta, expiryMinutes: number): string {
  const r = s.diag.readiness
  const expiry = new Date(meta.time.getTime() + expiryMinutes * 60_000)
  const head = [
    `# lsvfio ${meta.version}: VFIO readiness of this node, written ${meta.time.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `# +expiry-time=${expiry.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
  ]
  const labels: [string, string][] = [
    ['iommu', String(r.iommu.enabled)],
    ['interrupt-remapping', r.interruptRemapping.state === 'unknown' ? 'unknown' : String(r.interruptRemapping.state === 'enabled')],
    ['noiommu-mode', String(r.noiommu.enabled === true)],
    ['host-ready', String(s.hostReady)],
    ['devices-meant', String(s.meant)],
    ['devices-ready', String(s.ready)],
  ]
  // One count per vendor:device of the devices meant for VFIO, e.g. ready-10de-2204=2.
  for (const id of s.byId) labels.push([`ready-${hex4(id.vendorId)}-${hex4(id.deviceId)}`, String(id.ready)])
  // Mediated-device types: instances that can still be created, summed over parents, e.g. mdev-nvidia-35=4.
  const mdev = new Map<string, number>()
  for (const t of (s.inv.mdev?.parents ?? []).flatMap((p) => p.types)) if (t.availableInstances !== null) mdev.set(t.id, (mdev.get(t.id) ?? 0) + t.availableInstances)
  for (const [id, n] of [...mdev].sort(([a], [b]) => a.localeCompare(b))) labels.push([`mdev-${id}`, String(n)])
  const lines = [...head]
  let size = head.reduce((n, l) => n + l.length + 1, 0)
  for (const [name, value] of labels) {
    if (!validLabelPart(name) || !validLabelPart(value, true)) continue
    const line = `${NFD_NAMESPACE}/${name}=${value}`
    if (size + line.length + 1 > NFD_MAX_BYTES) break
    lines.push(line)
    size += line.length + 1
  }
  return lines.join('\n') + '\n'
}
