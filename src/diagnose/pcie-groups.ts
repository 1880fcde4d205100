// The kernel's IOMMU grouping rule for PCI (drivers/iommu/iommu.c pci_device_group), applied to what
// sysfs shows: the DMA alias walk (a PCIe-to-PCI bridge owns what is below it), the ACS walk up to the
// first bridge whose whole path to the root has ACS (pci_acs_path_enabled with SV|RR|CR|UF), then
// the functions of one slot that lack ACS (get_pci_function_alias_group). Pure.
import { ACS_BITS, ACS_EC, REQ_ACS } from '../inspect/pcie-caps.js'
import type { GroupMismatch, GroupingPrediction, PcieHop, PcieNode } from '../model/pcie.js'
import { acsQuirk } from './acs-quirks.js'

export type Nodes = ReadonlyMap<string, PcieNode>

/** pci_acs_enabled(dev, SV|RR|CR|UF): whether this hop keeps peer-to-peer traffic apart. */
export function acsEnabled(n: PcieNode): { ok: boolean | null; note: string } {
  const quirk = acsQuirk(n.vendorId, n.deviceId)
  if (quirk !== null) return { ok: true, note: `no peer-to-peer between functions (kernel quirk ${quirk})` }
  switch (n.type) {
    case null:
      return { ok: null, note: 'unknown (config space past 64 bytes needs root)' }
    case 'conventional':
      return { ok: false, note: 'conventional PCI: a shared bus, no ACS' }
    case 'pcie-to-pci-bridge':
    case 'pci-to-pcie-bridge':
      return { ok: false, note: 'PCIe-to-PCI bridge: ACS never applies' }
    case 'rc-event-collector':
      return { ok: false, note: 'root complex event collector: ACS never applies' }
    case 'root-port':
    case 'downstream-port':
      return flagsEnabled(n)
    case 'endpoint':
    case 'legacy-endpoint':
    case 'upstream-port':
    case 'rc-endpoint':
      return n.multifunction ? flagsEnabled(n) : { ok: true, note: 'single function: nothing to isolate' }
    default:
      return { ok: true, note: 'ACS not required for this type' }
  }
}

const names = (bits: number): string => ACS_BITS.filter(([, m]) => (bits & m) !== 0).map(([n]) => n).join(' ')

/** pci_acs_flags_enabled: controls the port lacks in ACSCap count as hard-wired on (EC excepted). */
function flagsEnabled(n: PcieNode): { ok: boolean; note: string } {
  if (n.acs === null) return { ok: false, note: 'no ACS capability' }
  const req = REQ_ACS & (n.acs.cap | ACS_EC)
  const missing = req & ~n.acs.ctrl
  if (missing !== 0) return { ok: false, note: `ACS ${names(missing)} capable but disabled` }
  const wired = REQ_ACS & ~n.acs.cap
  const on = names(REQ_ACS).split(' ').map((x) => x + '+').join(' ')
  return { ok: true, note: `ACS ${on}${wired !== 0 ? ` (${names(wired)} not in ACSCap: not controllable, counted as on)` : ''}` }
}

/** The device, then each bridge above it up to the root bus (bounded against a looping parent chain). */
export function pathOf(nodes: Nodes, address: string): PcieNode[] {
  const out: PcieNode[] = []
  const seen = new Set<string>()
  let n = nodes.get(address)
  while (n !== undefined && !seen.has(n.address) && out.length < 256) {
    seen.add(n.address)
    out.push(n)
    n = n.parent === null ? undefined : nodes.get(n.parent)
  }
  return out
}

export function hops(nodes: Nodes, address: string): PcieHop[] {
  return pathOf(nodes, address).map((n, i) => {
    // A device's own ACS counts only between functions of one device; bridges are judged as hops.
    const e = i === 0 && !n.bridge && !n.multifunction && n.type !== null ? { ok: true, note: 'single function: nothing to isolate' } : acsEnabled(n)
    return { address: n.address, type: n.type, acs: n.acs, isolates: e.ok, note: e.note }
  })
}

