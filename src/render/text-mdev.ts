// Mediated devices in the text view: the parents with their types and instances, mdevctl's
// definitions, an mdev's own facts and its display probe.
import type { Device, GfxPlanes, Inventory, MdevDefined, MdevParent, Probe } from '../model/types.js'
import { errorLines } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

const MDEV_BUS = '/sys/class/mdev_bus'

/** "mdev mtty-2 on mtty" for the device line. */
export function mdevIdentity(d: Device): string | null {
  const m = d.mdev
  if (m === undefined) return null
  return `mdev ${m.type ?? '(no type)'}${m.typeName !== null && m.typeName !== m.type ? ` "${m.typeName}"` : ''} on ${m.parent}`
}

function gfxText(g: GfxPlanes | null): string {
  if (g === null) return 'none (no display: QUERY_GFX_PLANE is not implemented)'
  const kinds = [...(g.dmabuf ? ['dma-buf'] : []), ...(g.region ? ['region'] : [])]
  return kinds.length === 0 ? 'the driver answers QUERY_GFX_PLANE but offers neither dma-buf nor region planes' : `primary plane as ${kinds.join(' and ')}`
}

/** Detail lines of an mdev (verbose ≥ 1): type, parent, device API; the display probe when opened. */
export function mdevDetailLines(d: Device, gfx: Probe<GfxPlanes | null> | undefined, style: Style, ind: string): string[] {
  const m = d.mdev
  if (m === undefined) return []
  const lines = [`${ind}${style.label('Mediated:')} type ${m.type ?? '?'}, parent ${style.addr(m.parent)}${m.deviceApi !== null ? `, device API ${m.deviceApi}` : ''}`]
  if (gfx === undefined) return lines
  if (gfx.ok) lines.push(`${ind}${style.label('Display:')} ${gfxText(gfx.value)}`)
  else lines.push(`${ind}${style.label('Display:')}`, ...errorLines(gfx.error, style, ind + '  '))
  return lines
}

function parentLines(p: MdevParent, view: ViewOptions, style: Style): string[] {
  const what = [p.bus, p.driver === null ? null : `driver=${p.driver}`].filter((x) => x !== null).join('  ')
  const lines = [`  ${style.heading(`mdev parent ${p.name}`)}${what !== '' ? `  ${what}` : ''}`]
  if (view.verbose >= 2) lines.push(`    ${style.dim(p.path)}`)
  for (const t of p.types) {
    const avail = t.availableInstances === null ? style.bad('available ?') : t.availableInstances === 0 ? style.warn('available 0') : style.ok(`available ${t.availableInstances}`)
    const name = t.name !== null && t.name !== t.id ? ` "${t.name}"` : ''
    lines.push(`    ${style.addr(t.id)}${name}  ${t.deviceApi ?? '?'}  ${avail}  ${t.devices.length === 0 ? style.dim('no mdevs') : `mdevs ${t.devices.join(' ')}`}`)
    if (view.verbose >= 1 && t.description !== null && t.description !== '') {
      for (const l of t.description.split('\n')) lines.push(`      ${style.dim(l)}`)
    }
  }
  return lines
}

function definedLine(d: MdevDefined, style: Style): string[] {
  const state = d.active ? style.ok('started') : d.parentPresent ? style.warn('not started') : style.bad(`not started: parent ${d.parent} is gone`)
  const lines = [`  ${style.addr(d.uuid)}  ${d.type ?? '?'} on ${d.parent}  start=${d.start ?? '?'}  ${state}`]
  if (!d.active && d.parentPresent)
    lines.push(`    ${style.warn('fix:')} mdevctl start -u ${d.uuid}   (or: echo ${d.uuid} > ${MDEV_BUS}/${d.parent}/mdev_supported_types/${d.type ?? 'TYPE'}/create)`)
  return lines
}

/** The parents and definitions block, after the groups. */
export function mdevLines(inv: Inventory, view: ViewOptions, style: Style): string[] {
  const m = inv.mdev
  if (m === undefined) return []
  const lines: string[] = []
  if (m.parents.length > 0) {
    lines.push(style.heading('Mediated device parents:'))
    for (const p of m.parents) lines.push(...parentLines(p, view, style))
  }
  if (m.defined.length > 0) {
    lines.push(style.heading('Mediated devices defined with mdevctl (/etc/mdevctl.d):'))
    for (const d of m.defined) lines.push(...definedLine(d, style))
  }
  return lines
}
