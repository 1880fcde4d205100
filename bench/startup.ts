// Start-up: the whole lsvfio process on a small real-kernel snapshot against Node's floor (node -e 0),
// interleaved. The goal is for the installed package (npm pack, npm install -g into a temporary prefix,
// its bin run as a user's PATH finds it); beside it the repository's bin, the same run unbundled
// (dist/cli/main.js) and bundled without the code cache, so the table shows what the bundle and the
// cache each buy, and an empty V8 startup snapshot: what starting from any user snapshot costs Node.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emptySnapshot, type Installed, installPackage } from './installed.js'
import { cpu, interleave, NODE, REPO, rss, type Sample, wall } from './measure.js'
import { describe, profileRun } from './profile.js'
import { mib, ms, type Row } from './report.js'

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
  let inst: Installed | null = null
  let instError = ''
  try {
    inst = installPackage()
    cmds.installed = [inst.bin, ...snap]
  } catch (e: unknown) {
    instError = (e as Error).message
  }
  const tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-snap-'))
  try {
    const blob = emptySnapshot(tmp)
    if (blob !== null) cmds.snapshot = [NODE, '--snapshot-blob', blob]
    const r = interleave(cmds, runs, inst === null ? {} : { env: inst.env })
    const out = rows(r, bundled, instError)
    const first = out[0]
    if (inst !== null && first !== undefined && first.met === false) first.cause = `${first.cause ?? ''}; ${describe(profileRun(cmds.installed ?? [], inst.env))}`
    return out
  } finally {
    inst?.cleanup()
    rmSync(tmp, { recursive: true, force: true })
  }
}

function rows(r: Record<string, Sample[]>, bundled: boolean, instError: string): Row[] {
  const floor = r.floor ?? []
  const f = wall(floor).min
  const row = (figure: string, s: Sample[], goal: boolean, note?: string): Row => {
    const w = wall(s)
    const fw = wall(floor)
    const c = cpu(s)
    const fc = cpu(floor)
    return {
      section: 'start-up',
      figure,
      value: `min ${ms(w.min)} / med ${ms(w.median)}`,
      baseline: `node -e 0: min ${ms(fw.min)} / med ${ms(fw.median)}`,
      ratio: w.min / fw.min,
      goal: goal ? '≤ 1.3×' : 'info',
      met: goal ? w.min / fw.min <= 1.3 : null,
      note: `${note ?? ''}median ratio ${(w.median / fw.median).toFixed(2)}×; CPU (user+sys) min ${ms(c.min)} vs ${ms(fc.min)} = ${(c.min / fc.min).toFixed(2)}×; peak RSS ${mib(rss(s).min)} vs ${mib(rss(floor).min)}; ${w.n} interleaved runs`,
    }
  }
  const v = wall(r.version ?? []).min
  const cause = (all: number): string =>
    `of ${ms(all)}, ${ms(f)} is Node's own start; loading the bundle with its code cache adds ${ms(v - f)} (lsvfio --version: ${ms(v)}); the run itself, ~1,000 replayed reads and ioctls in V8's interpreter (cold code), ${ms(all - v)}` +
    (r.snapshot === undefined ? '' : `; a V8 startup snapshot would not help: an empty one already costs ${ms(wall(r.snapshot).min - f)} over node -e 0`)
  const out: Row[] = []
  if (r.installed !== undefined) {
    const inst = row(`lsvfio --from ${path.basename(path.dirname(SMALL_SNAPSHOT))}, installed package (npm pack; npm install -g --prefix; its bin)`, r.installed, true)
    inst.cause = cause(wall(r.installed).min)
    out.push(inst)
  } else {
    out.push({ section: 'start-up', figure: 'installed package', value: 'n/a', baseline: 'not installed', ratio: NaN, goal: '≤ 1.3×', met: false, cause: `npm pack / npm install -g failed: ${instError}` })
  }
  const repo = row('same, the repository\'s bin/lsvfio.js', r.lsvfio ?? [], false, bundled ? '' : 'no bundle built (npm run build); ')
  repo.goal = 'info'
  out.push(repo)
  if (r.bundleNoCache) out.push(row('same, bundle without V8 code cache', r.bundleNoCache, false))
  out.push(row('same, unbundled ES modules (dist/cli/main.js)', r.esm ?? [], false))
  out.push(row('lsvfio --version (bundle and code cache loaded, nothing run)', r.version ?? [], false))
  if (r.snapshot) out.push(row('node --snapshot-blob EMPTY (V8 startup snapshot holding nothing)', r.snapshot, false))
  return out
}
