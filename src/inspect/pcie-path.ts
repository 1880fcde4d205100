// Gathers what the IOMMU grouping rule looks at, for every PCI function, from sysfs alone: the bridge
// above it, header type (bridge, multi-function), PCIe port type, the ACS registers, and its kernel
// group. Config space past 64 bytes needs root; without it type and ACS stay unknown (null).
import type { PcieFacts, PcieNode } from '../model/pcie.js'
import type { FsReader } from './fs.js'
import { EXT_CAP_ACS, acsAt, extCaps, portType } from './pcie-caps.js'
import { attempt, readLink, readText } from './proc.js'

/** Where each function sits in sysfs (the diagnosis layer's PciTopology provides it). */
export interface PciPaths {
  all(): ReadonlyMap<string, string>
  parentBridge(address: string): string | null
}

const HEADER = 256
const CONFIG_END = 4096

function readConfig(fs: FsReader, path: string, max: number): Uint8Array | null {
  const a = attempt(() => fs.readBytes(path, max))
  return a.ok ? a.v : null
}

/** One function's facts; null when its config cannot be read at all. */
export function readNode(fs: FsReader, address: string, devPath: string, parent: string | null): PcieNode | null {
  const cfgPath = devPath + '/config'
  const head = readConfig(fs, cfgPath, HEADER)
  if (head === null || head.length < 64) return null
  const ht = head[0x0e] ?? 0
  const g = readLink(fs, devPath + '/iommu_group')
  const node: PcieNode = {
    address,
    parent,
    vendorId: (head[0] ?? 0) | ((head[1] ?? 0) << 8),
    deviceId: (head[2] ?? 0) | ((head[3] ?? 0) << 8),
    bridge: (ht & 0x7f) === 1,
    // The kernel marks every function but 0 multi-function whatever its header says (pci_scan_slot).
    multifunction: (ht & 0x80) !== 0 || !address.endsWith('.0'),
    type: null,
    acs: null,
    group: g === null ? null : Number(g.slice(g.lastIndexOf('/') + 1)),
  }
  // 64 bytes: an unprivileged read; the PCIe capability lies beyond them.
  if (head.length <= 64) return node
  const type = portType(head)
  // ACS matters to the kernel on ports and on multi-function devices only; nothing else is read.
  if (type === 'conventional' || (!node.bridge && !node.multifunction)) return { ...node, type }
  const need = (end: number): Uint8Array | null => readConfig(fs, cfgPath, Math.min(CONFIG_END, Math.ceil(end / HEADER) * HEADER))
  const walk = extCaps(head, need)
  const acs = walk.caps.find((c) => c.id === EXT_CAP_ACS)
  return { ...node, type, acs: acs === undefined ? null : acsAt(walk.config, acs.offset) }
}

/** Every PCI function in sysfs. */
export function readPcieFacts(fs: FsReader, topo: PciPaths): PcieFacts {
  const nodes = new Map<string, PcieNode>()
  let unreadable = 0
  for (const [address, devPath] of topo.all()) {
    const n = readNode(fs, address, devPath, topo.parentBridge(address))
    if (n !== null) nodes.set(address, n)
    else unreadable++
  }
  return { nodes, unreadable, cmdline: readText(fs, '/proc/cmdline')?.trim() ?? null }
}
