// Start-up: the whole lsvfio process on a small real-kernel snapshot against Node's floor (node -e 0),
// interleaved. Also the same run unbundled (dist/cli/main.js) and bundled without the code cache, so
// the table shows what the bundle and the cache each buy.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { cpu, interleave, NODE, REPO, type Sample, wall } from './measure.js'
import { ms, type Row } from './report.js'

export const SMALL_SNAPSHOT = 'test/fixtures/x86-6.12/snapshot.json'

export function startup(runs: number): Row[] {
  const snap = ['--from', SMALL_SNAPSHOT]
  const cmds: Record<string, string[]> = {
    floor: [NODE, '-e', '0'],
    lsvfio: [NODE, 'bin/lsvfio.js', ...snap],
    esm: [NODE, 'dist/cli/main.js', ...snap],
    version: [NODE, 'bin/lsvfio.js', '--version'],
  }
  const bundled = existsSync(path.join(REPO, 'dist/cli/lsvfio.cjs'))
  if (bundled) cmds.bundleNoCache = [NODE, 'dist/cli/lsvfio.cjs', ...snap]
  const r = interleave(cmds, runs)
  const floor = r.floor ?? []
  const row = (figure: string, s: Sample[], goal: boolean, note?: string): Row => {
    const w = wall(s)
    const f = wall(floor)
    const c = cpu(s)
    const fc = cpu(floor)
    return {
      section: 'start-up',
      figure,
      value: `min ${ms(w.min)} / med ${ms(w.median)}`,
      baseline: `node -e 0: min ${ms(f.min)} / med ${ms(f.median)}`,
      ratio: w.min / f.min,
      goal: goal ? '≤ 1.3×' : 'info',
      met: goal ? w.min / f.min <= 1.3 : null,
      note: `${note ?? ''}median ratio ${(w.median / f.median).toFixed(2)}×; CPU (user+sys) min ${ms(c.min)} vs ${ms(fc.min)} = ${(c.min / fc.min).toFixed(2)}×; ${w.n} interleaved runs`,
    }
  }
  const main = row(`lsvfio --from ${path.basename(path.dirname(SMALL_SNAPSHOT))} (bin/lsvfio.js as shipped)`, r.lsvfio ?? [], true, bundled ? '' : 'no bundle built (npm run build); ')
  const f = wall(floor).min
  const v = wall(r.version ?? []).min
  const all = wall(r.lsvfio ?? []).min
  main.cause = `of ${ms(all)}, ${ms(f)} is Node's own start; loading the bundle with its code cache adds ${ms(v - f)} (lsvfio --version: ${ms(v)}); the run itself, ~1,000 replayed reads and ioctls in V8's interpreter (cold code), ${ms(all - v)}`
  const rows = [main]
  if (r.bundleNoCache) rows.push(row('same, bundle without V8 code cache', r.bundleNoCache, false))
  rows.push(row('same, unbundled ES modules (dist/cli/main.js)', r.esm ?? [], false))
  rows.push(row('lsvfio --version (bundle and code cache loaded, nothing run)', r.version ?? [], false))
  return rows
}
