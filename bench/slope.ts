// Per-device cost against C: lsvfio --no-open --sysfs-root TREE and pciutils' lspci -D -k on the same
// generated sysfs tree (lspci reads another sysfs through its `-O sysfs.path=DIR/sys/bus/pci` access
// parameter; see `lspci -O help`). The marginal cost per device is the slope between two tree sizes,
// which cancels each tool's fixed start-up. Goal: lsvfio's slope ≤ lspci's.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { generateTree, type GenTree } from './gen-tree.js'
import { interleave, NODE, wall } from './measure.js'
import { describe, profileRun } from './profile.js'
import { type Row, us } from './report.js'

export const TREE_SIZES = [256, 2048] as const

function haveLspci(): boolean {
  return spawnSync('lspci', ['--version'], { encoding: 'utf8' }).status === 0
}

export function slope(runs: number, sizes: readonly [number, number] = [TREE_SIZES[0], TREE_SIZES[1]]): Row[] {
  if (!haveLspci()) {
    return [{ section: 'per device', figure: 'lsvfio vs lspci slope', value: 'n/a', baseline: 'lspci not installed (apt-get install pciutils)', ratio: NaN, goal: '≤ 1×', met: null }]
  }
  const trees: GenTree[] = []
  try {
    const cmds: Record<string, string[]> = {}
    for (const n of sizes) {
      const t = generateTree(n)
      trees.push(t)
      cmds[`lsvfio ${n}`] = [NODE, 'bin/lsvfio.js', '--no-open', '--sysfs-root', t.root]
      cmds[`lspci ${n}`] = ['lspci', '-D', '-k', '-O', `sysfs.path=${t.root}/sys/bus/pci`]
    }
    for (const n of sizes) {
      const out = spawnSync('lspci', ['-D', '-k', '-O', `sysfs.path=${trees[sizes.indexOf(n)]?.root ?? ''}/sys/bus/pci`], { encoding: 'utf8', maxBuffer: 1 << 28 })
      const lines = out.stdout.split('\n').filter((l) => /^[0-9a-f]{4}:/.test(l)).length
      if (lines !== n) throw new Error(`lspci saw ${lines} devices in the generated tree of ${n}: the tree or the sysfs.path option is wrong`)
    }
    const r = interleave(cmds, runs)
    const [a, b] = sizes
    const per = (tool: string): { slope: number; small: number; big: number } => {
      const small = wall(r[`${tool} ${a}`] ?? []).min
      const big = wall(r[`${tool} ${b}`] ?? []).min
      return { slope: ((big - small) * 1000) / (b - a), small, big }
    }
    const l = per('lsvfio')
    const c = per('lspci')
    const big = trees[1]
    const measured = l.slope <= c.slope || big === undefined ? '' : `${syscalls(big.root, b)}; ${describe(profileRun(cmds[`lsvfio ${b}`] ?? []), { n: b, what: 'device' })}`
    return [
      {
        section: 'per device',
        figure: `lsvfio --no-open --sysfs-root (slope ${a}→${b} devices)`,
        value: `${us(l.slope)}/device`,
        baseline: `lspci -D -k: ${us(c.slope)}/device`,
        ratio: l.slope / c.slope,
        goal: '≤ 1×',
        met: l.slope <= c.slope,
        note: `min wall lsvfio ${l.small.toFixed(0)}→${l.big.toFixed(0)} ms, lspci ${c.small.toFixed(0)}→${c.big.toFixed(0)} ms`,
        cause: `lsvfio reads more per device than lspci -k (driver and override, resources, reset_method, numa_node, the vfio cdev, the group, and for the predicted VFIO view irq and config), each through a synchronous node:fs call with its JS on top of the syscall; ${measured}`,
      },
    ]
  } finally {
    for (const t of trees) t.cleanup()
  }
}

/** System calls per device of each tool on the tree of n devices (strace -c), when strace is there. */
function syscalls(root: string, n: number): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-strace-')), 'calls.txt')
  const count = (argv: string[]): number | null => {
    const r = spawnSync('strace', ['-f', '-c', '-o', out, ...argv], { stdio: 'ignore' })
    if (r.error !== undefined || !existsSync(out)) return null
    // "100.00  0.125372  10  12240  4514 total": % time, seconds, µs per call, calls, errors
    const total = readFileSync(out, 'utf8').split('\n').find((l) => l.trim().endsWith(' total'))?.trim().split(/\s+/)
    return total === undefined || total.length < 5 ? null : Number(total[3])
  }
  const l = count([NODE, 'bin/lsvfio.js', '--no-open', '--sysfs-root', root])
  const c = count(['lspci', '-D', '-k', '-O', `sysfs.path=${root}/sys/bus/pci`])
  rmSync(path.dirname(out), { recursive: true, force: true })
  return l === null || c === null ? 'syscalls not counted (no strace)' : `strace -c: lsvfio ${(l / n).toFixed(0)} system calls per device, lspci ${(c / n).toFixed(0)}`
}