/** pci_acs_path_enabled(start, NULL): every hop from `start` up to the root bus. */
function pathEnabled(nodes: Nodes, start: PcieNode): boolean | null {
  let unknown = false
  for (const n of pathOf(nodes, start.address)) {
    const e = acsEnabled(n).ok
    if (e === false) return false
    if (e === null) unknown = true
  }
  return unknown ? null : true
}

export interface Owner {
  /** The function whose group this device joins. */
  owner: string
  /** The PCIe-to-PCI (or conventional) bridge the alias walk stopped at, when it moved. */
  alias: string | null
  /** The bridges the ACS walk climbed to, lowest first. */
  climbed: readonly string[]
}

/** The kernel's pdev after pci_for_each_dma_alias and the ACS walk; null when something is unknown. */
export function ownerOf(nodes: Nodes, address: string): Owner | null {
  const path = pathOf(nodes, address)
  const self = path[0]
  if (self === undefined) return null
  let a = self
  // Root ports and switch ports pass requester IDs through; other bridges take ownership of them.
  for (const b of path.slice(1)) {
    if (b.type === null) return null
    if (b.type === 'root-port' || b.type === 'upstream-port' || b.type === 'downstream-port') continue
    if (b.type === 'pcie-to-pci-bridge' || b.type === 'pci-to-pcie-bridge' || b.type === 'conventional') a = b
  }
  const alias = a === self ? null : a.address
  const climbed: string[] = []
  for (let b = a.parent === null ? undefined : nodes.get(a.parent); b !== undefined; b = b.parent === null ? undefined : nodes.get(b.parent)) {
    const e = pathEnabled(nodes, b)
    if (e === null) return null
    if (e) break
    a = b
    climbed.push(b.address)
    if (climbed.length > 256) return null
  }
  return { owner: a.address, alias, climbed }
}

const slotOf = (a: string): string => a.slice(0, a.lastIndexOf('.'))

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k)
  if (l === undefined) m.set(k, [v])
  else l.push(v)
}

/** Union of owners and non-isolated functions of one slot: the predicted groups, keyed by address. */
export function predictGroups(nodes: Nodes): Map<string, string[]> | null {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let r = x
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r) ?? r
    parent.set(x, r)
    return r
  }
  const union = (x: string, y: string): void => {
    const [rx, ry] = [find(x), find(y)]
    if (rx !== ry) parent.set(rx, ry)
  }
  const bySlot = new Map<string, PcieNode[]>()
  for (const n of nodes.values()) push(bySlot, slotOf(n.address), n)
  for (const n of nodes.values()) {
    const o = ownerOf(nodes, n.address)
    if (o === null) return null
    union(n.address, o.owner)
    const own = nodes.get(o.owner)
    if (own === undefined || !own.multifunction || acsEnabled(own).ok !== false) continue
    for (const t of bySlot.get(slotOf(own.address)) ?? []) if (t !== own && acsEnabled(t).ok === false) union(own.address, t.address)
  }
  const members = new Map<string, string[]>()
  const grouped = [...nodes.values()].filter((n) => n.group !== null)
  for (const n of grouped) push(members, find(n.address), n.address)
  for (const m of members.values()) m.sort()
  return new Map(grouped.map((n) => [n.address, members.get(find(n.address)) ?? []]))
}

/** The predicted groups against the kernel's, function by function. */
export function compareGroups(nodes: Nodes, predicted: ReadonlyMap<string, readonly string[]>): GroupingPrediction {
  const kernel = new Map<number, string[]>()
  for (const n of nodes.values()) if (n.group !== null) push(kernel, n.group, n.address)
  for (const m of kernel.values()) m.sort()
  const mismatches: GroupMismatch[] = []
  let agree = 0
  for (const [address, p] of predicted) {
    const g = nodes.get(address)?.group
    const k = g === null || g === undefined ? [] : (kernel.get(g) ?? [])
    if (p.length === k.length && p.every((x, i) => x === k[i])) agree++
    else mismatches.push({ address, predicted: p, kernel: k })
  }
  return { devices: predicted.size, groups: kernel.size, agree, mismatches }
}
