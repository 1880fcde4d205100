// One device: the lspci-like summary line, and its -v/-vv detail block.
import type { Device, IommuGroup, PciIdentity } from '../model/types.js'
import { dropGroupHint, errorLines, errorMarker, hasFlag, hex, hexPad } from './format.js'
import type { Style } from './style.js'
import { dtUnpairedLines } from './text-devicetree.js'
import { mdevDetailLines, mdevIdentity } from './text-mdev.js'
import { hostResourceString, vfioLines } from './text-vfio.js'
import { agreementLines, predictedLines, predictedSummary } from './text-predicted.js'
import type { ViewOptions } from './view.js'

/** classCode is the 24-bit sysfs value (base, sub, prog-if); lspci shows base+sub: "0200". */
function classId(p: PciIdentity): string {
  return hexPad(p.classCode >> 8, 4)
}

/** lspci's naming, including its fallbacks for unknown IDs ("Device 1234:11e8"). */
export function pciDescription(p: PciIdentity, numeric: ViewOptions['numeric']): string {
  const ids = `${hexPad(p.vendorId, 4)}:${hexPad(p.deviceId, 4)}`
  const rev = p.revision !== null && p.revision !== 0 ? ` (rev ${hexPad(p.revision, 2)})` : ''
  if (numeric === 1) return `${classId(p)}: ${ids}${rev}`
  let names: string
  if (p.vendorName !== null && p.deviceName !== null) names = `${p.vendorName} ${p.deviceName}`
  else if (p.vendorName !== null) names = `${p.vendorName} Device ${hexPad(p.deviceId, 4)}`
  else names = numeric === 2 ? 'Device' : `Device ${ids}`
  const cls = p.className ?? `Class ${classId(p)}`
  if (numeric === 2) return `${p.className ?? 'Class'} [${classId(p)}]: ${names} [${ids}]${rev}`
  return `${cls}: ${names}${rev}`
}

/** The subsystem as lspci -v prints it: names from pci.ids, "Device" and the number for what it lacks;
 * -n numbers only, -nn both. */
export function subsystemDescription(sv: number, sd: number, p: PciIdentity, numeric: ViewOptions['numeric']): string {
  const ids = `${hexPad(sv, 4)}:${hexPad(sd, 4)}`
  if (numeric === 1) return ids
  const v = p.subsystemVendorName ?? null
  const d = p.subsystemName ?? null
  if (numeric === 2) return v !== null && d !== null ? `${v} ${d} [${ids}]` : v === null ? `Device [${ids}]` : `${v} Device [${ids}]`
  return v !== null && d !== null ? `${v} ${d}` : v === null ? `Device ${ids}` : `${v} Device ${hexPad(sd, 4)}`
}

function identity(d: Device, view: ViewOptions): string {
  if (d.pci !== null) return pciDescription(d.pci, view.numeric)
  const mdev = mdevIdentity(d)
  if (mdev !== null) return mdev
  const compat = d.ofNode?.compatible[0]
  return `${d.bus} device${compat !== undefined ? `: ${compat}` : ''}`
}

/** The one line per device of verbose 0 (also the head of the -v block). */
export function deviceLine(d: Device, g: IommuGroup | null, view: ViewOptions, style: Style): string {
  return `  ${deviceLabel(d, g, view, style)}`
}

/** A device line without indentation: address, identity, driver, VFIO summary or failure marker. */
export function deviceLabel(d: Device, g: IommuGroup | null, view: ViewOptions, style: Style): string {
  const blocker = g?.viability.blockers.some((b) => b.address === d.address) === true
  const parts: string[] = []
  if (d.driver === null) parts.push(style.dim('no driver'))
  else parts.push(blocker ? style.bad(`driver=${d.driver}`) : d.vfioDriver ? style.ok(`driver=${d.driver}`) : `driver=${d.driver}`)
  if (d.driverOverride !== null) parts.push(style.warn(`override=${d.driverOverride}`))
  if (d.vfio !== null) {
    if (d.vfio.ok) {
      const v = d.vfio.value
      parts.push(`regions ${v.numRegions} irqs ${v.numIrqs}${hasFlag(v.flagNames, 'reset') ? ` ${style.ok('reset')}` : ''}`)
    } else {
      parts.push(style.bad(errorMarker(d.vfio.error)))
    }
  } else if (d.predicted !== undefined) parts.push(predictedSummary(d.predicted, style))
  if (d.bridge) return style.dim(`${d.address} ${identity(d, view)}  ${parts.join('  ')}`)
  return `${style.addr(d.address)} ${identity(d, view)}  ${parts.join('  ')}`
}

