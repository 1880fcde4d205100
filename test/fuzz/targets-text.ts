// Terminal safety under fuzzing: escape sequences, newlines, bidi overrides and other control
// characters injected into every string of the model (and into the host strings of real snapshots)
// must never reach the output raw, and never add a line. Checked on every text renderer and on check.
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import { LsvfioError } from '../../src/errors.js'
import { judged } from '../../src/diagnose/diagnose.js'
import { inspect } from '../../src/inspect/inspect.js'
import { ALL } from '../../src/inspect/selection.js'
import type { Inventory } from '../../src/model/types.js'
import { configDumpLines, rawReplyLines, regionDumpLines } from '../../src/render/bytes.js'
import { createStyle, plainStyle, type Style } from '../../src/render/style.js'
import { renderText } from '../../src/render/text.js'
import { renderTree } from '../../src/render/tree.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { parseSnapshot } from '../../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { allInventories } from '../render/rich-inventory.js'

/** What must never reach a terminal raw (written here independently of src/render/safe.ts). */
export const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]/
/** chalk's SGR sequences, the only escapes a coloured run may write itself. */
const SGR = /\u001b\[[0-9;]*m/g

const HOSTILE_UNITS = ['\u001b]0;pwned\u0007', '\u001b[2J', '\n', '\r', '\nFAKE LINE', '\t', '\u0000', '\u007f', '\u0085', '\u009b31m', '\u202e', '\u2066', '\u2028', '\u200f', '\ufeff', 'a', 'é', '日', ' ', '\\x1b', '"', "'", '$(reboot)', ';', '`id`']
export const hostile: fc.Arbitrary<string> = fc.array(fc.constantFrom(...HOSTILE_UNITS), { minLength: 1, maxLength: 6 }).map((a) => a.join(''))

const FIX = path.resolve('test/fixtures')
const FIXTURES = ['x86-6.12/snapshot.json', 'x86-6.12-noiommu/snapshot.json', 'x86-6.12-cdev/snapshot.json', 'arm64-6.12/lsvfio-snapshot.json']
const docs = new Map<string, SnapshotDoc>()
const doc = (file: string): SnapshotDoc => {
  let d = docs.get(file)
  if (d === undefined) docs.set(file, (d = parseSnapshot(readFileSync(path.join(FIX, file), 'utf8'), file)))
  return d
}

let models: Inventory[] | null = null
/** The renderers' rich inventories and the real fixtures' inventories (with diagnostics and raw replies). */
function allModels(): Inventory[] {
  models ??= [
    ...Object.values(allInventories()),
    ...FIXTURES.map((f) => {
      const d = doc(f)
      const via = f.includes('cdev') ? ('cdev' as const) : ('auto' as const)
      const host = { fs: new ReplayFs(d), sys: new ReplaySys(d), names: null }
      return judged(host.fs, inspect(host, ALL, { open: true, via, configBytes: 4096, readRegion: null, diagnose: true, raw: true }))
    }),
  ]
  return models
}

/** Discriminators of the model's unions: lsvfio's own words, which renderers switch on, not host strings. */
const OWN_WORDS = new Set(['kind'])

/** Every string of x, as setters: the injection points. */
function stringSlots(x: unknown, out: ((s: string) => void)[] = []): ((s: string) => void)[] {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return out
  const o = x as Record<string, unknown>
  for (const k of Object.keys(o)) {
    const v = o[k]
    if (typeof v === 'string') {
      if (!OWN_WORDS.has(k)) out.push((s) => void (o[k] = s))
    } else stringSlots(v, out)
  }
  return out
}

const deepCopy = <T>(x: T): T => structuredClone(x)

export function unsafeLine(lines: readonly string[], style: Style): string | null {
  for (const l of lines) {
    const shown = style.enabled ? l.replace(SGR, '') : l
    if (RAW_CONTROL.test(shown)) return JSON.stringify(l)
  }
  return null
}

function renderAll(inv: Inventory, style: Style): string[] {
  const out: string[] = []
  for (const verbose of [0, 1, 2, 3] as const) {
    const view = { verbose, numeric: 2 as const, ascii: verbose % 2 === 0 }
    out.push(...renderText(inv, view, style), ...renderTree(inv, view, style))
  }
  out.push(...configDumpLines(inv, 4, { verbose: 0, numeric: 0 }, style), ...rawReplyLines(inv, style), ...regionDumpLines(inv, style))
  return out
}

const colour = createStyle(true)

/** A run through the CLI's own path (parse, gather, render); our typed errors are allowed outcomes. */
function runText(d: SnapshotDoc, argv: string[]): string {
  try {
    const p = parseArgs(argv, 'fuzz')
    if (p.kind !== 'run') return ''
    const r = run({ fs: new ReplayFs(d), sys: new ReplaySys(d), names: null }, p.options, plainStyle, { version: 'fuzz', argv })
    return r.stdout
  } catch (e: unknown) {
    if (e instanceof LsvfioError) return ''
    throw e
  }
}

/** The files lsvfio takes names from: process, driver, override, reset, users, VM, device tree. */
const HOST_STRING_FILES = /(comm|status|cmdline|\/driver|driver_override|reset_method|passwd|group|compatible|\/name|uevent|modalias|fdinfo|osrelease|\/fd\/\d+)$/

const TEXT_MODES: readonly string[][] = [[], ['-vvv'], ['-t', '-vv'], ['-t', '-vvv', '--ascii'], ['-nn', '-vv', '-xxxx', '--hexdump'], ['check'], ['check', '--open']]

export const MODEL_INJECTION = {
  name: 'hostile strings in every string field of the model: every text renderer, no raw control character, no extra line',
  runs: 20_000,
  property: () =>
    fc.property(fc.nat(), fc.array(hostile, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.boolean(), (which, strings, at, coloured) => {
      const all = allModels()
      const inv = deepCopy(all[which % all.length] as Inventory)
      const slots = stringSlots(inv)
      if (slots.length === 0) return
      at.forEach((n, i) => slots[n % slots.length]?.(strings[i % strings.length] ?? ''))
      const style = coloured ? colour : plainStyle
      const bad = unsafeLine(renderAll(inv, style), style)
      if (bad !== null) throw new Error(`raw control character or line break in ${bad}`)
    }),
}

export const SNAPSHOT_INJECTION = {
  name: 'hostile host strings in real snapshots (comm, VM and user names, drivers, overrides, reset_method, DT): whole runs and check',
  runs: 3_000,
  property: () =>
    fc.property(fc.nat(), fc.array(hostile, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.nat(), (which, strings, at, mode) => {
      const d = deepCopy(doc(FIXTURES[which % FIXTURES.length] ?? ''))
      const keys = Object.keys(d.fs).filter((k) => /^(text|link|bytes) /.test(k))
      // half of the picks among the files that carry names (the rest anywhere)
      const named = keys.filter((k) => HOST_STRING_FILES.test(k))
      at.forEach((n, i) => {
        const k = (n % 2 === 0 && named.length > 0 ? named[(n >> 1) % named.length] : keys[n % keys.length]) ?? ''
        const e = d.fs[k]
        const s = strings[i % strings.length] ?? ''
        if (e === undefined || !('v' in e) || e.v === null) return
        d.fs[k] = { v: k.startsWith('bytes ') ? e.v + Buffer.from(s, 'utf8').toString('hex') : e.v.replace(/\n$/, '') + s + '\n' }
      })
      const argv = [...(TEXT_MODES[mode % TEXT_MODES.length] ?? []), ...(which % FIXTURES.length === 2 ? ['--via', 'cdev'] : [])]
      const out = runText(d, argv).replace(/\n/g, '')
      if (RAW_CONTROL.test(out)) throw new Error(`raw control character in the output of lsvfio ${argv.join(' ')}: ${JSON.stringify(out.slice(Math.max(0, out.search(RAW_CONTROL) - 40), out.search(RAW_CONTROL) + 20))}`)
    }),
}
