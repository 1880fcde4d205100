// VFIO_DEVICE_GET_REGION_INFO predicted from sysfs, rule by rule as vfio_pci_core.c answers it
// (vfio_pci_ioctl_get_region_info, vfio_pci_probe_mmaps); the same on 6.1, 6.12 and 7.3.
import { pciRegionName } from '../../kernel/ids.js'
import type { Device, HostResource, PredictedRegion } from '../../model/types.js'
import type { DeviceFacts, HostFacts } from './facts.js'

/** VFIO_PCI_INDEX_TO_OFFSET(): each region at index << 40 of the device fd. */
const offsetOf = (i: number): bigint => BigInt(i) << 40n

const VGA_CLASS = 0x0300

/** Whether vfio_pci_probe_mmaps() lets a BAR be mmapped; null when sysfs cannot settle it. */
/** Small memory BARs by 64 KiB block: the only ones that can share a page with another. */
export type SmallBars = Map<bigint, HostResource[]>

export function smallBars(all: readonly HostResource[]): SmallBars {
  const m: SmallBars = new Map()
  for (const r of all) {
    if (r.kind !== 'mem' || r.size === 0n || r.size >= 0x10000n) continue
    const k = r.start >> 16n
    // appended in place: a copy per BAR was quadratic where many BARs share a 64 KiB window
    const l = m.get(k)
    if (l === undefined) m.set(k, [r])
    else l.push(r)
  }
  return m
}

function mmapOf(r: HostResource, page: number | null, others: SmallBars, why: string[]): boolean | null {
  if (r.kind !== 'mem') return false
  // BARs are aligned to their size: one of a page or more is always mmappable; 64 KiB covers every page size.
  if (page === null && r.size < 0x10000n) {
    why.push(`BAR${r.index} mmap: page size unknown`)
    return null
  }
  const p = BigInt(page ?? 0x10000)
  if (r.size >= p) return true
  if ((r.start & (p - 1n)) !== 0n) return false
  // A sub-page BAR at a page start: vfio-pci reserves the rest of the page; that fails if another BAR is there.
  const restStart = r.end + 1n
  const restEnd = r.start + p - 1n
  return !(others.get(r.start >> 16n) ?? []).some((o) => o !== r && o.start <= restEnd && o.end >= restStart)
}

export function predictRegions(d: Device, f: DeviceFacts, h: HostFacts, others: SmallBars, why: string[]): PredictedRegion[] {
  const out: PredictedRegion[] = []
  const cls = (d.pci?.classCode ?? 0) >> 8
  for (let i = 0; i <= 5; i++) {
    const base = { index: i, name: pciRegionName(i) ?? `BAR${i}`, offset: offsetOf(i) }
    const r = d.resources[i]
    if (r === undefined) {
      why.push(`BAR${i}: no resource line in sysfs`)
      out.push(base)
      continue
    }
    // pci_resource_len(): 0 for an absent BAR and for the upper half of a 64-bit one.
    if (r.size === 0n) {
      out.push({ ...base, size: 0n, flagNames: [] })
      continue
    }
    const mmap = mmapOf(r, h.pageSize, others, why)
    if (mmap === null) {
      out.push({ ...base, size: r.size })
      continue
    }
    // The MSI-X table's BAR carries the MSIX_MAPPABLE capability when it is mmappable.
    const caps = mmap && f.config?.msix !== null && f.config?.msix !== undefined && f.config.msix.tableBir === i
    if (mmap && f.config === null) why.push(`BAR${i} caps: config space not readable`)
    const flagNames = ['read', 'write', ...(mmap ? ['mmap'] : []), ...(caps ? ['caps'] : [])]
    out.push({ ...base, size: r.size, ...(mmap && f.config === null ? {} : { flagNames }) })
  }
  const rom = d.resources[6]
  const romBase = { index: 6, name: 'ROM', offset: offsetOf(6) }
  if (rom !== undefined && rom.size === 0n && cls !== VGA_CLASS) out.push({ ...romBase, size: 0n, flagNames: [] })
  else {
    // With a ROM BAR the kernel maps the ROM and checks its signature: that needs the image, and reading
    // it through sysfs needs a write (echo 1 > rom). A VGA device may have a shadow copy instead.
    why.push(rom === undefined ? 'ROM: no resource line in sysfs' : 'ROM: depends on the ROM image, which sysfs shows only after a write')
    out.push(romBase)
  }
  const cfg = { index: 7, name: 'CONFIG', offset: offsetOf(7) }
  if (f.configSize === null) why.push('CONFIG size: the config space size is not readable (needs root)')
  out.push(f.configSize === null ? { ...cfg, flagNames: ['read', 'write'] } : { ...cfg, size: BigInt(f.configSize), flagNames: ['read', 'write'] })
  const vga = { index: 8, name: 'VGA', offset: offsetOf(8) }
  if (cls !== VGA_CLASS) out.push({ ...vga, available: false })
  else if (h.disableVga === null) {
    why.push('VGA: vfio_pci disable_vga not readable')
    out.push(vga)
  } else out.push(h.disableVga ? { ...vga, available: false } : { ...vga, available: true, size: 0xc0000n, flagNames: ['read', 'write'] })
  return out
}

/** VFIO_PCI_NUM_REGIONS (9) plus device-specific regions: none for vfio-pci itself except on Intel graphics (IGD). */
export function predictNumRegions(d: Device, why: string[]): number | undefined {
  const cls = (d.pci?.classCode ?? 0) >> 8
  if (d.driver !== 'vfio-pci') why.push(`number of regions: ${d.driver ?? 'this driver'} may add its own`)
  else if (d.pci?.vendorId === 0x8086 && cls === VGA_CLASS) why.push('number of regions: Intel graphics may have IGD regions')
  else return 9
  return undefined
}
