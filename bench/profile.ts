// Where a run's time goes, measured: one run under V8's sampling profiler (node --cpu-prof), its samples
// split into the phases of a run by the functions on the stack, and the time inside file-system calls
// and the garbage collector. The table prints it under a goal that is not met, as its reason.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { NODE, REPO } from './measure.js'

interface CallFrame {
  functionName: string
  url: string
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The phases of a run, by the function that runs them (the first one on the stack from the top wins). */
const PHASES: readonly [string, readonly string[]][] = [
  ['write', ['writeAll', 'writeAtomic']],
  ['render', ['renderText', 'renderTree', 'renderTable', 'toJson', 'jsonText', 'renderMetrics', 'renderNfd', 'summarise', 'renderCheck', 'checkJson', 'configDumpLines', 'rawReplyLines']],
  ['judge', ['judged', 'diagnose', 'checkDevices', 'fleetSummary']],
  ['gather', ['inspect']],
  ['snapshot read+parse', ['loadSnapshot']],
  ['arguments', ['parseArgs']],
  ['bundle load+compile', ['runBundle']],
]

/** Node's synchronous file-system calls, as the profiler names their native part. */
const FS_CALLS = new Set(['open', 'read', 'readlink', 'lstat', 'stat', 'fstat', 'readdir', 'close', 'readFileUtf8', 'writeString', 'writeBuffer', 'access', 'realpath'])

export interface Breakdown {
  totalMs: number
  /** phase → CPU ms (inclusive, each sample counted once, in the first phase found from the top of the stack) */
  phases: Map<string, number>
  fsMs: number
  gcMs: number
}

export function analyse(p: CpuProfile): Breakdown {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const time = new Map<number, number>()
  p.samples.forEach((s, i) => time.set(s, (time.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)))
  const phaseOf = new Map<string, string>()
  for (const [phase, fns] of PHASES) for (const f of fns) phaseOf.set(f, phase)
  const phases = new Map<string, number>()
  let total = 0
  let fs = 0
  let gc = 0
  for (const [id, us] of time) {
    total += us
    const leaf = byId.get(id)?.callFrame
    if (leaf?.functionName === '(garbage collector)') gc += us
    if (leaf !== undefined && leaf.url === '' && FS_CALLS.has(leaf.functionName)) fs += us
    let phase = leaf?.functionName === '(garbage collector)' ? 'garbage collection' : 'other (Node\'s own start, V8 outside JS)'
    for (let c: number | undefined = phase === 'garbage collection' ? undefined : id; c !== undefined; c = parent.get(c)) {
      const hit = phaseOf.get(byId.get(c)?.callFrame.functionName ?? '')
      if (hit !== undefined) {
        phase = hit
        break
      }
    }
    phases.set(phase, (phases.get(phase) ?? 0) + us)
  }
  const ms = (m: Map<string, number>): Map<string, number> => new Map([...m].map(([k, v]) => [k, v / 1000]))
  return { totalMs: total / 1000, phases: ms(phases), fsMs: fs / 1000, gcMs: gc / 1000 }
}

/** Profiles one run of argv (node SCRIPT … or an installed bin) and analyses it; null when it cannot. */
export function profileRun(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Breakdown | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-prof-'))
  try {
    const [first, ...rest] = argv
    if (first === undefined) return null
    // an installed bin is a script whose #! names node: run it with this node and the profiler
    const script = first === NODE ? rest : [realpathSync(first), ...rest]
    const r = spawnSync(NODE, ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir, ...script], { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 })
    if (r.status !== 0 && r.status !== 2) return null
    const f = readdirSync(dir).find((x) => x.endsWith('.cpuprofile'))
    return f === undefined ? null : analyse(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile)
  } catch {
    return null
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** "profile of one run, CPU: gather 61% (…), …; of all, fs calls 30%, GC 12%", or why there is none.
 * `per`: also each phase's µs per item (a device) when given. */
export function describe(b: Breakdown | null, per?: { n: number; what: string }): string {
  if (b === null) return 'no profile (node --cpu-prof failed)'
  const pct = (x: number): string => `${((100 * x) / b.totalMs).toFixed(0)}%`
  const each = (x: number): string => (per === undefined ? '' : ` = ${((1000 * x) / per.n).toFixed(0)} µs/${per.what}`)
  const parts = [...b.phases].filter(([, v]) => v >= b.totalMs * 0.02).sort((a, c) => c[1] - a[1])
  return `profile of one run (node --cpu-prof, ${b.totalMs.toFixed(0)} ms CPU sampled): ${parts.map(([k, v]) => `${k} ${v.toFixed(0)} ms ${pct(v)}${each(v)}`).join(', ')}; across all phases, inside file-system calls ${b.fsMs.toFixed(0)} ms ${pct(b.fsMs)}${each(b.fsMs)}, garbage collection ${b.gcMs.toFixed(0)} ms ${pct(b.gcMs)}`
}
