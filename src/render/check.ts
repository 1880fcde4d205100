// `lsvfio check` as text: one verdict per device, the reasons with their fixes, the warnings, and a
// last line saying what the exit status means. Pure.
import type { CheckReport, Verdict } from '../model/diagnostics.js'
import { safeModel } from './safe.js'
import type { Style } from './style.js'

function verdictLines(v: Verdict, style: Style): string[] {
  const where = [v.group !== null ? `group ${v.group}` : 'no IOMMU group', v.driver ?? 'no driver'].join(', ')
  const head = `${style.addr(v.address)}  `
  const lines: string[] = []
  if (v.ready) lines.push(`${head}${style.ok('ready')}  (${where})`)
  else {
    const [first, ...rest] = v.reasons
    lines.push(`${head}${style.bad(`NOT READY: ${first?.kind ?? '?'}`)}  (${where}; exit ${first?.code ?? '?'})`)
    for (const r of [first, ...rest]) {
      if (r === undefined) continue
      lines.push(`    ${r === first ? '' : style.dim(`also ${r.kind}: `)}${r.text}`)
      r.fix.forEach((f, i) => lines.push(`      ${i === 0 ? style.warn('fix:') : ' or:'} ${f}`))
    }
  }
  for (const w of v.warnings) lines.push(`    ${style.warn('warning:')} ${w}`)
  return lines
}

export function renderCheck(report: CheckReport, style: Style): string[] {
  const r = safeModel(report)
  const lines = r.verdicts.flatMap((v) => verdictLines(v, style))
  for (const w of r.warnings) lines.push(`${style.warn('warning:')} ${w}`)
  const ready = r.verdicts.filter((v) => v.ready).length
  const how = r.opened ? 'confirmed by opening each device (which reset idle ones)' : 'predicted from sysfs and /proc; nothing was opened (--open asks the kernel, and resets idle devices)'
  if (r.outcome === 'no-match') lines.push(style.bad('no device to check: the selection matched nothing (without one, check takes the devices bound to a VFIO driver)'))
  else lines.push(`${ready} of ${r.verdicts.length} ready; exit ${r.exitCode} (${r.outcome}); ${how}`)
  return lines
}
