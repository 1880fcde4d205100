// What the fleet outputs (Prometheus metrics, NFD labels) say about a host, from the inventory and
// the verdicts of `lsvfio check` (never judged again here). Pure.
//
// Bounded cardinality: per-device series only for devices meant for VFIO (bound to a VFIO driver, or
// driver_override naming one) that are not SR-IOV VFs, the other members of their IOMMU groups and
// devices with a stale driver_override; per-group series only for those devices' groups. VFs are
// counted per PF (ready, and not ready per reason), so a host with thousands of VFs adds a handful of
// series per PF, not per VF.
import type { CheckReport, Diagnostics, Holder, OverrideWarning, VerdictKind, Verdict } from '../model/diagnostics.js'
import { InternalError } from '../errors.js'
import type { Device, Inventory, IommuGroup } from '../model/types.js'

export interface FleetMeta {
  version: string
  /** This run's host name; null for a replay (--from) or a --sysfs-root tree. */
  hostname: string | null
  time: Date
}

export interface FleetDevice {
  device: Device
  group: IommuGroup | null
  /** check's verdict: present for devices meant for VFIO */
  verdict: Verdict | null
  override: OverrideWarning | null
}

export interface FleetGroup {
  group: IommuGroup
  holders: readonly Holder[]
  /** members bound to a VFIO driver */
  vfio: number
}

export interface FleetPf {
  pf: string
  vfs: number
  meant: number
  ready: number
  notReady: ReadonlyMap<VerdictKind, number>
}

export interface FleetIdCount {
  vendorId: number
  deviceId: number
  meant: number
  ready: number
}

export interface FleetSummary {
  inv: Inventory
  diag: Diagnostics
  report: CheckReport
  devices: readonly FleetDevice[]
  groups: readonly FleetGroup[]
  pfs: readonly FleetPf[]
  holders: readonly { holder: Holder; groups: number }[]
  /** Devices in IOMMU groups (and VFIO devices in none) */
  total: number
  vfioBound: number
  meant: number
  ready: number
  notReady: ReadonlyMap<VerdictKind, number>
  byId: readonly FleetIdCount[]
  /** an IOMMU is active and no readiness finding is a problem (remapping not refused, modules loaded) */
  hostReady: boolean
}

const inc = <K>(m: Map<K, number>, k: K, by = 1): void => {
  m.set(k, (m.get(k) ?? 0) + by)
}

export function summarise(inv: Inventory, report: CheckReport): FleetSummary {
  const diag = inv.diagnostics
  if (diag === undefined) throw new InternalError('fleet outputs need the diagnostics (inspect with diagnose: true)')
  const verdicts = new Map(report.verdicts.map((v) => [v.address, v]))
  const devDiag = new Map(diag.devices.map((d) => [d.address, d]))
  const all: { device: Device; group: IommuGroup | null }[] = [...inv.groups.flatMap((g) => g.devices.map((device) => ({ device, group: g }))), ...inv.ungrouped.map((device) => ({ device, group: null }))]
  const pfOf = (a: string): string | null => {
    const s = devDiag.get(a)?.sriov
    return s?.role === 'vf' ? s.pf : null
  }

  const shownGroups = new Set<number>()
  const shownAlone = new Set<string>()
  for (const { device: d, group: g } of all) {
    const stale = devDiag.get(d.address)?.override != null
    if ((verdicts.has(d.address) || stale) && pfOf(d.address) === null) {
      if (g !== null) shownGroups.add(g.id)
      else shownAlone.add(d.address)
    }
  }
  // Checked devices in no group (no IOMMU) come from the verdicts, not the inventory.
  const listed = new Set(all.map((x) => x.device.address))
  const devices: FleetDevice[] = []
  for (const { device, group } of all) {
    if ((group !== null && shownGroups.has(group.id)) || shownAlone.has(device.address)) devices.push({ device, group, verdict: verdicts.get(device.address) ?? null, override: devDiag.get(device.address)?.override ?? null })
  }
  const extra = report.verdicts.filter((v) => !listed.has(v.address))

  const holderByPid = new Map(diag.holders.holders.map((h) => [h.pid, h]))
  const heldGroups = new Map<number, number>()
  const groups: FleetGroup[] = []
  for (const gd of diag.groups) for (const pid of gd.holders) inc(heldGroups, pid)
  const gdById = new Map(diag.groups.map((g) => [g.id, g]))
  for (const g of inv.groups) {
    if (!shownGroups.has(g.id)) continue
    const holders = (gdById.get(g.id)?.holders ?? []).map((p) => holderByPid.get(p)).filter((h): h is Holder => h !== undefined)
    groups.push({ group: g, holders, vfio: g.devices.filter((d) => d.vfioDriver).length })
  }

  const pfs = new Map<string, { vfs: number; meant: number; ready: number; notReady: Map<VerdictKind, number> }>()
  const pf = (a: string): { vfs: number; meant: number; ready: number; notReady: Map<VerdictKind, number> } => {
    let p = pfs.get(a)
    if (p === undefined) pfs.set(a, (p = { vfs: 0, meant: 0, ready: 0, notReady: new Map() }))
    return p
  }
  const notReady = new Map<VerdictKind, number>()
  const ids = new Map<number, FleetIdCount>()
  let ready = 0
  for (const v of report.verdicts) {
    const kind = v.reasons[0]?.kind ?? 'ready'
    if (v.ready) ready++
    else inc(notReady, kind)
    const p = pfOf(v.address)
    if (p !== null) {
      const e = pf(p)
      e.meant++
      if (v.ready) e.ready++
      else inc(e.notReady, kind)
    }
  }
  const byAddress = new Map(all.map((x) => [x.device.address, x.device]))
  for (const v of report.verdicts) {
    const pci = byAddress.get(v.address)?.pci
    if (pci == null) continue
    const key = pci.vendorId * 0x10000 + pci.deviceId
    const e = ids.get(key) ?? { vendorId: pci.vendorId, deviceId: pci.deviceId, meant: 0, ready: 0 }
    e.meant++
    if (v.ready) e.ready++
    ids.set(key, e)
  }
  for (const { device } of all) {
    const p = pfOf(device.address)
    if (p !== null) pf(p).vfs++
  }
  return {
    inv,
    diag,
    report,
    devices,
    groups,
    pfs: [...pfs].map(([a, e]) => ({ pf: a, ...e })).sort((a, b) => a.pf.localeCompare(b.pf)),
    holders: [...heldGroups].map(([pid, n]) => ({ holder: holderByPid.get(pid), groups: n })).filter((h): h is { holder: Holder; groups: number } => h.holder !== undefined),
    total: all.length + extra.length,
    vfioBound: all.filter((x) => x.device.vfioDriver).length,
    meant: report.verdicts.length,
    ready,
    notReady,
    byId: [...ids.values()].sort((a, b) => a.vendorId - b.vendorId || a.deviceId - b.deviceId),
    hostReady: diag.readiness.iommu.enabled && !diag.readiness.findings.some((f) => f.level === 'bad'),
  }
}

/** The verdict kinds a device can be not ready for, in a fixed order (every one gets a series). */
export const NOT_READY_KINDS: readonly VerdictKind[] = ['no-iommu', 'not-bound', 'noiommu-only', 'not-viable', 'busy', 'permission', 'unsafe-interrupts', 'vf-token', 'mdev-inactive', 'other']
