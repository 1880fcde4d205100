// Device selection with lspci's syntax: -s [[[[domain]:]bus]:][dev][.fn], -d [vendor]:[device][:class].
import { UsageError } from '../errors.js'

export interface SlotFilter {
  domain: number | null
  bus: number | null
  dev: number | null
  fn: number | null
}

export interface IdFilter {
  vendor: number | null
  device: number | null
  /** class and optional prog-if: class is 16-bit (base<<8|sub), matched against classCode>>8 */
  cls: number | null
  progIf: number | null
}

export interface Selection {
  slot: SlotFilter | null
  /** Exact device name for non-PCI devices (platform "a000000.virtio_mmio"). */
  name: string | null
  id: IdFilter | null
  group: number | null
  driver: string | null
}

export const ALL: Selection = { slot: null, name: null, id: null, group: null, driver: null }

/** True when nothing was selected: every device is shown (and check takes the ones meant for VFIO). */
export function selectsAll(sel: Selection): boolean {
  return sel.slot === ALL.slot && sel.name === ALL.name && sel.id === ALL.id && sel.group === ALL.group && sel.driver === ALL.driver
}

function hexField(s: string, max: number, what: string, arg: string): number | null {
  if (s === '' || s === '*') return null
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new UsageError(`-s ${arg}: ${what} "${s}" is not hexadecimal; expected [[[[domain]:]bus]:][dev][.fn], e.g. -s 01:00.0`)
  const n = parseInt(s, 16)
  if (n > max) throw new UsageError(`-s ${arg}: ${what} 0x${s} is out of range (at most 0x${max.toString(16)})`)
  return n
}

/** Parses an lspci -s selector. A string that is not PCI-shaped (contains letters beyond hex and '.') is a device name. */
export function parseSlot(arg: string): { slot: SlotFilter | null; name: string | null } {
  if (arg === '') throw new UsageError('-s needs a value: [[[[domain]:]bus]:][dev][.fn], e.g. -s 0000:01:00.0')
  // Platform/AMBA names such as "a000000.virtio_mmio" or "9000000.pl011"; mdev UUIDs.
  if (/[g-zG-Z_]/.test(arg) && !arg.includes(':')) return { slot: null, name: arg }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(arg)) return { slot: null, name: arg.toLowerCase() }
  const parts = arg.split(':')
  if (parts.length > 3) throw new UsageError(`-s ${arg}: too many ':'; expected [[[[domain]:]bus]:][dev][.fn]`)
  const last = parts.pop() ?? ''
  const [devS = '', fnS, extra] = last.split('.')
  if (extra !== undefined) throw new UsageError(`-s ${arg}: too many '.'; expected [[[[domain]:]bus]:][dev][.fn]`)
  const busS = parts.pop()
  const domS = parts.pop()
  return {
    slot: {
      domain: domS === undefined ? null : hexField(domS, 0xffff, 'domain', arg),
      bus: busS === undefined ? null : hexField(busS, 0xff, 'bus', arg),
      dev: hexField(devS, 0x1f, 'device', arg),
      fn: fnS === undefined ? null : hexField(fnS, 7, 'function', arg),
    },
    name: null,
  }
}

export function parseId(arg: string): IdFilter {
  const parts = arg.split(':')
  if (parts.length < 2 || parts.length > 4) throw new UsageError(`-d ${arg}: expected [vendor]:[device][:class[:prog-if]], e.g. -d 8086: or -d 10de:1b80`)
  const f = (s: string | undefined, max: number, what: string): number | null => {
    if (s === undefined || s === '' || s === '*') return null
    if (!/^[0-9a-fA-F]+$/.test(s) || parseInt(s, 16) > max) throw new UsageError(`-d ${arg}: ${what} "${s}" is not a hexadecimal number up to 0x${max.toString(16)}`)
    return parseInt(s, 16)
  }
  return { vendor: f(parts[0], 0xffff, 'vendor'), device: f(parts[1], 0xffff, 'device'), cls: f(parts[2], 0xffff, 'class'), progIf: f(parts[3], 0xff, 'prog-if') }
}

export function parseGroup(arg: string): number {
  const s = arg.startsWith('noiommu-') ? arg.slice(8) : arg
  if (!/^\d+$/.test(s)) throw new UsageError(`-g ${arg}: expected an IOMMU group number such as 12 (or noiommu-3)`)
  return Number(s)
}

export interface Selectable {
  address: string
  pci: { vendorId: number; deviceId: number; classCode: number } | null
  driver: string | null
}

const BDF = /^([0-9a-f]{4,}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/

export function matches(sel: Selection, d: Selectable, group: number | null): boolean {
  if (sel.group !== null && group !== sel.group) return false
  if (sel.driver !== null && d.driver !== sel.driver) return false
  if (sel.name !== null && d.address !== sel.name) return false
  if (sel.slot !== null) {
    const m = BDF.exec(d.address)
    if (!m) return false
    const [dom, bus, dev, fn] = [m[1], m[2], m[3], m[4]].map((x) => parseInt(x ?? '', 16))
    const s = sel.slot
    if (s.domain !== null && s.domain !== dom) return false
    if (s.bus !== null && s.bus !== bus) return false
    if (s.dev !== null && s.dev !== dev) return false
    if (s.fn !== null && s.fn !== fn) return false
  }
  if (sel.id !== null) {
    if (d.pci === null) return false
    const i = sel.id
    if (i.vendor !== null && i.vendor !== d.pci.vendorId) return false
    if (i.device !== null && i.device !== d.pci.deviceId) return false
    if (i.cls !== null && i.cls !== d.pci.classCode >> 8) return false
    if (i.progIf !== null && i.progIf !== (d.pci.classCode & 0xff)) return false
  }
  return true
}
