// With --open: every predicted field against the kernel's answer, agreeing or not. Fields that were not
// predicted are not compared.
import type { Agreement, PredictedView, VfioDeviceView } from '../../model/types.js'

const show = (v: unknown): string =>
  typeof v === 'bigint' ? `0x${v.toString(16)}` : Array.isArray(v) ? `[${[...(v as string[])].sort().join(',')}]` : String(v)

export function confirm(p: PredictedView, k: VfioDeviceView): Agreement[] {
  const out: Agreement[] = []
  const eq = (field: string, predicted: unknown, kernel: unknown): void => {
    const a = show(predicted)
    const b = show(kernel)
    out.push({ field, predicted: a, kernel: b, agree: a === b })
  }
  for (const [name, want] of Object.entries(p.flags)) eq(`flags.${name}`, want, k.flagNames.includes(name))
  if (p.numRegions !== undefined) eq('regions', p.numRegions, k.numRegions)
  if (p.numIrqs !== undefined) eq('irqs', p.numIrqs, k.numIrqs)
  for (const r of p.regions) {
    const e = k.regions.find((x) => x.index === r.index)?.info
    const got = e !== undefined && 'ok' in e && e.ok ? e.value : null
    if (r.available !== undefined) eq(`${r.name} available`, r.available, got !== null)
    if (got === null) continue
    if (r.size !== undefined) eq(`${r.name} size`, r.size, got.size)
    if (r.flagNames !== undefined) eq(`${r.name} flags`, r.flagNames, got.flagNames)
    if (r.offset !== undefined) eq(`${r.name} offset`, r.offset, got.offset)
  }
  for (const q of p.irqs) {
    const e = k.irqs.find((x) => x.index === q.index)?.info
    const got = e !== undefined && 'ok' in e && e.ok ? e.value : null
    if (q.available !== undefined) eq(`${q.name} available`, q.available, got !== null)
    if (got === null) continue
    if (q.count !== undefined) eq(`${q.name} count`, q.count, got.count)
    if (q.flagNames !== undefined) eq(`${q.name} flags`, q.flagNames, got.flagNames)
  }
  return out
}
