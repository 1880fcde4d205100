// What the x86 and arm64 harnesses share: the tools check, a run directory with the guest's
// environment, the two 9p shares (host root read-only, results writable), running one QEMU with a hard
// timeout and booting once more when the guest did not finish, and the result protocol (an rc file
// written last, other files read from the output share).
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants as fsc, existsSync, readdirSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'

export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

export interface Attempt {
  status: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  ms: number
  log: string
}

/** Runs QEMU to the end or kills it at the timeout; console output is kept for diagnostics only. */
export function runQemu(binary: string, args: readonly string[], timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => chunks.push(b))
    child.stderr.on('data', (b: Buffer) => chunks.push(b))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, timedOut, ms: Math.round(performance.now() - t0), log: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

/** Reads an output file of a boot as text (throws with the file list if absent). */
export async function readOut(outDir: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(outDir, name), 'utf8')
  } catch {
    const have = existsSync(outDir) ? readdirSync(outDir).join(' ') : '(no outDir)'
    throw new Error(`${name} missing in ${outDir} (have: ${have})`)
  }
}

/** The full path of a command on PATH (or in /usr/sbin, /sbin), null when absent. */
export function onPath(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir === '') continue
    const p = path.join(dir, cmd)
    try {
      accessSync(p, fsc.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return null
}

/** qemu's version line, for test output. */
export function qemuVersion(binary: string): string {
  return (spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0] ?? ''
}

/** The scenario's exit status, from the rc file the guest writes last; null when there is none. */
export async function readRc(outDir: string): Promise<number | null> {
  try {
    const t = (await readFile(path.join(outDir, 'rc'), 'utf8')).trim()
    return /^\d+$/.test(t) ? Number(t) : null
  } catch {
    return null
  }
}

/** Deletes run directories below `dir` older than maxAgeMs (they are kept for diagnostics). */
export async function pruneRuns(dir: string, maxAgeMs = 24 * 3600_000): Promise<void> {
  if (!existsSync(dir)) return
  const now = Date.now()
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (now - (await stat(p)).mtimeMs > maxAgeMs) await rm(p, { recursive: true, force: true })
  }
}

let runCounter = 0

/** A fresh run directory below `runs` with the guest's environment as env.sh; outDir is the results share. */
export async function newRun(runs: string, label: string, env: (outDir: string) => Record<string, string>): Promise<{ runDir: string; outDir: string; envFile: string }> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')
  const runDir = path.join(runs, `${stamp}-${label}${process.pid}-${runCounter++}`)
  const outDir = path.join(runDir, 'out')
  await mkdir(runDir, { recursive: true })
  const envFile = path.join(runDir, 'env.sh')
  const lines = Object.entries(env(outDir)).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad env name ${k}`)
    return `export ${k}=${shQuote(v)}\n`
  })
  await writeFile(envFile, lines.join(''))
  return { runDir, outDir, envFile }
}

/** The kernel arguments init.sh reads (no whitespace inside values: the guest splits on it). */
export function guestArgs(o: { scenario: string; envFile: string; outDir: string; repo: string; bind: string; timeoutMs: number; margin: number }): string[] {
  const args = [
    `lsvfio.scenario=${o.scenario}`, `lsvfio.env=${o.envFile}`, `lsvfio.out=${o.outDir}`, `lsvfio.repo=${o.repo}`,
    `lsvfio.bind=${o.bind}`,
    `lsvfio.tmo=${Math.max(10, Math.floor(o.timeoutMs / 1000) - o.margin)}`,
  ]
  for (const w of args) if (/\s/.test(w)) throw new Error(`whitespace in kernel argument: ${w}`)
  return args
}

/** The two 9p shares on virtio-9p-pci at the given PCI addresses: the host root (read-only) and the results. */
export function ninePArgs(outDir: string, hostAddr: string, outAddr: string): string[] {
  return [
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', `virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=${hostAddr}`,
    '-fsdev', `local,id=out,path=${outDir},security_model=none,multidevs=remap`,
    '-device', `virtio-9p-pci,fsdev=out,mount_tag=out,addr=${outAddr}`,
  ]
}

export interface Finished {
  attempt: Attempt
  rc: number
  retried: boolean
}

/** Boots up to twice: a guest that did not finish (per `finished`, from qemu's status and the rc file)
 * is booted once more, the first attempt's results kept as out.try1; the second failure throws `fail`. */
export async function bootTwice(o: {
  binary: string
  args: readonly string[]
  runDir: string
  outDir: string
  timeoutMs: number
  finished: (a: Attempt, rc: number | null) => boolean
  why: (a: Attempt, rc: number | null) => string
  fail: (failures: readonly string[], last: Attempt) => Error
}): Promise<Finished> {
  await writeFile(path.join(o.runDir, 'qemu.cmd'), [o.binary, ...o.args].map(shQuote).join(' ') + '\n')
  const failures: string[] = []
  for (let n = 1; ; n++) {
    await rm(o.outDir, { recursive: true, force: true })
    await mkdir(o.outDir, { recursive: true })
    const a = await runQemu(o.binary, o.args, o.timeoutMs)
    await writeFile(path.join(o.runDir, n === 1 ? 'serial.log' : `serial.try${n}.log`), a.log)
    const rc = await readRc(o.outDir)
    if (rc !== null && !a.timedOut && o.finished(a, rc)) return { attempt: a, rc, retried: n > 1 }
    failures.push(`attempt ${n}: ${a.timedOut ? `timed out after ${o.timeoutMs} ms` : o.why(a, rc)}`)
    if (n >= 2) throw o.fail(failures, a)
    await rename(o.outDir, path.join(o.runDir, 'out.try1'))
  }
}
