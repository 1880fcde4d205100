// Config-space decoding for the grouping rule: the PCI Express capability's port type, the extended
// capability chain (from 0x100, bounded and loop-checked like lspci's been_there[]) and ACS.
import type { AcsFlag, AcsState, PortType } from '../model/pcie.js'
import { capList } from './config.js'

const CAP_EXP = 0x10
export const EXT_CAP_ACS = 0x000d
const EXT_START = 0x100
const CONFIG_END = 0x1000

// PCI_EXP_TYPE_* (include/uapi/linux/pci_regs.h)
const TYPES: Readonly<Record<number, PortType>> = {
  0x0: 'endpoint',
  0x1: 'legacy-endpoint',
  0x4: 'root-port',
  0x5: 'upstream-port',
  0x6: 'downstream-port',
  0x7: 'pcie-to-pci-bridge',
  0x8: 'pci-to-pcie-bridge',
  0x9: 'rc-endpoint',
  0xa: 'rc-event-collector',
}

// PCI_ACS_* control bits, in register order.
export const ACS_BITS: readonly (readonly [AcsFlag, number])[] = [
  ['SV', 0x01],
  ['TB', 0x02],
  ['RR', 0x04],
  ['CR', 0x08],
  ['UF', 0x10],
  ['EC', 0x20],
  ['DT', 0x40],
]
/** What the IOMMU core asks of every hop (drivers/iommu/iommu.c REQ_ACS_FLAGS). */
export const REQ_ACS = 0x01 | 0x04 | 0x08 | 0x10
export const ACS_EC = 0x20

const u16 = (b: Uint8Array, o: number): number => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8)
const u32 = (b: Uint8Array, o: number): number => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0

export const acsNames = (bits: number): AcsFlag[] => ACS_BITS.filter(([, m]) => (bits & m) !== 0).map(([n]) => n)

/** The PCIe port type; 'conventional' without a PCI Express capability. Needs the first 256 bytes. */
export function portType(config: Uint8Array): PortType {
  const exp = capList(config).find((c) => c.id === CAP_EXP)
  if (exp === undefined || exp.offset + 4 > config.length) return 'conventional'
  return TYPES[(u16(config, exp.offset + 2) >> 4) & 0xf] ?? 'other'
}

export interface ExtCap {
  offset: number
  id: number
  version: number
}

/** The extended capability chain in `config` (as far as it was read). `need(end)` asks for more
 * bytes when a header lies past them: it returns the longer buffer, or null when there is none. */
export function extCaps(config: Uint8Array, need: (end: number) => Uint8Array | null): { caps: ExtCap[]; config: Uint8Array; fault: 'looped' | 'truncated' | null } {
  const caps: ExtCap[] = []
  const seen = new Set<number>()
  let buf = config
  let p = EXT_START
  while (p >= EXT_START && p + 4 <= CONFIG_END) {
    if (seen.has(p)) return { caps, config: buf, fault: 'looped' }
    seen.add(p)
    if (p + 8 > buf.length) {
      const more = need(p + 8)
      if (more === null || more.length < p + 4) return { caps, config: buf, fault: buf.length > EXT_START ? 'truncated' : null }
      buf = more
    }
    const h = u32(buf, p)
    // 0 or all ones: no extended capabilities (conventional PCI, or a PCIe device without any).
    if (h === 0 || h === 0xffffffff) break
    caps.push({ offset: p, id: h & 0xffff, version: (h >>> 16) & 0xf })
    p = (h >>> 20) & 0xffc
  }
  return { caps, config: buf, fault: null }
}

/** The ACS Capability and Control registers at `offset`. */
export function acsAt(config: Uint8Array, offset: number): AcsState | null {
  if (offset + 8 > config.length) return null
  const cap = u16(config, offset + 4)
  const ctrl = u16(config, offset + 6)
  return { offset, cap, ctrl, capable: acsNames(cap), enabled: acsNames(ctrl) }
}
