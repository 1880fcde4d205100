// One row per device (--table): the view `dpdk-devbind.py --status` users know, with the group, its
// viability and whether the device is ready for passthrough (the verdict of `lsvfio check`). The only
// cli-table3 import; the rows themselves are built by a pure function so tests can check them without
// the table drawing.
import Table from 'cli-table3'
import type { Verdict } from '../model/diagnostics.js'
import type { Device, Inventory, IommuGroup } from '../model/types.js'
import { groupName } from './format.js'
import type { Style } from './style.js'
import { pciDescription } from './text-device.js'
import type { ViewOptions } from './view.js'

export const TABLE_HEAD = ['ADDRESS', 'DEVICE', 'DRIVER', 'GROUP', 'VIABLE', 'READY'] as const

/** "yes", or the first reason it is not (the name `lsvfio check` gives it); "" for bridges, never judged. */
function readyCell(v: Verdict | undefined, style: Style): string {
  if (v === undefined) return ''
  const first = v.reasons[0]
  return first === undefined ? style.ok('yes') : style.bad(`no: ${first.kind}`)
}

function row(g: IommuGroup | null, d: Device, verdicts: ReadonlyMap<string, Verdict>, view: ViewOptions, style: Style): string[] {
  const what = d.pci !== null ? pciDescription(d.pci, view.numeric) : `${d.bus} ${d.ofNode?.compatible[0] ?? ''}`.trim()
  const viable = g === null ? '' : g.viability.viable ? style.ok('yes') : style.bad('no')
  const driver = d.driver === null ? style.dim('-') : d.driverOverride !== null && d.driverOverride !== d.driver ? `${d.driver} (override ${d.driverOverride})` : d.driver
  const cells = [d.address, what, driver, g === null ? '-' : groupName(g), viable, readyCell(verdicts.get(d.address), style)]
  return d.bridge ? cells.map((c) => style.dim(c)) : cells
}

/** Pure rows (without the head), one per device, in group order. */
export function tableRows(inv: Inventory, verdicts: readonly Verdict[], view: ViewOptions, style: Style): string[][] {
  const byAddress = new Map(verdicts.map((v) => [v.address, v]))
  const rows: string[][] = []
  for (const g of inv.groups) for (const d of g.devices) rows.push(row(g, d, byAddress, view, style))
  for (const d of inv.ungrouped) rows.push(row(null, d, byAddress, view, style))
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

export function renderTable(inv: Inventory, verdicts: readonly Verdict[], view: ViewOptions, style: Style): string[] {
  return toTable(tableRows(inv, verdicts, view, style), style)
}
