// The table `npm run bench` prints: each figure beside the baseline measured in the same run, the ratio
// and the goal.

export interface Row {
  section: string
  figure: string
  /** the measured value, formatted */
  value: string
  baseline: string
  ratio: number
  /** e.g. "≤ 1.3×" */
  goal: string
  met: boolean | null
  note?: string
  /** why a goal is missed: printed under the table when met is false */
  cause?: string
}

export const ms = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) + ' ms' : 'n/a')
export const ns = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) + ' ns' : 'n/a')
export const us = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) + ' µs' : 'n/a')
export const mib = (kb: number): string => (Number.isFinite(kb) ? (kb / 1024).toFixed(0) + ' MiB' : 'n/a')

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length)
}

export function table(rows: readonly Row[]): string {
  const head = ['section', 'figure', 'value', 'baseline (same run)', 'ratio', 'goal', 'met']
  const cells = rows.map((r) => [r.section, r.figure, r.value, r.baseline, Number.isFinite(r.ratio) ? r.ratio.toFixed(2) + '×' : 'n/a', r.goal, r.met === null ? '-' : r.met ? 'MET' : 'NOT MET'])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)))
  const line = (c: readonly string[]): string => c.map((x, i) => pad(x, widths[i] ?? 0)).join('  ').trimEnd()
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  ')]
  for (const c of cells) out.push(line(c))
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `  ${r.figure}: ${r.note}`)
  if (notes.length > 0) out.push('', 'notes:', ...notes)
  const gaps = rows.filter((r) => r.met === false && r.cause !== undefined).map((r) => `  ${r.figure}: ${r.cause}`)
  if (gaps.length > 0) out.push('', 'goals not met, and why:', ...gaps)
  return out.join('\n')
}
