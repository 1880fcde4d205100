// Group and device diagnostics in the human view: holders, why a group is not viable and how to fix
// it, why it is large, whether this user may open it; per device stale overrides, what opening
// resets, SR-IOV and NUMA. Pure.
import { deviceDiagnosis, groupDiagnosis, holderByPid } from '../diagnose/lookup.js'
import type { DeviceDiagnosis, Diagnostics } from '../model/diagnostics.js'
import type { Device, IommuGroup } from '../model/types.js'
import type { Style } from './style.js'
import { pathLines, isolationLines } from './text-pcie.js'
import { holderTitle } from './text-readiness.js'
import type { ViewOptions } from './view.js'

export { groupDiagnosis }

/** Appended to the group header: "  held by pid 180 sleep (user root)". */
export function holderSuffix(g: IommuGroup, d: Diagnostics | undefined, style: Style): string {
  const gd = groupDiagnosis(d, g.id)
  if (d === undefined || gd === undefined || gd.holders.length === 0) return ''
  const names = gd.holders.map((pid) => holderByPid(d, pid)).map((h) => (h === undefined ? '?' : holderTitle(h)))
  return '  ' + style.warn(`held by ${names.join(', ')}`)
}

function fixLines(fix: readonly string[], style: Style, ind: string, head = 'fix (as root):'): string[] {
  return fix.map((x, i) => `${ind}${i === 0 ? style.warn(head) : ' '.repeat(head.length - 3) + 'or:'} ${x}`)
}

/** Group lines for -v, after the group's own detail. */
export function groupDiagnosisLines(g: IommuGroup, d: Diagnostics | undefined, view: ViewOptions, style: Style): string[] {
  const gd = groupDiagnosis(d, g.id)
  if (d === undefined || gd === undefined) return []
  const lines: string[] = []
  const ind = '  '
  for (const pid of gd.holders) {
    const h = holderByPid(d, pid)
    if (h !== undefined) lines.push(`${ind}${style.label('Held by:')} ${style.warn(holderTitle(h))}, ${h.fds.map((f) => `fd ${f.fd} ${f.target}`).join(', ')}`)
  }
  // Blockers without a fix are a host's own devices in a group nobody means to pass through.
  if (gd.blockers.some((b) => b.fix.length > 0)) {
    lines.push(`${ind}${style.bad('Why not viable:')} a member bound to a driver that does DMA through the kernel breaks the group; only VFIO drivers, pci-stub, pcieport or no driver keep it viable`)
    for (const b of gd.blockers) {
      lines.push(`${ind}  ${style.addr(b.address)} is bound to ${style.bad(b.driver)}`)
      lines.push(...fixLines(b.fix, style, `${ind}    `))
    }
  }
  if (gd.isolation !== null) lines.push(...isolationLines(gd.isolation, view, style, ind))
  if (gd.access !== null) {
    for (const a of gd.access) {
      if (a.ok && view.verbose < 2) continue
      lines.push(`${ind}${style.label('Access:')} ${a.path}: ${a.ok ? style.ok('yes') : style.bad('no')}, ${a.why}`)
      lines.push(...fixLines(a.fix, style, `${ind}  `, 'fix:'))
    }
  }
  return lines
}

// The function reset a VFIO open does is already on the device's "Reset:" / "Reset methods:" line.
function resetLines(dd: DeviceDiagnosis, style: Style, ind: string): string[] {
  const r = dd.reset
  if (r === null) return []
  const lines: string[] = []
  const h = r.hotReset
  let hot: string
  if (h.possible === null) return lines
  if (!h.possible) hot = 'none possible (on a root bus: no bridge above it to reset)'
  else {
    const others = h.devices.filter((x) => x.address !== dd.address)
    const list = h.devices.map((x) => `${x.address}${x.group !== null ? ` (group ${x.group}${x.driver !== null ? `, ${x.driver}` : ''})` : ''}`)
    const host = others.filter((x) => x.driver !== null && !x.driver.startsWith('vfio'))
    hot = `bus below ${h.bridge}: ${list.join(', ')}${others.length === 0 ? '' : ` — ${others.length === 1 ? 'another device' : `${others.length} other devices`} reset along`}`
    if (host.length > 0) hot += style.warn(` (${host.map((x) => x.address).join(', ')} on a host driver)`)
  }
  const agree = r.kernelAgrees === null ? '' : r.kernelAgrees ? style.ok(' [kernel agrees]') : style.warn(' [kernel differs: see Hot reset]')
  lines.push(`${ind}${style.label('Hot-reset scope:')} ${hot}${agree}`)
  return lines
}

/** Device lines for -v, after the device's own detail. Only what concerns it: no empty headings. */
export function deviceDiagnosisLines(dev: Device, d: Diagnostics | undefined, view: ViewOptions, style: Style): string[] {
  const dd = deviceDiagnosis(d, dev.address)
  if (d === undefined || dd === undefined) return []
  const ind = '        '
  const lines: string[] = []
  if (dd.override !== null) {
    lines.push(`${ind}${style.warn('Override:')} ${dd.override.text}`)
    lines.push(...fixLines(dd.override.fix, style, `${ind}  `))
  }
  for (const pid of dd.holders) {
    const h = holderByPid(d, pid)
    if (h !== undefined) lines.push(`${ind}${style.label('Open in:')} ${holderTitle(h)}`)
  }
  if (dev.vfioDriver && !dev.bridge) lines.push(...resetLines(dd, style, ind))
  const path = d.pcie?.paths.find((p) => p.address === dev.address)
  if (path !== undefined) lines.push(...pathLines(path, style, ind))
  if (dd.sriov !== null) lines.push(`${ind}${style.label('SR-IOV:')} ${dd.sriov.vfTokenRequired ? style.warn(dd.sriov.text) : dd.sriov.text}`)
  // -vv prints the NUMA node with the device's other facts; here it comes with the CPUs to pin vCPUs on.
  if (dev.vfioDriver && dd.numa.node !== null && view.verbose === 1) lines.push(`${ind}${style.label('NUMA node:')} ${dd.numa.node}${dd.numa.cpus !== null ? ` (local CPUs ${dd.numa.cpus})` : ''}`)
  else if (dev.vfioDriver && dd.numa.cpus !== null && view.verbose >= 2) lines.push(`${ind}${style.label('Local CPUs:')} ${dd.numa.cpus}`)
  return lines
}
