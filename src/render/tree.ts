// IOMMU group → device → regions / IRQs / caps as a tree (lspci -t's ls-tree.c, one level deeper).
import type { Device, IommuGroup, Inventory, IrqEntry, RegionEntry, VfioDeviceView } from '../model/types.js'
import { bracket, compactRegionFlags, dropGroupHint, formatError, formatSize, hasFlag, hex, isQuirk, pageSizes, plural, quirkText } from './format.js'
import type { Style } from './style.js'
import { capLines } from './text-caps.js'
import { dtIrqLeaf, dtPathNode, dtRegLeaf } from './text-devicetree.js'
import { deviceLabel } from './text-device.js'
import { holderSuffix } from './text-diagnose.js'
import { groupHeader } from './text-group.js'
import { hostResourceString } from './text-vfio.js'
import { NO_OPEN_NOTE, hostProblemLines } from './text-host.js'
import type { TreeNode } from './tree-node.js'
import type { ViewOptions } from './view.js'

const leaf = (label: string): TreeNode => ({ label, children: [] })

const BOX = { tee: '├─ ', last: '└─ ', pipe: '│  ', gap: '   ' } as const
const ASCII = { tee: '|- ', last: '`- ', pipe: '|  ', gap: '   ' } as const

/** Draws a forest: roots at column 0, children with connectors. */
export function drawTree(roots: readonly TreeNode[], ascii = false): string[] {
  const c = ascii ? ASCII : BOX
  const out: string[] = []
  const walk = (n: TreeNode, prefix: string): void => {
    n.children.forEach((child, i) => {
      const last = i === n.children.length - 1
      out.push(prefix + (last ? c.last : c.tee) + child.label)
      walk(child, prefix + (last ? c.gap : c.pipe))
    })
  }
  for (const r of roots) {
    out.push(r.label)
    walk(r, '')
  }
  return out
}

function errorNode(label: string, e: Parameters<typeof formatError>[0], view: ViewOptions, style: Style): TreeNode {
  const hint = e.hint !== undefined && view.verbose >= 1 ? [leaf(style.bad(`hint: ${e.hint}`))] : []
  return { label: `${label}${style.bad(formatError(e))}`, children: hint }
}

function regionNode(e: RegionEntry, view: ViewOptions, style: Style): TreeNode | null {
  const info = e.info
  if (isQuirk(info)) return view.verbose >= 2 ? leaf(style.dim(`${e.name}: ${quirkText(info)}`)) : null
  if (!info.ok) return errorNode(`${e.name}: `, info.error, view, style)
  const r = info.value
  if (r.absent) return view.verbose >= 2 ? leaf(style.dim(`${e.name}: absent`)) : null
  const flags = view.verbose >= 2 ? bracket(r.flagNames) : `[${compactRegionFlags(r.flagNames)}]`
  const offset = view.verbose >= 1 ? ` @ ${hex(r.offset)}` : ''
  const caps = r.caps.map((cap): TreeNode => {
    const [head = '', ...rest] = capLines(cap, view, style)
    return { label: head, children: rest.map((l) => leaf(l.trim())) }
  })
  return { label: `${e.name}: ${formatSize(r.size)}${offset} ${flags}`, children: caps }
}

function irqNode(e: IrqEntry, view: ViewOptions, style: Style): TreeNode | null {
  const info = e.info
  const name = /^irq /i.test(e.name) ? `IRQ ${e.index}` : `IRQ ${e.name}`
  if (isQuirk(info)) return view.verbose >= 2 ? leaf(style.dim(`${name}: ${quirkText(info)}`)) : null
  if (!info.ok) return errorNode(`${name}: `, info.error, view, style)
  if (info.value.count === 0 && view.verbose < 3) return null
  return leaf(`${name}: ${info.value.count} ${bracket(info.value.flagNames)}`)
}

