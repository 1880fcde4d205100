// Device-tree reg/interrupts beside the VFIO regions and IRQs they back (text and tree views).
// For a platform or AMBA device, region i is reg entry i and IRQ index i is interrupt i; a PCI
// device's regions are BARs, so its DT entries are only listed under its node.
import type { Device, OfInterrupt, OfReg } from '../model/types.js'
import { formatSize, hex } from './format.js'
import type { Style } from './style.js'
import type { TreeNode } from './tree-node.js'
import type { ViewOptions } from './view.js'

const cellList = (cells: readonly number[]): string => `<${cells.map((c) => hex(c)).join(' ')}>`

/** The DT reg entry backing VFIO region `index`; undefined for PCI or without one. */
export function dtRegFor(d: Device, index: number): OfReg | undefined {
  return d.pci === null ? d.ofNode?.reg?.[index] : undefined
}

export function dtIrqFor(d: Device, index: number): OfInterrupt | undefined {
  return d.pci === null ? d.ofNode?.interrupts?.[index] : undefined
}

/** 'reg 1 "data" 0xa003800-0xa0038ff [size=256] bus 0x800 <0x800 0x100>' (bus address and cells at -vv). */
export function dtRegText(r: OfReg, view: ViewOptions, style: Style, vfioSize?: bigint): string {
  const name = r.name !== null ? ` "${r.name}"` : ''
  const parts = [`reg ${r.index}${name}`]
  const at = r.cpuAddress ?? r.address
  if (at !== null && r.size !== null) {
    parts.push(style.addr(view.verbose >= 2 && r.size > 0n ? `${hex(at)}-${hex(at + r.size - 1n)}` : hex(at)), `[size=${formatSize(r.size)}]`)
    if (r.cpuAddress === null) parts.push(style.dim(`(bus address; not translated${r.untranslatable != null && view.verbose >= 2 ? `: ${r.untranslatable}` : ''})`))
    else if (view.verbose >= 2 && r.address !== null && r.address !== r.cpuAddress) parts.push(`bus ${hex(r.address)}`)
  }
  if (at === null || view.verbose >= 2) parts.push(style.dim(cellList(r.cells)))
  if (vfioSize !== undefined && r.size !== null && r.size !== vfioSize) parts.push(style.warn(`(VFIO reports ${formatSize(vfioSize)})`))
  return parts.join(' ')
}

/** 'interrupt 1 "rx" SPI 44 level-high' (+ GIC ID, cells and controller at -vv). */
export function dtIrqText(q: OfInterrupt, view: ViewOptions, style: Style): string {
  const name = q.name !== null ? ` "${q.name}"` : ''
  const parts = [`interrupt ${q.index}${name}`]
  if (q.gic !== null) parts.push(`${q.gic.kind} ${q.gic.number} ${q.gic.trigger}`)
  if (view.verbose >= 2 && q.gic !== null) parts.push(style.dim(`(GIC ID ${q.gic.hwirq})`))
  if (q.gic === null || view.verbose >= 2) parts.push(style.dim(cellList(q.cells)))
  if (q.controller !== null && (q.gic === null || view.verbose >= 2)) parts.push(`on ${style.addr(q.controller)}`)
  if (q.gic === null && q.controllerCompatible !== undefined && q.controllerCompatible.length > 0) parts.push(`(${q.controllerCompatible[0] ?? ''})`)
  if (q.nexus !== undefined && q.nexus.length > 0 && view.verbose >= 2) parts.push(`via ${q.nexus.map((n) => style.addr(n)).join(', ')} ${style.dim(cellList(q.controllerCells ?? []))}`)
  if (q.unresolved != null) parts.push(style.warn(`(unresolved: ${q.unresolved})`))
  if (q.kernel != null && view.verbose >= 2) parts.push(style.dim(`[kernel irq ${q.kernel.virq}, hwirq ${q.kernel.hwirq}${q.kernel.type !== null ? ` ${q.kernel.type}` : ''}]`))
  return parts.join(' ')
}

/** The "dt:" line under VFIO region `index` (-v and up). */
export function dtRegionLines(d: Device, index: number, vfioSize: bigint, view: ViewOptions, style: Style, ind: string): string[] {
  const r = dtRegFor(d, index)
  return r === undefined ? [] : [`${ind}    ${style.label('dt:')} ${dtRegText(r, view, style, vfioSize)}`]
}

export function dtIrqLines(d: Device, index: number, view: ViewOptions, style: Style, ind: string): string[] {
  const q = dtIrqFor(d, index)
  return q === undefined ? [] : [`${ind}    ${style.label('dt:')} ${dtIrqText(q, view, style)}`]
}

/** DT entries no VFIO region/IRQ line shows (device not opened, PCI, or more entries than indexes); -vv. */
export function dtUnpairedLines(d: Device, view: ViewOptions, style: Style, ind: string): string[] {
  const n = d.ofNode
  if (n === null || view.verbose < 2) return []
  const v = d.vfio !== null && d.vfio.ok && d.pci === null ? d.vfio.value : null
  const regs = (n.reg ?? []).filter((r) => v === null || r.index >= v.numRegions)
  const irqs = (n.interrupts ?? []).filter((q) => v === null || q.index >= v.numIrqs)
  const note = v !== null ? style.dim(' (no VFIO index)') : ''
  return [
    ...regs.map((r) => `${ind}  ${dtRegText(r, view, style)}${note}`),
    ...irqs.map((q) => `${ind}  ${dtIrqText(q, view, style)}${note}`),
  ]
}

const leaf = (label: string): TreeNode => ({ label, children: [] })

/** Tree: the node's path and compatible as the first child of a device (-vv; the label has compatible[0]). */
export function dtPathNode(d: Device, view: ViewOptions, style: Style): TreeNode | null {
  const n = d.ofNode
  if (n === null || view.verbose < 2) return null
  const compat = n.compatible.map((c) => `"${c}"`).join(' ')
  return { label: `dt ${style.addr(n.path)}${compat !== '' ? ` ${compat}` : ''}`, children: dtUnpairedLines(d, view, style, '').map((l) => leaf(l.trim())) }
}

export function dtRegLeaf(d: Device, index: number, vfioSize: bigint, view: ViewOptions, style: Style): TreeNode | null {
  const r = view.verbose >= 1 ? dtRegFor(d, index) : undefined
  return r === undefined ? null : leaf(`dt ${dtRegText(r, view, style, vfioSize)}`)
}

export function dtIrqLeaf(d: Device, index: number, view: ViewOptions, style: Style): TreeNode | null {
  const q = view.verbose >= 1 ? dtIrqFor(d, index) : undefined
  return q === undefined ? null : leaf(`dt ${dtIrqText(q, view, style)}`)
}
