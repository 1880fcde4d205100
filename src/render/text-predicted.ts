// The predicted view (from sysfs, nothing opened) and, with --open, how it agreed with the kernel.
// Every predicted line says "predicted"; a field sysfs cannot settle is not shown as a value.
import type { Agreement, Device, PredictedView } from '../model/types.js'
import { bracket, formatSize, plural } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

/** The device line's summary: "predicted: regions 9 irqs 5 reset(flr)". */
export function predictedSummary(p: PredictedView, style: Style): string {
  const parts = [p.numRegions === undefined ? 'regions ?' : `regions ${p.numRegions}`, p.numIrqs === undefined ? 'irqs ?' : `irqs ${p.numIrqs}`]
  if (p.flags['reset'] === true) parts.push(style.ok(`reset${p.resetMethod ? `(${p.resetMethod})` : ''}`))
  return `${style.dim('predicted:')} ${parts.join(' ')}`
}

export function predictedLines(p: PredictedView, view: ViewOptions, style: Style, ind: string): string[] {
  const lines: string[] = []
  const flags = Object.entries(p.flags).filter(([, on]) => on).map(([n]) => n)
  lines.push(`${ind}${style.label('VFIO (predicted from sysfs, not opened):')} flags ${bracket(flags)}, ${p.numRegions === undefined ? '? regions' : plural(p.numRegions, 'region')}, ${p.numIrqs === undefined ? '? IRQs' : plural(p.numIrqs, 'IRQ')}`)
  for (const r of p.regions) {
    const label = style.label(`${r.name}:`)
    if (r.available === false) {
      if (view.verbose >= 2) lines.push(`${ind}${label} ${style.dim('none (predicted)')}`)
      continue
    }
    if (r.size === 0n) {
      if (view.verbose >= 2) lines.push(`${ind}${label} ${style.dim('absent (predicted)')}`)
      continue
    }
    const size = r.size === undefined ? style.dim('size not predicted') : formatSize(r.size)
    const fl = r.flagNames === undefined ? style.dim(' flags not predicted') : ` ${bracket(r.flagNames)}`
    lines.push(`${ind}${label} ${size}${fl} ${style.dim('(predicted)')}`)
  }
  for (const q of p.irqs) {
    const label = style.label(`${q.name}:`)
    if (q.available === false) {
      if (view.verbose >= 2) lines.push(`${ind}${label} ${style.dim('none (predicted)')}`)
      continue
    }
    if (q.count === 0 && view.verbose < 2) continue
    const count = q.count === undefined ? style.dim('count not predicted') : plural(q.count, 'vector')
    const fl = q.flagNames === undefined ? '' : ` ${bracket(q.flagNames)}`
    lines.push(`${ind}${label} ${count}${fl} ${style.dim('(predicted)')}`)
  }
  const reset = p.resetMethod === undefined ? style.dim('not predicted') : p.resetMethod === null ? 'none: open does not reset it' : `${p.resetMethod}: open and close reset it`
  lines.push(`${ind}${style.label('Reset (predicted):')} ${reset}`)
  if (view.verbose >= 2 && p.unknown.length > 0) {
    lines.push(`${ind}${style.label('Not predicted:')}`)
    for (const u of p.unknown) lines.push(`${ind}  ${style.dim(u)}`)
  }
  return lines
}

/** With --open: "Prediction: 31 fields agree" or the fields that disagree. */
export function agreementLines(a: readonly Agreement[], style: Style, ind: string): string[] {
  const bad = a.filter((x) => !x.agree)
  if (bad.length === 0) return [`${ind}${style.label('Prediction:')} ${style.ok(`all ${a.length} predicted fields agree with the kernel`)}`]
  return [
    `${ind}${style.label('Prediction:')} ${style.bad(`${bad.length} of ${a.length} predicted fields disagree with the kernel`)}`,
    ...bad.map((x) => `${ind}  ${x.field}: predicted ${x.predicted}, kernel ${x.kernel}`),
  ]
}

export function hasPrediction(d: Device): d is Device & { predicted: PredictedView } {
  return d.predicted !== undefined
}
