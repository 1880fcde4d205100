// Scale: whole lsvfio runs over generated SR-IOV hosts of 1,024 / 4,096 / 8,192 functions (snapshots
// made by the real recorder, bench/gen-snapshot.ts), text and JSON. Goals: 4,096 in ≤ 1 s as text,
// ≤ 1.5 s as JSON; 8,192 ≤ 2.1×
// 4,096 (linear growth). Peak RSS of the 4,096 runs.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { generateSnapshot } from './gen-snapshot.js'
import { interleave, NODE, rss, type Sample, wall } from './measure.js'
import { describe, profileRun } from './profile.js'
import { mib, ms, type Row } from './report.js'

export const SIZES = [1024, 4096, 8192] as const

export function scale(runs: number, sizes: readonly number[] = SIZES): Row[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-scale-'))
  try {
    const files = new Map<number, string>()
    for (const n of sizes) {
      const file = path.join(dir, `host-${n}.json`)
      const t0 = performance.now()
      const g = generateSnapshot(n, file)
      console.error(`bench: generated ${n} functions (${g.groups} groups, ${(statSync(file).size / 1e6).toFixed(0)} MB snapshot) in ${ms(performance.now() - t0)}`)
      files.set(n, file)
    }
    const cmds: Record<string, string[]> = {}
    for (const [n, f] of files) {
      cmds[`text ${n}`] = [NODE, 'bin/lsvfio.js', '--from', f]
      cmds[`json ${n}`] = [NODE, 'bin/lsvfio.js', '--from', f, '--json']
    }
    // A generated host is all gathered: anything but exit 0 means the snapshot or the replay broke.
    // stdout goes to /dev/null: 80 MB of JSON through a pipe would time this process's reading too.
    const r = interleave(cmds, runs, { okStatus: [0], stdout: 'null' })
    const f4 = files.get(4096)
    // In a fresh process (this one's heap is full of generated hosts): the same bench bundle, --phases.
    const where = f4 === undefined ? '' : `; in one process, 4,096: ${spawnSync(NODE, [process.argv[1] ?? '', '--phases', f4], { encoding: 'utf8' }).stdout.trim()}`
    const rows: Row[] = []
    for (const mode of ['text', 'json'] as const) {
      const at = (n: number): Sample[] => r[`${mode} ${n}`] ?? []
      const t4 = wall(at(4096))
      if (sizes.includes(4096)) {
        const met = t4.min <= (mode === 'text' ? 1000 : 1500)
        const prof = met || f4 === undefined ? '' : `; ${describe(profileRun([NODE, 'bin/lsvfio.js', '--from', f4, ...(mode === 'json' ? ['--json'] : [])]), { n: 4096, what: 'function' })}`
        // JSON writes ~20 KB per function where text writes ~1 KB: half a second more for it
        const budget = mode === 'text' ? 1000 : 1500
        rows.push({
          section: 'scale',
          figure: `4,096 functions, ${mode}`,
          value: `min ${ms(t4.min)} / med ${ms(t4.median)}`,
          baseline: `goal ${budget.toLocaleString('en')} ms`,
          ratio: t4.min / budget,
          goal: `≤ ${budget / 1000} s`,
          met: t4.min <= budget,
          note: `peak RSS ${mib(rss(at(4096)).min)}; 1,024 functions: ${ms(wall(at(1024)).min)}${mode === 'text' ? where : ''}`,
          cause: `the replay goes through the same layers as a live run (recorded reads and ioctls), plus reading and parsing the snapshot${mode === 'json' ? ' and building and writing the pretty-printed JSON' : ''}${prof}`,
        })
      }
      if (sizes.includes(8192) && sizes.includes(4096)) {
        const t8 = wall(at(8192))
        rows.push({
          section: 'scale',
          figure: `8,192 vs 4,096 functions, ${mode}`,
          value: `min ${ms(t8.min)}`,
          baseline: `4,096: ${ms(t4.min)}`,
          ratio: t8.min / t4.min,
          goal: '≤ 2.1×',
          met: t8.min / t4.min <= 2.1,
          note: `peak RSS ${mib(rss(at(8192)).min)}`,
        })
      }
    }
    if (sizes.includes(4096)) {
      rows.push({
        section: 'memory',
        figure: 'peak RSS, 4,096 functions',
        value: `text ${mib(rss(r['text 4096'] ?? []).min)} / json ${mib(rss(r['json 4096'] ?? []).min)}`,
        baseline: `snapshot file ${(statSync(files.get(4096) ?? '').size / 1048576).toFixed(0)} MiB`,
        ratio: NaN,
        goal: 'report',
        met: null,
      })
    }
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
