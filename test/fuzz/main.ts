// npm run fuzz [-- --scale 0.1] [--seed N] [--only SUBSTRING]
// Runs every target of targets.ts for its full case count (≥ 1,000,000 in all), each in a child
// process, two at a time. A child reports progress after every batch; one silent for HANG_MS is a hang:
// it is killed and reported with the seed of the batch it was in. A failing case is reported with
// fast-check's counterexample and the seed and path that replay it.
import { spawn } from 'node:child_process'
import { cpus } from 'node:os'
import { TARGETS } from './targets.js'

const BATCH = 2_000
const HANG_MS = 120_000

interface Msg {
  kind: 'progress' | 'done' | 'failed'
  target: number
  cases: number
  seed?: number
  error?: string
}

function child(index: number, runs: number, seed: number): void {
  const t = TARGETS[index]
  if (t === undefined) throw new Error(`no target ${index}`)
  const send = (m: Msg): void => void process.stdout.write(JSON.stringify(m) + '\n')
  let cases = 0
  for (let b = 0; cases < runs; b++) {
    const n = Math.min(BATCH, runs - cases)
    const s = (seed + b * 7919) | 0
    send({ kind: 'progress', target: index, cases, seed: s })
    const r = t.check(n, s)
    if (r.failed) {
      send({ kind: 'failed', target: index, cases: cases + r.cases, seed: s, error: r.report })
      process.exit(1)
    }
    cases += n
  }
  send({ kind: 'done', target: index, cases })
}

async function parent(scale: number, seed: number, only: string | null): Promise<number> {
  const jobs = TARGETS.map((t, i) => ({ i, t, runs: Math.max(1, Math.round(t.runs * scale)) })).filter((j) => only === null || j.t.name.includes(only))
  const total = jobs.reduce((a, j) => a + j.runs, 0)
  console.log(`fuzz: ${jobs.length} targets, ${total.toLocaleString('en')} cases, seed ${seed}`)
  const results: { name: string; cases: number; ms: number; outcome: string }[] = []
  const parallel = Math.max(1, Math.min(2, cpus().length))
  const queue = [...jobs]
  const t0 = performance.now()
  const worker = async (): Promise<void> => {
    for (let j = queue.shift(); j !== undefined; j = queue.shift()) {
      const job = j
      const start = performance.now()
      const outcome = await new Promise<{ cases: number; outcome: string }>((resolve) => {
        const p = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', '--child', String(job.i), String(job.runs), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] })
        let last: Msg = { kind: 'progress', target: job.i, cases: 0, seed }
        let failure: Msg | null = null
        let timer = setTimeout(() => p.kill('SIGKILL'), HANG_MS)
        let buf = ''
        p.stdout.on('data', (d: Buffer) => {
          buf += d.toString()
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const m = JSON.parse(buf.slice(0, nl)) as Msg
            buf = buf.slice(nl + 1)
            clearTimeout(timer)
            timer = setTimeout(() => p.kill('SIGKILL'), HANG_MS)
            if (m.kind === 'failed') failure = m
            else last = m
          }
        })
        p.on('close', (code, signal) => {
          clearTimeout(timer)
          const f = failure as Msg | null
          if (f !== null) resolve({ cases: f.cases, outcome: `FAILED (seed ${f.seed ?? '?'}):\n${f.error ?? ''}` })
          else if (signal === 'SIGKILL') resolve({ cases: last.cases, outcome: `HANG: no progress for ${HANG_MS / 1000} s in the batch with seed ${last.seed ?? '?'}` })
          else if (code !== 0 || last.kind !== 'done') resolve({ cases: last.cases, outcome: `CRASHED: exit ${code ?? signal}` })
          else resolve({ cases: last.cases, outcome: 'ok' })
        })
      })
      const ms = performance.now() - start
      results.push({ name: job.t.name, ms, ...outcome })
      console.log(`fuzz: ${outcome.outcome === 'ok' ? 'ok    ' : 'FAIL  '} ${outcome.cases.toLocaleString('en').padStart(9)} cases ${(ms / 1000).toFixed(0).padStart(4)} s  ${job.t.name}${outcome.outcome === 'ok' ? '' : '\n' + outcome.outcome}`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  const cases = results.reduce((a, r) => a + r.cases, 0)
  const bad = results.filter((r) => r.outcome !== 'ok')
  const hangs = bad.filter((r) => r.outcome.startsWith('HANG')).length
  console.log(`\nfuzz: ${cases.toLocaleString('en')} cases in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${bad.length - hangs} failures, ${hangs} hangs`)
  return bad.length === 0 ? 0 : 1
}

const argv = process.argv.slice(2)
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
if (argv[0] === '--child') {
  child(Number(argv[1]), Number(argv[2]), Number(argv[3]))
} else {
  const seed = Number(opt('--seed') ?? Date.now() % 1_000_000_007)
  process.exitCode = await parent(Number(opt('--scale') ?? '1'), seed, opt('--only') ?? null)
}
