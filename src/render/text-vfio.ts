// What the kernel said through a device fd: regions, IRQs, reset, hot reset, features (-v and up).
import { layoutLines } from './layout.js'
import type { Device, HostResource, IrqEntry, Region, RegionEntry, VfioDeviceView } from '../model/types.js'
import { capsLines } from './text-caps.js'
import { hwInfoDataLines } from './text-hwinfo.js'
import { dtIrqLines, dtRegionLines } from './text-devicetree.js'
import { bracket, compactRegionFlags, errorLines, formatError, formatSize, hasFlag, hex, isQuirk, plural, quirkText } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

/** sysfs resource N matches VFIO region N for PCI BARs 0–5 and the ROM (6); index 7 is CONFIG in VFIO. */
export function hostResourceFor(device: Device, regionIndex: number): HostResource | undefined {
  if (device.pci === null || regionIndex > 6) return undefined
  return device.resources.find((r) => r.index === regionIndex && r.kind !== 'none')
}

/** "mem 0xfebf0000-0xfebf3fff [size=16K] 64-bit prefetchable" */
export function hostResourceString(r: HostResource): string {
  const attrs = [r.is64 ? '64-bit' : '', r.prefetch ? 'prefetchable' : ''].filter((s) => s !== '')
  return [`${r.kind} ${hex(r.start)}-${hex(r.end)} [size=${formatSize(r.size)}]`, ...attrs].join(' ')
}

function regionSummary(device: Device, r: Region, view: ViewOptions, style: Style): string {
  const flags = view.verbose >= 2 ? bracket(r.flagNames) : `[${compactRegionFlags(r.flagNames)}]`
  const raw = view.verbose >= 3 ? style.dim(` flags=${hex(r.flags)}`) : ''
  let line = `${formatSize(r.size)} @ vfio offset ${hex(r.offset)} ${flags}${raw}`
  const host = hostResourceFor(device, r.index)
  if (host !== undefined && view.verbose < 2) line += ` host ${host.kind === 'io' ? 'io ' : ''}${style.addr(hex(host.start))}`
  return line
}

function regionLines(device: Device, e: RegionEntry, view: ViewOptions, style: Style, ind: string): string[] {
  const label = style.label(`${e.name}:`)
  const info = e.info
  if (isQuirk(info)) {
    if (view.verbose < 2) return []
    return [`${ind}${label} ${style.dim(quirkText(info))}`]
  }
  if (!info.ok) return [`${ind}${label}`, ...errorLines(info.error, style, `${ind}  `)]
  const r = info.value
  if (r.absent) return view.verbose >= 2 ? [`${ind}${label} ${style.dim('absent')}${view.verbose >= 3 ? style.dim(` flags=${hex(r.flags)} size=0`) : ''}`] : []
  const lines = [`${ind}${label} ${regionSummary(device, r, view, style)}`, ...dtRegionLines(device, r.index, r.size, view, style, ind)]
  if (view.verbose >= 2) {
    lines.push(...capsLines(r.caps, view, style, `${ind}    cap `))
    const host = hostResourceFor(device, r.index)
    if (host !== undefined) {
      const differs = host.size !== r.size ? style.warn(` (VFIO reports ${formatSize(r.size)})`) : ''
      lines.push(`${ind}    host: ${style.addr(hostResourceString(host))}${differs}`)
    }
  }
  return lines
}

function isAbsent(e: RegionEntry): boolean {
  return !isQuirk(e.info) && e.info.ok && e.info.value.absent
}

/** Regions in index order; below -vvv consecutive absent BARs share one line ("BAR1 BAR2 ROM: absent"). */
function regionsLines(device: Device, entries: readonly RegionEntry[], view: ViewOptions, style: Style, ind: string): string[] {
  if (view.verbose >= 3) return entries.flatMap((e) => regionLines(device, e, view, style, ind))
  const lines: string[] = []
  let run: string[] = []
  const flush = (): void => {
    if (run.length > 0 && view.verbose >= 2) lines.push(`${ind}${style.label(`${run.join(' ')}:`)} ${style.dim('absent')}`)
    run = []
  }
  for (const e of entries) {
    if (isAbsent(e)) {
      run.push(e.name)
      continue
    }
    flush()
    lines.push(...regionLines(device, e, view, style, ind))
  }
  flush()
  return lines
}

