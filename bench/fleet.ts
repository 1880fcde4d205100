// The fleet outputs on the generated 4,096-function host (bench/gen-tree.ts: 64 SR-IOV PFs on ice, their
// VFs on vfio-pci, each alone in its group), read as a live host through --sysfs-root: lsvfio metrics
// (goals ≤ 0.5 s and ≤ 150 MiB peak RSS) and lsvfio nfd, beside lsvfio check -q on the same tree (the
// same gathering and judging, without the rendering). Cardinality: the series of lsvfio metrics at 1,024
// and 4,096 functions; VFs are counted per PF, so no series may name a VF.
import { spawnSync } from 'node:child_process'
import { generateTree, type GenTree } from './gen-tree.js'
import { cpu, interleave, NODE, rss, wall } from './measure.js'
import { describe, profileRun } from './profile.js'
import { mib, ms, type Row } from './report.js'

function series(root: string): { total: number; perVf: number } {
  const r = spawnSync(NODE, ['bin/lsvfio.js', '--sysfs-root', root, 'metrics'], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`lsvfio metrics exited ${r.status}: ${r.stderr.slice(0, 300)}`)
  const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
  // the generated VFs are functions 1-7 and devices 1-31 of each PF's bus (gen-tree.ts): anything but x:00.0
  const perVf = lines.filter((l) => /address="[0-9a-f]{4}:[0-9a-f]{2}:(?!00\.0")[0-9a-f]{2}\.[0-7]"/.test(l)).length
  return { total: lines.length, perVf }
}

export function fleet(runs: number): Row[] {
  const trees: GenTree[] = []
  try {
    const small = generateTree(1024)
    trees.push(small)
    const big = generateTree(4096)
    trees.push(big)
    const r = interleave(
      {
        metrics: [NODE, 'bin/lsvfio.js', '--sysfs-root', big.root, 'metrics'],
        nfd: [NODE, 'bin/lsvfio.js', '--sysfs-root', big.root, 'nfd'],
        check: [NODE, 'bin/lsvfio.js', '--sysfs-root', big.root, 'check', '-q'],
      },
      runs,
      { okStatus: [0], stdout: 'null' },
    )
    const m = wall(r.metrics)
    const c = wall(r.check)
    const peak = rss(r.metrics).min
    const s1 = series(small.root)
    const s4 = series(big.root)
    const pfs = (n: number): number => Math.ceil(n / 64)
    return [
      {
        section: 'fleet',
        figure: 'lsvfio metrics, 4,096 functions (--sysfs-root tree)',
        value: `min ${ms(m.min)} / med ${ms(m.median)}`,
        baseline: `check -q ${ms(c.min)}`,
        ratio: m.min / c.min,
        goal: '≤ 500 ms',
        met: m.min <= 500,
        note: `CPU (user+sys) metrics ${ms(cpu(r.metrics).min)}, check -q ${ms(cpu(r.check).min)}; nfd ${ms(wall(r.nfd).min)}; the same gathering and judging as check, plus the rendering (the ratio)`,
        cause: `gathering (sysfs read per device: identity, driver, override, group, SR-IOV links, cdev) and judging every VF; the rendering itself is the ratio over check; ${m.min <= 500 ? '' : describe(profileRun([NODE, 'bin/lsvfio.js', '--sysfs-root', big.root, 'metrics']), { n: 4096, what: 'function' })}`,
      },
      {
        section: 'fleet',
        figure: 'lsvfio metrics peak RSS, 4,096 functions',
        value: mib(peak),
        baseline: `check -q ${mib(rss(r.check).min)}`,
        ratio: peak / rss(r.check).min,
        goal: '≤ 150 MiB',
        met: peak <= 150 * 1024,
        cause: 'the inventory of 4,096 functions with their diagnostics is held whole',
      },
      {
        section: 'fleet',
        figure: 'lsvfio metrics series, 1,024 → 4,096 functions',
        value: `${s1.total} → ${s4.total} series, ${s4.perVf} naming a VF`,
        baseline: `${pfs(1024)} → ${pfs(4096)} PFs`,
        ratio: (s4.total - s1.total) / (pfs(4096) - pfs(1024)),
        goal: 'no per-VF series',
        met: s1.perVf === 0 && s4.perVf === 0,
        note: `the ratio is series per PF added; 4,032 VFs on vfio-pci are counted per PF`,
      },
    ]
  } finally {
    for (const t of trees) t.cleanup()
  }
}
