// One row per device (--table). The only cli-table3 import; the rows themselves are built by a pure
// function so tests can check them without the table drawing.
import Table from 'cli-table3'
import type { Device, Inventory, IommuGroup } from '../model/types.js'
import { errorMarker, groupName, hasFlag } from './format.js'
import type { Style } from './style.js'
import { pciDescription } from './text-device.js'
import type { ViewOptions } from './view.js'

export const TABLE_HEAD = ['GROUP', 'ADDRESS', 'DEVICE', 'DRIVER', 'VIABLE', 'VFIO'] as const

function vfioCell(d: Device, style: Style): string {
  if (d.vfio === null) return d.vfioDriver ? style.dim('not opened') : ''
  if (!d.vfio.ok) return style.bad(errorMarker(d.vfio.error))
  const v = d.vfio.value
  return `${v.numRegions} regions, ${v.numIrqs} irqs${hasFlag(v.flagNames, 'reset') ? ', reset' : ''}`
}

function row(g: IommuGroup | null, d: Device, view: ViewOptions, style: Style): string[] {
  const what = d.pci !== null ? pciDescription(d.pci, view.numeric) : `${d.bus} ${d.ofNode?.compatible[0] ?? ''}`.trim()
  const viable = g === null ? '' : g.viability.viable ? style.ok('yes') : style.bad('no')
  const driver = d.driver === null ? style.dim('-') : d.driverOverride !== null ? `${d.driver} (override ${d.driverOverride})` : d.driver
  const cells = [g === null ? '-' : groupName(g), d.address, what, driver, viable, vfioCell(d, style)]
  return d.bridge ? cells.map((c) => style.dim(c)) : cells
}

/** Pure rows (without the head), one per device, in group order. */
export function tableRows(inv: Inventory, view: ViewOptions, style: Style): string[][] {
  const rows: string[][] = []
  for (const g of inv.groups) for (const d of g.devices) rows.push(row(g, d, view, style))
  for (const d of inv.ungrouped) rows.push(row(null, d, view, style))
  return rows
}

/** Draws rows with a head line and no borders, so the output stays grep- and column-friendly. */
export function toTable(rows: readonly string[][], style: Style): string[] {
  const t = new Table({
    head: TABLE_HEAD.map((h) => style.label(h)),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  })
  for (const r of rows) t.push(r)
  return t.toString().split('\n').map((l) => l.trimEnd())
}

export function renderTable(inv: Inventory, view: ViewOptions, style: Style): string[] {
  return toTable(tableRows(inv, view, style), style)
}