/** Host resources as lspci -v prints them, for devices that were not opened. */
export function sysfsResourceLines(d: Device, style: Style, ind: string): string[] {
  return d.resources
    .filter((r) => r.kind !== 'none')
    .map((r) => {
      const what = r.index === 6 && d.pci !== null ? 'Expansion ROM' : `Region ${r.index}`
      return `${ind}${style.label(`${what}:`)} ${style.addr(hostResourceString(r))}`
    })
}

/** Detail lines under a device line for verbose ≥ 1. */
export function deviceDetail(d: Device, g: IommuGroup | null, view: ViewOptions, style: Style): string[] {
  const ind = '        '
  const lines: string[] = []
  const p = d.pci
  if (d.bridge && view.verbose < 2) return lines
  if (p !== null && p.subsystemVendorId !== null && p.subsystemDeviceId !== null)
    lines.push(`${ind}${style.label('Subsystem:')} ${subsystemDescription(p.subsystemVendorId, p.subsystemDeviceId, p, view.numeric)}`)
  if (view.verbose >= 3 && p !== null) lines.push(`${ind}${style.label('Class:')} ${hexPad(p.classCode, 6)}`)
  if (d.ofNode !== null) {
    const compat = d.ofNode.compatible.map((c) => `"${c}"`).join(' ')
    lines.push(`${ind}${style.label('Device tree:')} ${style.addr(d.ofNode.path)}${compat !== '' ? ` compatible ${compat}` : ''}`)
    lines.push(...dtUnpairedLines(d, view, style, ind))
  }
  if (view.verbose >= 2 && d.numaNode !== null) lines.push(`${ind}${style.label('NUMA node:')} ${d.numaNode}`)
  if (d.cdev !== null) lines.push(`${ind}${style.label('cdev:')} ${style.addr(d.cdev)}`)
  lines.push(...mdevDetailLines(d, d.vfio?.ok === true ? d.vfio.value.gfx : undefined, style, ind))
  if (d.vfio !== null && d.vfio.ok) {
    lines.push(...vfioLines(d, d.vfio.value, view, style, ind))
    if (d.agreement !== undefined) lines.push(...agreementLines(d.agreement, style, ind))
    if (view.verbose >= 2) {
      // Resources sysfs knows that have no VFIO region (SR-IOV VF BARs, bridge windows).
      const extra = d.resources.filter((r) => r.kind !== 'none' && (d.pci === null || r.index > 6))
      for (const r of extra) lines.push(`${ind}${style.label(`host resource ${r.index}:`)} ${style.addr(hostResourceString(r))}`)
    }
    return lines
  }
  if (d.vfio !== null) lines.push(...errorLines(dropGroupHint(d.vfio.error, g), style, ind))
  lines.push(...sysfsResourceLines(d, style, ind))
  if (d.predicted !== undefined) lines.push(...predictedLines(d.predicted, view, style, ind))
  if (p !== null && !d.bridge) {
    const m = d.resetMethods
    lines.push(`${ind}${style.label('Reset methods:')} ${m !== null && m.length > 0 ? m.join(' ') : style.dim('none')}`)
  }
  if (view.verbose >= 3 && d.resources.some((r) => r.kind === 'none')) {
    for (const r of d.resources.filter((x) => x.kind === 'none'))
      lines.push(`${ind}${style.dim(`Region ${r.index}: unused flags=${hex(r.flags)}`)}`)
  }
  return lines
}

/** lspci -k's two lines: the bound driver, and the modules whose aliases match the device. */
export function kernelLines(d: Device, style: Style): string[] {
  const ind = '        '
  const lines: string[] = []
  if (d.driver !== null) lines.push(`${ind}${style.label('Kernel driver in use:')} ${d.driver}`)
  if (d.kernelModules != null && d.kernelModules.length > 0) lines.push(`${ind}${style.label('Kernel modules:')} ${d.kernelModules.join(', ')}`)
  return lines
}
