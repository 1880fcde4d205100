// PCI topology from sysfs paths: what a hot reset takes along (every device below the parent bridge,
// as vfio-pci's slot-or-bus walk does), and why several devices share one IOMMU group.
import { posix } from 'node:path'
import type { Isolation, ResetPrediction } from '../model/diagnostics.js'
import type { Device, HotResetInfo, Probe, Quirk } from '../model/types.js'
import type { FsReader } from '../inspect/fs.js'
import { list, readLink } from '../inspect/proc.js'

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

/** Every PCI device's real sysfs path (/sys/devices/pci0000:00/…/0000:05:01.0), keyed by address. */
export class PciTopology {
  private paths: Map<string, string> | null = null

  constructor(private readonly fs: FsReader) {}

  all(): Map<string, string> {
    if (this.paths !== null) return this.paths
    const m = new Map<string, string>()
    for (const name of list(this.fs, '/sys/bus/pci/devices') ?? []) {
      const t = readLink(this.fs, '/sys/bus/pci/devices/' + name)
      if (t !== null) m.set(name, posix.resolve('/sys/bus/pci/devices', t))
    }
    this.paths = m
    return m
  }

  pathOf(address: string): string | null {
    return this.all().get(address) ?? null
  }

  /** The bridge above a device; null on a root bus (its parent is the pciDDDD:BB host bridge dir). */
  parentBridge(address: string): string | null {
    const p = this.pathOf(address)
    if (p === null) return null
    const parent = posix.basename(posix.dirname(p))
    return BDF.test(parent) ? parent : null
  }

  /** Every device whose path lies below `bridge` (its secondary bus and everything under it). */
  below(bridge: string): string[] {
    const base = this.pathOf(bridge)
    if (base === null) return []
    return [...this.all()].filter(([, p]) => p.startsWith(base + '/')).map(([a]) => a).sort()
  }
}

export interface DeviceFacts {
  group: number | null
  driver: string | null
}

/** What opening a device resets: its function reset, and what a hot reset would take along. */
export function predictReset(d: Device, topo: PciTopology, facts: (address: string) => DeviceFacts): ResetPrediction | null {
  if (d.pci === null || d.bridge) return null
  const known = topo.pathOf(d.address) !== null
  const bridge = topo.parentBridge(d.address)
  const devices = bridge === null ? [] : topo.below(bridge).map((a) => ({ address: a, ...facts(a) }))
  return {
    methods: d.resetMethods,
    onOpen: d.resetMethods?.[0] ?? null,
    hotReset: { possible: known ? bridge !== null && devices.length > 0 : null, bridge, devices },
    kernelAgrees: known ? kernelAgrees(d, bridge, devices) : null,
  }
}

/** The kernel's own list (GET_PCI_HOT_RESET_INFO) against ours; null when the device was not opened. */
function kernelAgrees(d: Device, bridge: string | null, devices: readonly { address: string }[]): boolean | null {
  if (d.vfio === null || !d.vfio.ok) return null
  const h: Probe<HotResetInfo> | Quirk | null = d.vfio.value.hotReset
  if (h === null) return null
  if ('state' in h) return h.error.code === 'ENODEV' ? bridge === null : null
  if (!h.ok) return null
  const theirs = h.value.devices.map((x) => x.address).sort()
  const ours = devices.map((x) => x.address)
  // A slot reset can be narrower than the bus walk; the kernel's list must be within ours.
  return theirs.length > 0 && theirs.every((a) => ours.includes(a))
}

const slotOf = (a: string): string => a.slice(0, a.lastIndexOf('.'))

/** Why more than one device shares this group, when it does. */
export function isolationOf(members: readonly Device[], topo: PciTopology): Isolation | null {
  const pci = members.filter((m) => m.pci !== null)
  // Unknown paths (a snapshot without them) would make every group look like a missing-ACS one.
  if (pci.length < 2 || pci.some((m) => topo.pathOf(m.address) === null)) return null
  const endpoints = pci.filter((m) => !m.bridge)
  for (const b of pci.filter((m) => m.bridge)) {
    const under = topo.below(b.address)
    const behind = pci.filter((m) => under.includes(m.address))
    if (behind.length > 0)
      return {
        reason: 'behind-bridge',
        text: `${behind.map((m) => m.address).join(', ')} sit behind the bridge ${b.address} and share its group: a PCIe-to-PCI bridge (or a bridge without ACS) cannot keep the devices below it apart, so they can only be passed through together`,
        bridge: b.address,
        devices: behind.map((m) => m.address),
      }
  }
  const slots = new Set(endpoints.map((m) => slotOf(m.address)))
  if (slots.size === 1 && endpoints.length > 1)
    return {
      reason: 'multifunction',
      text: `${endpoints.map((m) => m.address).join(', ')} are functions of one multi-function device without ACS isolation between them: they can only be passed through together`,
      bridge: null,
      devices: endpoints.map((m) => m.address),
    }
  return {
    reason: 'no-acs',
    text: `${pci.length} devices share this group because the path between them lacks ACS (Access Control Services) isolation on this platform or switch: they can only be passed through together; another slot (one wired to the CPU) may give a smaller group`,
    bridge: null,
    devices: endpoints.map((m) => m.address),
  }
}