function irqLines(e: IrqEntry, view: ViewOptions, style: Style, ind: string): string[] {
  // Non-PCI IRQs are named "irq N" by the model: avoid "IRQ irq 0".
  const label = style.label(/^irq /i.test(e.name) ? `IRQ ${e.index}:` : `IRQ ${e.name}:`)
  const info = e.info
  if (isQuirk(info)) {
    if (view.verbose < 2) return []
    return [`${ind}${label} ${style.dim(quirkText(info))}`]
  }
  if (!info.ok) return [`${ind}${label}`, ...errorLines(info.error, style, `${ind}  `)]
  const q = info.value
  if (q.count === 0 && view.verbose < 3) return []
  // No NORESIZE on MSI-X means the kernel can add vectors while enabled (docs/vfio-abi.md, Device).
  const dynamic =
    view.verbose >= 2 && e.name.toUpperCase() === 'MSI-X' && q.count > 0 && !hasFlag(q.flagNames, 'noresize')
      ? style.dim(' (dynamic allocation)')
      : ''
  const raw = view.verbose >= 3 ? style.dim(` flags=${hex(q.flags)}`) : ''
  return [`${ind}${label} ${q.count} ${bracket(q.flagNames)}${raw}${dynamic}`]
}

function resetLine(device: Device, v: VfioDeviceView, style: Style, ind: string): string {
  const methods = device.resetMethods
  const m = methods !== null && methods.length > 0 ? methods.join(' ') : null
  if (hasFlag(v.flagNames, 'reset')) return `${ind}${style.label('Reset:')} ${style.ok('yes')}${m !== null ? ` (${m})` : ''}`
  // sysfs can list a method VFIO could not use (a stale "bus" for a device behind a bridge, seen in the test VM).
  if (device.pci === null) return `${ind}${style.label('Reset:')} ${style.warn('no')}`
  const why = m !== null ? `sysfs reset_method says ${m}` : 'no reset method'
  return `${ind}${style.label('Reset:')} ${style.warn('no')} ${style.dim(`(${why})`)}`
}

function hotResetLines(v: VfioDeviceView, view: ViewOptions, style: Style, ind: string): string[] {
  const h = v.hotReset
  if (h === null) return []
  const label = style.label('Hot reset:')
  if (isQuirk(h)) return [`${ind}${label} ${style.dim(quirkText(h))}`]
  if (!h.ok) return [`${ind}${label}`, ...errorLines(h.error, style, `${ind}  `)]
  const byDevid = hasFlag(h.value.flagNames, 'dev-id')
  const raw = view.verbose >= 3 ? style.dim(` flags=${hex(h.value.flags)} ${bracket(h.value.flagNames)}`) : ''
  const head = `${ind}${label} ${h.value.devices.length} affected device${h.value.devices.length === 1 ? '' : 's'}${raw}`
  return [
    head,
    ...h.value.devices.map((d) => `${ind}  ${style.addr(d.address)} (${byDevid ? 'devid' : 'group'} ${d.groupOrDevid})`),
  ]
}

function featureLines(v: VfioDeviceView, view: ViewOptions, style: Style, ind: string): string[] {
  if (v.features.length === 0) return view.verbose >= 3 ? [`${ind}${style.label('Features:')} ${style.dim('none probed')}`] : []
  const lines = [`${ind}${style.label('Features:')}`]
  for (const f of v.features) {
    // ids with no name yet: shown when the driver has them, or at -vvv with their answer
    if (/^feature\d+$/.test(f.name) && !f.supported && f.error === undefined && view.verbose < 3) continue
    const id = view.verbose >= 3 ? style.dim(` (id ${f.id})`) : ''
    const detail = f.detail !== undefined && f.detail.length > 0 ? ` ${bracket(f.detail)}` : ''
    if (f.supported) {
      lines.push(`${ind}  ${f.name}${id}: ${style.ok('supported')}${detail}`)
      if (f.error !== undefined) lines.push(...errorLines(f.error, style, `${ind}    `))
    } else if (f.error === undefined || f.error.code === 'ENOTTY')
      // ENOTTY is how the kernel says "this driver has no such feature": an answer, not a failure.
      lines.push(`${ind}  ${f.name}${id}: ${style.dim(`not supported${f.code !== undefined && view.verbose >= 3 ? ` (${f.code})` : f.error !== undefined ? ' (ENOTTY)' : ''}`)}`)
    else lines.push(`${ind}  ${f.name}${id}:`, ...errorLines(f.error, style, `${ind}    `))
  }
  return lines
}

