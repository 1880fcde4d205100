// A picture of a region's layout: which parts can be mmapped and which are trapped by the kernel
// (sparse-mmap areas, or the MSI-X table and PBA inside a BAR). Text, 80 columns.
import type { ConfigSpace, Region } from '../model/types.js'
import { formatSize, hex } from './format.js'
import type { Style } from './style.js'

const WIDTH = 64

interface Span {
  start: bigint
  end: bigint // exclusive
  kind: 'mmap' | 'trap' | 'msix'
  what: string
}

/** The MSI-X table and PBA locations from config space (capability 0x11), for the BAR holding them. */
export function msixSpans(config: ConfigSpace | null, bar: number): Span[] {
  const b = config?.bytes
  if (b === undefined || b.length < 0x40 || ((b[6] ?? 0) & 0x10) === 0) return []
  const seen = new Set<number>()
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let p = (b[0x34] ?? 0) & 0xfc; p >= 0x40 && p + 12 <= b.length && !seen.has(p); p = (b[p + 1] ?? 0) & 0xfc) {
    seen.add(p)
    if (b[p] !== 0x11) continue
    const n = (dv.getUint16(p + 2, true) & 0x7ff) + 1
    const table = dv.getUint32(p + 4, true)
    const pba = dv.getUint32(p + 8, true)
    const out: Span[] = []
    if ((table & 7) === bar) out.push({ start: BigInt(table & ~7), end: BigInt((table & ~7) + n * 16), kind: 'msix', what: `MSI-X table (${n} entries)` })
    if ((pba & 7) === bar) out.push({ start: BigInt(pba & ~7), end: BigInt((pba & ~7) + Math.ceil(n / 64) * 8), kind: 'msix', what: 'MSI-X PBA' })
    return out
  }
  return []
}

/** Spans covering the whole region: sparse areas are mmap, the rest trapped; or MSI-X structures on a mappable BAR. */
export function regionSpans(r: Region, config: ConfigSpace | null): Span[] | null {
  const sparse = r.caps.find((c) => c.kind === 'sparse-mmap')
  if (sparse !== undefined && sparse.kind === 'sparse-mmap') {
    const spans: Span[] = []
    let at = 0n
    for (const a of [...sparse.areas].sort((x, y) => (x.offset < y.offset ? -1 : 1))) {
      if (a.offset > at) spans.push({ start: at, end: a.offset, kind: 'trap', what: 'trapped (read/write through the fd)' })
      spans.push({ start: a.offset, end: a.offset + a.size, kind: 'mmap', what: 'mmap area' })
      at = a.offset + a.size > at ? a.offset + a.size : at
    }
    if (at < r.size) spans.push({ start: at, end: r.size, kind: 'trap', what: 'trapped (read/write through the fd)' })
    return spans
  }
  const msix = r.index <= 5 ? msixSpans(config, r.index) : []
  return msix.length === 0 ? null : msix.sort((x, y) => (x.start < y.start ? -1 : 1))
}

/** Lines of the picture, or [] when the region has nothing to draw. */
export function layoutLines(name: string, r: Region, config: ConfigSpace | null, style: Style, ind: string): string[] {
  const spans = r.size > 0n ? regionSpans(r, config) : null
  if (spans === null || spans.length === 0) return []
  const mappable = r.caps.some((c) => c.kind === 'msix-mappable')
  const cell = (i: number): string => {
    const at = (r.size * BigInt(i)) / BigInt(WIDTH)
    const s = spans.find((x) => at >= x.start && at < x.end)
    if (s === undefined) return r.flagNames.includes('mmap') ? '=' : '.'
    return s.kind === 'mmap' ? '=' : s.kind === 'msix' ? (mappable ? 'x' : '#') : '#'
  }
  let bar = ''
  for (let i = 0; i < WIDTH; i++) bar += cell(i)
  const colour = (s: Span): string => (s.kind === 'mmap' ? style.ok(s.what) : style.warn(s.what))
  const head = `${name} layout: 0x0`
  return [
    `${ind}${style.label(head)} ${'-'.repeat(Math.max(1, WIDTH + 1 - head.length - hex(r.size).length))} ${hex(r.size)}`,
    `${ind}  [${bar}]`,
    ...spans.map((s) => `${ind}  ${`${hex(s.start)}-${hex(s.end - 1n)}`.padEnd(24)} ${formatSize(s.end - s.start).padStart(6)}  ${colour(s)}`),
    `${ind}  ${style.dim(spans.some((x) => x.kind === 'msix') && mappable ? "'=' mmap, 'x' MSI-X: mmap allowed, reads through the fd masked" : "'=' mmap, '#' trapped: read/write through the fd")}`,
  ]
}
