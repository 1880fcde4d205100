// Whole-process timing. These 2-core machines are noisy, so every figure is compared with a baseline
// measured in the same run, runs are interleaved (A B A B …) and we report min and median.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** bench/run.mjs starts the bench with the repository as its working directory. */
export const REPO = process.cwd()
export const NODE = process.execPath
export const CC = process.env.CC ?? 'cc'
const CACHE = path.join(REPO, 'node_modules/.cache/lsvfio-run')

export interface Sample {
  /** wall-clock ms, spawn to exit */
  wallMs: number
  /** user + system CPU ms of the child (native/runstat.c), or NaN without a C compiler */
  cpuMs: number
  /** peak resident set size in KiB (runstat), or NaN */
  maxRssKb: number
  status: number | null
  stdoutBytes: number
}

export interface Stats {
  min: number
  median: number
  n: number
}

export function stats(xs: readonly number[]): Stats {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return { min: NaN, median: NaN, n: 0 }
  const mid = s.length >> 1
  const median = s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
  return { min: s[0] ?? NaN, median, n: s.length }
}

let tmpDir: string | null = null
function tmp(): string {
  if (tmpDir === null) {
    const d = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-time-'))
    process.on('exit', () => rmSync(d, { recursive: true, force: true }))
    tmpDir = d
  }
  return tmpDir
}

/** Compiles native/NAME.c into the cache once; null without a C compiler. */
export function native(name: string): string | null {
  const exe = path.join(CACHE, name)
  const src = path.join(REPO, 'native', `${name}.c`)
  mkdirSync(CACHE, { recursive: true })
  if (existsSync(exe) && statSync(exe).mtimeMs >= statSync(src).mtimeMs) return exe
  const r = spawnSync(CC, ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-o', exe, src], { encoding: 'utf8' })
  if (r.status !== 0) {
    console.error(`bench: cannot build native/${name}.c with ${CC}: ${r.error?.message ?? r.stderr}`)
    return null
  }
  return exe
}

// wait4's rusage with microseconds: wall and CPU time of exactly the child, and its peak RSS.
let runstatExe: string | null | undefined
const runstat = (): string | null => (runstatExe === undefined ? (runstatExe = native('runstat')) : runstatExe)

/** Runs argv once; stdout is read through a pipe (as `lsvfio | less` would) and counted, not kept. */
export interface RunOptions {
  okStatus?: readonly number[]
  env?: NodeJS.ProcessEnv
  /** 'null': stdout to /dev/null, so a huge output costs lsvfio's writes only, not this process's reads */
  stdout?: 'pipe' | 'null'
}

export function runOnce(argv: readonly string[], opts: RunOptions = {}): Sample {
  const out = path.join(tmp(), 'runstat.txt')
  const rs = runstat()
  const cmd = rs !== null ? [rs, out, ...argv] : [...argv]
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd[0] ?? '', cmd.slice(1), { cwd: REPO, maxBuffer: 1 << 30, env: opts.env ?? process.env, stdio: ['ignore', opts.stdout === 'null' ? 'ignore' : 'pipe', 'pipe'] })
  let wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.error) throw r.error
  const ok = opts.okStatus ?? [0, 2]
  if (!ok.includes(r.status ?? -1)) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.toString().slice(0, 400)}`)
  let cpuMs = NaN
  let maxRssKb = NaN
  if (rs !== null) {
    const f = readFileSync(out, 'utf8').trim().split(' ').map(Number)
    wallMs = (f[0] ?? NaN) / 1000
    cpuMs = ((f[1] ?? NaN) + (f[2] ?? NaN)) / 1000
    maxRssKb = f[3] ?? NaN
  }
  return { wallMs, cpuMs, maxRssKb, status: r.status, stdoutBytes: r.stdout?.length ?? 0 }
}

/** Interleaves the commands `runs` times after one warm-up round (page cache, not JIT: each is a new process). */
export function interleave<K extends string>(cmds: Record<K, readonly string[]>, runs: number, opts: RunOptions = {}): Record<K, Sample[]> {
  const keys = Object.keys(cmds) as K[]
  const out = Object.fromEntries(keys.map((k) => [k, [] as Sample[]])) as Record<K, Sample[]>
  for (const k of keys) runOnce(cmds[k], opts)
  for (let i = 0; i < runs; i++) for (const k of keys) out[k].push(runOnce(cmds[k], opts))
  return out
}

export const wall = (s: readonly Sample[]): Stats => stats(s.map((x) => x.wallMs))
export const cpu = (s: readonly Sample[]): Stats => stats(s.map((x) => x.cpuMs))
export const rss = (s: readonly Sample[]): Stats => stats(s.map((x) => x.maxRssKb))