function iommufdLines(device: Device, v: VfioDeviceView, view: ViewOptions, style: Style, ind: string): string[] {
  const where = `${ind}${style.label('Via:')} cdev ${style.addr(device.cdev ?? '?')} + /dev/iommu`
  if (v.iommufd === null) return [where]
  const hw = v.iommufd.hwInfo
  const info = hw.ok
    ? `IOMMU ${hw.value.typeName}${hw.value.capabilityNames.length > 0 ? ` ${bracket(hw.value.capabilityNames)}` : ''}${hw.value.maxPasidLog2 > 0 ? `, PASID ${hw.value.maxPasidLog2} bits` : ''}`
    : style.bad(`IOMMU_GET_HW_INFO: ${hw.error.code}`)
  const data = hw.ok && view.verbose >= 2 ? hwInfoDataLines(hw.value.data, hw.value.typeName, style, `${ind}  `) : []
  return [`${where}, devid ${v.iommufd.devid}, ${info}`, ...data]
}

/** -vv: region layout pictures (sparse mmap, MSI-X) and which config ranges vfio-pci virtualizes. */
function layoutAndConfigLines(v: VfioDeviceView, style: Style, ind: string): string[] {
  const cfg = v.config?.ok ? v.config.value : null
  const out: string[] = []
  for (const e of v.regions) {
    if (!('ok' in e.info) || !e.info.ok) continue
    out.push(...layoutLines(e.name, e.info.value, cfg, style, ind))
  }
  if (v.config !== null && !v.config.ok) out.push(`${ind}${style.label('Config:')} ${style.bad(formatError(v.config.error))}`)
  if (cfg !== null) {
    out.push(`${ind}${style.label('Config:')} ${cfg.bytes.length} bytes through the CONFIG region; virtualized by vfio-pci:`)
    for (const r of cfg.virtualized) out.push(`${ind}  ${style.dim(`0x${r.offset.toString(16).padStart(3, '0')}-0x${(r.offset + r.size - 1).toString(16).padStart(3, '0')}`)} ${r.what}`)
  }
  return out
}

/** Detail lines for an opened device, indented by `ind`. */
export function vfioLines(device: Device, v: VfioDeviceView, view: ViewOptions, style: Style, ind: string): string[] {
  const lines: string[] = []
  const raw = view.verbose >= 3 ? ` ${hex(v.flags)}` : ''
  lines.push(`${ind}${style.label('VFIO:')} flags${raw} ${bracket(v.flagNames)}, ${plural(v.numRegions, 'region')}, ${plural(v.numIrqs, 'IRQ')}`)
  if (v.via === 'cdev') lines.push(...iommufdLines(device, v, view, style, ind))
  if (view.verbose >= 2) lines.push(...capsLines(v.caps, view, style, `${ind}  cap `))
  lines.push(...regionsLines(device, v.regions, view, style, ind))
  if (view.verbose >= 2) lines.push(...layoutAndConfigLines(v, style, ind))
  for (const e of v.irqs) {
    const l = irqLines(e, view, style, ind)
    lines.push(...l, ...(l.length > 0 ? dtIrqLines(device, e.index, view, style, ind) : []))
  }
  lines.push(resetLine(device, v, style, ind))
  if (view.verbose >= 2) {
    lines.push(...hotResetLines(v, view, style, ind))
    lines.push(...featureLines(v, view, style, ind))
  }
  return lines
}