function vfioChildren(d: Device, v: VfioDeviceView, view: ViewOptions, style: Style): TreeNode[] {
  const nodes: TreeNode[] = []
  for (const e of v.regions) {
    const n = regionNode(e, view, style)
    const info = e.info
    const dt = n !== null && !isQuirk(info) && info.ok ? dtRegLeaf(d, e.index, info.value.size, view, style) : null
    if (n !== null) nodes.push(dt === null ? n : { ...n, children: [dt, ...n.children] })
  }
  for (const e of v.irqs) {
    const n = irqNode(e, view, style)
    const dt = n !== null ? dtIrqLeaf(d, e.index, view, style) : null
    if (n !== null) nodes.push(dt === null ? n : { ...n, children: [dt, ...n.children] })
  }
  const gfx = v.gfx
  if (gfx !== undefined) nodes.push(gfx.ok ? leaf(`display: ${gfx.value === null ? 'none' : [...(gfx.value.dmabuf ? ['dma-buf'] : []), ...(gfx.value.region ? ['region'] : [])].join(' ') || 'none'}`) : errorNode('display: ', gfx.error, view, style))
  const methods = d.resetMethods !== null && d.resetMethods.length > 0 ? ` (${d.resetMethods.join(' ')})` : ''
  nodes.push(leaf(hasFlag(v.flagNames, 'reset') ? `reset: ${style.ok('yes')}${methods}` : `reset: ${style.warn('no')}`))
  const h = v.hotReset
  if (view.verbose >= 2 && h !== null) {
    if (isQuirk(h)) nodes.push(leaf(style.dim(`hot reset: ${quirkText(h)}`)))
    else if (!h.ok) nodes.push(errorNode('hot reset: ', h.error, view, style))
    else nodes.push({ label: `hot reset affects ${plural(h.value.devices.length, 'device')}`, children: h.value.devices.map((x) => leaf(style.addr(x.address))) })
  }
  return nodes
}

function deviceNode(d: Device, g: IommuGroup | null, view: ViewOptions, style: Style): TreeNode {
  const label = deviceLabel(d, g, view, style)
  const dt = dtPathNode(d, view, style)
  if (d.vfio !== null && d.vfio.ok) return { label, children: [...(dt === null ? [] : [dt]), ...vfioChildren(d, d.vfio.value, view, style)] }
  const children: TreeNode[] = dt === null ? [] : [dt]
  if (d.vfio !== null && view.verbose >= 1) children.push(errorNode('', dropGroupHint(d.vfio.error, g), view, style))
  if (view.verbose >= (d.bridge ? 2 : 1))
    for (const r of d.resources) if (r.kind !== 'none') children.push(leaf(`resource ${r.index}: ${hostResourceString(r)}`))
  return { label, children }
}

function groupNode(g: IommuGroup, view: ViewOptions, style: Style): TreeNode {
  const children: TreeNode[] = []
  if (view.verbose >= 1 && g.status !== null && !g.status.ok) children.push(errorNode('group: ', g.status.error, view, style))
  if (view.verbose >= 1 && g.container !== null) {
    const c = g.container
    if (!c.ok) children.push(errorNode('container: ', c.error, view, style))
    else {
      const i = c.value.iommuInfo
      const sizes = i !== null && i.ok ? `, page sizes ${pageSizes(i.value.pageSizes).join(' ')}` : ''
      children.push(leaf(`container: IOMMU ${c.value.model}${sizes}`))
    }
  }
  for (const d of g.devices) children.push(deviceNode(d, g, view, style))
  return { label: groupHeader(g, style), children }
}

export function renderTree(inv: Inventory, view: ViewOptions, style: Style): string[] {
  const lines: string[] = []
  if (!inv.opened) lines.push(style.warn(`Note: ${NO_OPEN_NOTE}`))
  lines.push(...hostProblemLines(inv, style))
  const roots = inv.groups.map((g) => {
    const n = groupNode(g, view, style)
    return { ...n, label: n.label + holderSuffix(g, inv.diagnostics, style) }
  })
  if (inv.ungrouped.length > 0)
    roots.push({
      label: style.warn('no IOMMU group'),
      children: inv.ungrouped.map((d) => deviceNode(d, null, view, style)),
    })
  roots.push(...mdevRoots(inv, style))
  lines.push(...drawTree(roots, view.ascii === true))
  return lines
}

/** mdev parent → type (instances left) → the mdevs made from it, with their IOMMU group. */
function mdevRoots(inv: Inventory, style: Style): TreeNode[] {
  const groupOf = new Map(inv.groups.flatMap((g) => g.devices.map((d) => [d.address, g.id] as const)))
  return (inv.mdev?.parents ?? []).map((p) => ({
    label: `${style.heading(`mdev parent ${p.name}`)}${p.driver !== null ? `  driver=${p.driver}` : ''}`,
    children: p.types.map((t) => ({
      label: `${style.addr(t.id)}  ${t.deviceApi ?? '?'}  available ${t.availableInstances ?? '?'}`,
      children: t.devices.map((u) => leaf(`${u}${groupOf.has(u) ? `  group ${groupOf.get(u)}` : ''}`)),
    })),
  }))
}
