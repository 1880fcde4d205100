// Capability chains (region, device and IOMMU info) as text lines, lspci's show_caps discipline:
// every cap by name, unknown ones kept raw, broken chains marked rather than hidden.
import type { InfoCap } from '../model/types.js'
import { bracket, formatSize, hex, pageSizes } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

/** Raw payload as lowercase hex pairs; cut at 64 bytes below -vvv so a bogus length cannot flood the screen. */
export function rawHex(raw: Uint8Array, full: boolean): string {
  const limit = full ? raw.length : Math.min(raw.length, 64)
  let s = ''
  for (let i = 0; i < limit; i++) s += (i > 0 && i % 4 === 0 ? ' ' : '') + (raw[i] ?? 0).toString(16).padStart(2, '0')
  return limit < raw.length ? `${s} …(${raw.length} bytes)` : s
}

export function rangeString(r: { start: bigint; end: bigint }): string {
  return `${hex(r.start)}-${hex(r.end)}`
}

/** One cap → one or more lines (no indent). */
export function capLines(cap: InfoCap, view: ViewOptions, style: Style): string[] {
  if (cap.kind === 'chain-error') {
    const what = cap.reason === 'looped' ? 'chain looped' : cap.reason === 'out-of-bounds' ? 'chain out of bounds' : 'chain truncated'
    return [style.bad(`<${what}>`) + style.dim(` at ${hex(cap.offset)}`)]
  }
  const raw = view.verbose >= 3 ? style.dim(` (id ${cap.id} v${cap.version} @${hex(cap.offset)})`) : ''
  switch (cap.kind) {
    case 'sparse-mmap': {
      const head = `sparse-mmap: ${cap.areas.length} mmap-able area${cap.areas.length === 1 ? '' : 's'}${raw}`
      return [head, ...cap.areas.map((a) => `  ${rangeString({ start: a.offset, end: a.offset + a.size - 1n })} [size=${formatSize(a.size)}]`)]
    }
    case 'type':
      return [`type: ${cap.typeName} (${hex(cap.type)}) subtype ${cap.subtypeName} (${cap.subtype})${raw}`]
    case 'msix-mappable':
      return [`msix-mappable: the MSI-X table in this region may be mmapped${raw}`]
    case 'nvlink2-ssatgt':
      return [`nvlink2-ssatgt: tgt ${hex(cap.tgt)} (deprecated)${raw}`]
    case 'nvlink2-lnkspd':
      return [`nvlink2-lnkspd: link speed ${cap.linkSpeed} (deprecated)${raw}`]
    case 'iova-range':
      return [`iova-range: ${cap.ranges.map(rangeString).join(', ') || 'none'}${raw}`]
    case 'migration':
      return [
        `migration: flags ${hex(cap.flags)}, dirty page sizes ${pageSizes(cap.pgsizeBitmap).join(' ') || 'none'}, ` +
          `max dirty bitmap ${formatSize(cap.maxDirtyBitmapSize)}${raw}`,
      ]
    case 'dma-avail':
      return [`dma-avail: ${cap.avail} more DMA mappings${raw}`]
    case 'pci-atomic-comp':
      return [`pci-atomic-comp: ${bracket(cap.flagNames)}${view.verbose >= 3 ? ` ${hex(cap.flags)}` : ''}${raw}`]
    case 'zpci':
      return [`zpci ${cap.name}: ${rawHex(cap.raw, view.verbose >= 3)}${raw}`]
    case 'unknown':
      return [
        style.warn(`unknown cap id ${cap.id} v${cap.version}`) +
          ` @${hex(cap.offset)}: ${rawHex(cap.raw, view.verbose >= 3) || '(empty)'}`,
      ]
  }
}

/** All caps of a chain: the first line of each after `prefix`, its continuation lines aligned under it. */
export function capsLines(caps: readonly InfoCap[], view: ViewOptions, style: Style, prefix: string): string[] {
  const cont = ' '.repeat(prefix.length)
  return caps.flatMap((c) => capLines(c, view, style).map((l, i) => (i === 0 ? prefix : cont) + l))
}
