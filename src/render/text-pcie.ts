// The PCIe path and ACS of each hop, where a shared group's isolation stops and what would split it,
// and the grouping predicted from topology and ACS against the kernel's. Pure.
import type { Diagnostics, Isolation } from '../model/diagnostics.js'
import type { DevicePath, PcieHop } from '../model/pcie.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

const TYPE: Readonly<Record<string, string>> = {
  endpoint: 'endpoint',
  'legacy-endpoint': 'legacy endpoint',
  'rc-endpoint': 'integrated endpoint',
  'rc-event-collector': 'event collector',
  'root-port': 'root port',
  'upstream-port': 'upstream port',
  'downstream-port': 'downstream port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge',
  'pci-to-pcie-bridge': 'PCI-to-PCIe bridge',
  conventional: 'conventional PCI',
  other: 'PCIe function',
}

function hopText(h: PcieHop, style: Style): string {
  const kind = h.type === null ? '?' : (TYPE[h.type] ?? h.type)
  const acs = h.acs === null ? '' : ` ACSCap ${h.acs.capable.join(' ') || '-'} ACSCtl ${h.acs.enabled.join(' ') || '-'}`
  const mark = h.isolates === null ? style.dim(h.note) : h.isolates ? style.ok(h.note) : style.warn(h.note)
  return `${style.addr(h.address)} ${kind}${style.dim(acs)} (${mark})`
}

/** "PCIe path: 0000:01:00.0 endpoint (…) <- 0000:00:10.0 root port ACSCap … (ACS SV+ RR+ CR+ UF+)" */
export function pathLines(p: DevicePath, style: Style, ind: string): string[] {
  const [first, ...up] = p.hops
  if (first === undefined) return []
  const lines = [`${ind}${style.label('PCIe path:')} ${hopText(first, style)}`]
  for (const h of up) lines.push(`${ind}  <- ${hopText(h, style)}`)
  if (up.length === 0) lines.push(`${ind}  on a root bus (no bridge above it)`)
  return lines
}

/** Where isolation stops, what would split the group, and whether the prediction matches the kernel. */
export function isolationLines(iso: Isolation, view: ViewOptions, style: Style, ind: string): string[] {
  const l = iso.link
  if (l === undefined) return [`${ind}${style.label('Shared group:')} ${iso.text}`]
  const lines = [`${ind}${style.label('Shared group:')} ${l.at !== null ? `isolation stops at ${style.addr(l.at)}: ` : ''}${l.text}`]
  lines.push(`${ind}  ${style.label('would split it:')} ${l.split.text}`)
  if (iso.predicted !== undefined && view.verbose >= 1) {
    const agree = iso.predicted.agrees ? style.ok('[kernel agrees]') : style.warn('[kernel differs]')
    lines.push(`${ind}  ${style.label('predicted from topology and ACS:')} ${iso.predicted.members.join(', ')} ${agree}`)
  }
  return lines
}

/** Host lines: the override, and (-v) the predicted grouping against the kernel's. */
export function groupingLines(d: Diagnostics, view: ViewOptions, style: Style): string[] {
  const p = d.pcie
  if (p === undefined) return []
  const lines: string[] = []
  if (p.override !== null) lines.push(style.warn(`Isolation claimed, not enforced: ${p.override.text}.`))
  if (view.verbose < 1) return lines
  const g = p.prediction
  if (g === null) {
    if (p.unpredicted !== null) lines.push(`${style.label('Grouping from topology and ACS:')} ${style.dim(`not predicted: ${p.unpredicted}`)}`)
    return lines
  }
  const tally = `${g.devices} functions in ${g.groups} groups, ${g.agree} of ${g.devices} as the kernel grouped them`
  lines.push(`${style.label('Grouping from topology and ACS:')} ${g.agree === g.devices ? style.ok(tally) : style.warn(tally)}`)
  for (const m of g.mismatches.slice(0, view.verbose >= 2 ? undefined : 8))
    lines.push(`  ${style.addr(m.address)}: predicted ${m.predicted.join(' ') || 'none'}, kernel ${m.kernel.join(' ') || 'none'}${p.override !== null ? ' (the override)' : ''}`)
  if (view.verbose < 2 && g.mismatches.length > 8) lines.push(style.dim(`  … ${g.mismatches.length - 8} more (-vv)`))
  return lines
}

