// The VFIO info capability-chain walker (device info, region info, type1 IOMMU info).
// `cap_offset` and every `next` are offsets from the start of the whole info buffer; next == 0 ends it.
// The walk owns robustness (lspci's been_there[] / "<chain looped>"): it is bounded by
// min(argsz, buf.length), visits each header byte at most once, never throws, and reports faults as
// { kind: 'chain-error' } entries instead of dropping what was decoded before them.

import type { InfoCap } from '../../model/types.js'
import { atomicCompFlagNames, regionTypeName, type CapNamespace } from './flags.js'
import { Reader } from './structs.js'

export type { CapNamespace } from './flags.js'

/** A decoded capability is the model's InfoCap: one declaration, here only named for the walker. */
export type DecodedCap = InfoCap
export type ChainFault = Extract<InfoCap, { kind: 'chain-error' }>['reason']

export type ChainError = Extract<DecodedCap, { kind: 'chain-error' }>

export interface CapHeader {
  offset: number
  id: number
  version: number
  next: number
}

const HEADER = 8

/**
 * Where the fixed struct's meaningful fields end, per namespace: a cap may not start before it.
 * device: through cap_offset (20; 6.1 kernels put the first cap there, newer ones at 24 after pad);
 * region: through offset (32); iommu: through cap_offset (20; the kernel uses 24).
 * Without a namespace only the common argsz/flags pair (8) is protected.
 */
const FIXED_END: Readonly<Record<CapNamespace, number>> = { device: 20, region: 32, iommu: 20 }

interface Hop extends CapHeader {
  /** Exclusive end of this cap's space: the next header when it follows, else the bound. */
  end: number
}

const chainError = (reason: ChainFault, offset: number): ChainError => ({ kind: 'chain-error', reason, offset })

const toCount = (n: number): number => (Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0)

/** Follows the headers only. Terminates: every hop claims at least one header byte never claimed before. */
function walkHeaders(buf: Uint8Array, capOffset: number, argsz: number, fixedEnd: number): { hops: Hop[]; fault: ChainError | null } {
  const bound = Math.min(toCount(argsz), buf.length)
  const r = new Reader(buf.subarray(0, bound))
  const claimed = new Uint8Array(bound) // 1 where a visited header lies
  const hops: Hop[] = []
  let off = Number.isFinite(capOffset) ? Math.trunc(capOffset) : -1
  while (off !== 0) {
    if (off >= 0 && off < bound && claimed.subarray(off, off + HEADER).includes(1)) return { hops, fault: chainError('looped', off) }
    if (off < fixedEnd || off + HEADER > bound) return { hops, fault: chainError('out-of-bounds', off) }
    claimed.fill(1, off, off + HEADER)
    const next = r.u32(off + 4)
    hops.push({ offset: off, id: r.u16(off), version: r.u16(off + 2), next, end: next > off ? Math.min(next, bound) : bound })
    off = next
  }
  return { hops, fault: null }
}

/** Header list plus the same fault marker walkCaps would give (for a hexdump mode). */
export function capHeaders(buf: Uint8Array, capOffset: number, argsz: number, ns?: CapNamespace): (CapHeader | ChainError)[] {
  const { hops, fault } = walkHeaders(buf, capOffset, argsz, ns ? FIXED_END[ns] : HEADER)
  const out: (CapHeader | ChainError)[] = hops.map(({ offset, id, version, next }) => ({ offset, id, version, next }))
  if (fault) out.push(fault)
  return out
}

const ZPCI_NAMES: Readonly<Record<number, string>> = { 1: 'zpci-base', 2: 'zpci-group', 3: 'zpci-util', 4: 'zpci-pfip' }

/** Fixed sizes (header included) of the caps decoded field by field. */
const STRUCT_SIZE: Readonly<Record<CapNamespace, Readonly<Record<number, number>>>> = {
  device: { 5: 16 },
  region: { 1: 16, 2: 16, 3: 8, 4: 16, 5: 16 },
  iommu: { 1: 16, 2: 32, 3: 12 },
}

