// 8,192 functions in every mode: no mode may end in "Maximum call stack size exceeded" (push(...lines)
// of a host-sized list did, in -t -vv, -xxx and --hexdump). The host is the bench's generated SR-IOV
// host (bench/gen-tree.ts), held in memory, recorded by the real recorder, written as a snapshot and
// loaded back through --from's loader; it is gathered once and every mode renders from that.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TemplateSys } from '../../bench/gen-snapshot.js'
import { loadTemplate, writeTree } from '../../bench/gen-tree.js'
import { presentCheck } from '../../src/cli/check.js'
import { loadSnapshot } from '../../src/cli/compose.js'
import { parseArgs } from '../../src/cli/program.js'
import { present, run } from '../../src/cli/run.js'
import type { Host } from '../../src/inspect/host.js'
import { type Gathered, inspect } from '../../src/inspect/inspect.js'
import { ALL } from '../../src/inspect/selection.js'
import { plainStyle } from '../../src/render/style.js'
import { compactSnapshot } from '../../src/snapshot/compact.js'
import { Recording, RecordingFs, RecordingSys } from '../../src/snapshot/record.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { MemFs } from '../helpers/mem-fs.js'

const N = 8192
const tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-scale-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const MODES: string[][] = [[], ['-v'], ['-vv'], ['-vvv'], ['-nn'], ['-t'], ['-t', '-vv'], ['-t', '--ascii'], ['--json'], ['--json', '-xxx'], ['-x'], ['-xxx'], ['--hexdump'], ['-vv', '--hexdump', '-xxx']]

describe(`${N} generated functions`, () => {
  let host: Host
  let g: Gathered
  let bytes = 0
  beforeAll(() => {
    const template = loadTemplate()
    const mem = new MemFs()
    const devices = writeTree(N, template, mem)
    const rec = new Recording('lsvfio scale-test', ['--json'], new Date(0))
    const parsed = parseArgs(['--json'], 'test')
    if (parsed.kind !== 'run' || parsed.options.command !== 'list') throw new Error('parseArgs did not give a listing')
    const recorded = run({ fs: new RecordingFs(mem, rec), sys: new RecordingSys(new TemplateSys(template, devices), rec), names: null }, { ...parsed.options, gather: { ...parsed.options.gather, open: true } }, plainStyle, { version: 'test', argv: ['--json'], hostname: null, now: new Date(0) })
    expect(recorded.exitCode).toBe(0)
    const file = path.join(tmp, 'host.json')
    const text = compactSnapshot(rec.doc)
    bytes = text.length
    writeFileSync(file, text)
    const doc = loadSnapshot(file)
    host = { fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: null }
    // Everything any mode shows: opened, diagnosed, raw replies kept, 256 bytes of config.
    g = inspect(host, ALL, { open: true, via: 'auto', configBytes: 256, readRegion: null, diagnose: true, raw: true })
  }, 600_000)

  it('the snapshot fits the documented --from limit with room to spare', () => {
    expect(bytes).toBeGreaterThan(10e6)
    expect(bytes).toBeLessThan((128 * 1024 * 1024) / 3)
  })

  it.each(MODES.map((m) => [m.join(' ') || '(default)', m] as const))('lsvfio %s', (_name, argv) => {
    const parsed = parseArgs(argv, 'test')
    if (parsed.kind !== 'run' || parsed.options.command !== 'list') throw new Error('parseArgs did not give a listing')
    const r = present(host, g, parsed.options, plainStyle, { version: 'test', argv, hostname: null, now: new Date(0) })
    expect(r.exitCode).toBe(0)
    // every function is in the output: the last one's address, or its JSON entry
    expect(r.stdout).toContain(lastAddress(N))
    expect(r.stdout.length).toBeGreaterThan(N * 40)
  }, 120_000)

  it.each([['check'], ['check', '--json']])('lsvfio %s', (...argv) => {
    const parsed = parseArgs(argv, 'test')
    if (parsed.kind !== 'run' || parsed.options.command !== 'check') throw new Error('parseArgs did not give a check')
    const r = presentCheck(host.fs, g, parsed.options, plainStyle, { version: 'test', argv, hostname: null, now: new Date(0) })
    expect(r.stdout).toContain(lastAddress(N))
    expect(r.stdout.length).toBeGreaterThan(N * 20)
  }, 120_000)
})

/** bench/gen-tree.ts's layout: 64 functions per bus, buses from 1, a new domain every 255 buses. */
function lastAddress(n: number): string {
  const pf = Math.floor((n - 1) / 64)
  const devfn = (n - 1) % 64
  const hex = (v: number, w: number): string => v.toString(16).padStart(w, '0')
  return `${hex(Math.floor(pf / 255), 4)}:${hex((pf % 255) + 1, 2)}:${hex(devfn >> 3, 2)}.${devfn & 7}`
}