/** One cap; may add a chain-error after it (truncated struct, or an array count clamped to its space). */
function decodeCap(r: Reader, buf: Uint8Array, ns: CapNamespace, h: Hop, out: DecodedCap[]): void {
  const { offset, id, version } = h
  const base = { id, version, offset }
  const need = STRUCT_SIZE[ns][id]
  if (need !== undefined && h.end - offset < need) {
    out.push(chainError('truncated', offset))
    return
  }
  // An array of 16-byte entries after a 16-byte fixed part; a count past the cap's space is clamped.
  const entries = <T>(count: number, read: (at: number) => T): T[] => {
    const fit = Math.max(0, Math.floor((h.end - offset - 16) / 16))
    const n = Math.min(count, fit)
    const items: T[] = []
    for (let i = 0; i < n; i++) items.push(read(offset + 16 + 16 * i))
    return items
  }
  const clampedAfter = (count: number, got: number): void => {
    if (count > got) out.push(chainError('out-of-bounds', offset + 16 + 16 * got))
  }
  const raw = (): Uint8Array => buf.slice(offset + HEADER, Math.max(offset + HEADER, h.end))

  if (ns === 'region') {
    switch (id) {
      case 1: {
        const nr = r.u32(offset + 8)
        const areas = entries(nr, (at) => ({ offset: r.u64(at), size: r.u64(at + 8) }))
        out.push({ kind: 'sparse-mmap', ...base, areas })
        return clampedAfter(nr, areas.length)
      }
      case 2: {
        const type = r.u32(offset + 8)
        const subtype = r.u32(offset + 12)
        out.push({ kind: 'type', ...base, type, subtype, ...regionTypeName(type, subtype) })
        return
      }
      case 3:
        out.push({ kind: 'msix-mappable', ...base })
        return
      case 4:
        out.push({ kind: 'nvlink2-ssatgt', ...base, tgt: r.u64(offset + 8) })
        return
      case 5:
        out.push({ kind: 'nvlink2-lnkspd', ...base, linkSpeed: r.u32(offset + 8) })
        return
    }
  } else if (ns === 'iommu') {
    switch (id) {
      case 1: {
        const nr = r.u32(offset + 8)
        const ranges = entries(nr, (at) => ({ start: r.u64(at), end: r.u64(at + 8) }))
        out.push({ kind: 'iova-range', ...base, ranges })
        return clampedAfter(nr, ranges.length)
      }
      case 2:
        out.push({
          kind: 'migration',
          ...base,
          flags: r.u32(offset + 8),
          pgsizeBitmap: r.u64(offset + 16),
          maxDirtyBitmapSize: r.u64(offset + 24),
        })
        return
      case 3:
        out.push({ kind: 'dma-avail', ...base, avail: r.u32(offset + 8) })
        return
    }
  } else {
    const zpci = ZPCI_NAMES[id]
    if (zpci !== undefined) {
      // s390 only; versions 1 and 2 differ in length, so the payload is kept raw.
      out.push({ kind: 'zpci', ...base, name: zpci, raw: raw() })
      return
    }
    if (id === 5) {
      const flags = r.u32(offset + 8)
      out.push({ kind: 'pci-atomic-comp', ...base, flags, flagNames: atomicCompFlagNames(flags) })
      return
    }
  }
  out.push({ kind: 'unknown', ...base, raw: raw() })
}

/**
 * Decodes the capability chain of an info reply. `argsz` is the reply's argsz (what the kernel filled);
 * `ns` picks the id namespace. Faults end the list as chain-error entries; never throws.
 */
export function walkCaps(buf: Uint8Array, capOffset: number, argsz: number, ns: CapNamespace): DecodedCap[] {
  const { hops, fault } = walkHeaders(buf, capOffset, argsz, FIXED_END[ns])
  const bound = Math.min(toCount(argsz), buf.length)
  const r = new Reader(buf.subarray(0, bound))
  const out: DecodedCap[] = []
  for (const h of hops) decodeCap(r, buf, ns, h, out)
  if (fault) out.push(fault)
  return out
}
