// The fuzz targets: every decoder of kernel bytes, the typed Vfio wrapper on a hostile kernel, whole
// runs (scan, queries, every renderer) on distorted real kernels and corrupted snapshots, the snapshot
// loader and the command-line parsers. The rule each checks: return normally, or throw one of our
// typed errors (LsvfioError); faults in kernel replies must end as fault markers in the model.
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs, parseRegionSpec } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import { LsvfioError } from '../../src/errors.js'
import { PciIds } from '../../src/inspect/pci-ids.js'
import { matches, parseGroup, parseId, parseSlot, type Selection } from '../../src/inspect/selection.js'
import { parseResources } from '../../src/inspect/sysfs-device.js'
import { capHeaders, walkCaps } from '../../src/kernel/abi/caps.js'
import * as S from '../../src/kernel/abi/structs.js'
import * as I from '../../src/kernel/abi/structs-iommufd.js'
import { LAYOUTS } from '../../src/kernel/abi/layouts.js'
import { rawHotReset, rawReply } from '../../src/kernel/raw.js'
import { ReadOnlySys } from '../../src/kernel/read-only.js'
import type { Sys } from '../../src/kernel/sys.js'
import { Vfio } from '../../src/kernel/vfio.js'
import { hexdump } from '../../src/render/hexdump.js'
import { createStyle } from '../../src/render/style.js'
import { compactSnapshot, type CompactDoc } from '../../src/snapshot/compact.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { checkSnapshot, parseSnapshot, readSnapshot, validateSnapshot } from '../../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { FuzzSys, Rng } from './fuzz-sys.js'
import { MODEL_INJECTION, SNAPSHOT_INJECTION } from './targets-text.js'

export interface Target {
  name: string
  /** cases in one `npm run fuzz` */
  runs: number
  /** Runs numRuns cases from seed: null when all passed, else fast-check's report (counterexample, seed, path). */
  check(numRuns: number, seed: number): { failed: false } | { failed: true; cases: number; report: string }
}

function target<Ts extends [unknown, ...unknown[]]>(name: string, runs: number, property: () => fc.IPropertyWithHooks<Ts>): Target {
  return {
    name,
    runs,
    check: (numRuns, seed) => {
      const r = fc.check(property(), { numRuns, seed })
      if (!r.failed) return { failed: false }
      const e = r.errorInstance
      const why = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` : String(e)
      return { failed: true, cases: r.numRuns, report: `${fc.defaultReportMessage(r) ?? 'failed'}\n${why}` }
    },
  }
}

/** Runs f; our typed errors are an allowed outcome, anything else is a finding. */
export function typed(f: () => unknown): void {
  try {
    f()
  } catch (e: unknown) {
    if (e instanceof LsvfioError) return
    throw e
  }
}

// From the repository root (vitest and npm run fuzz both run there; the fuzz runner is a bundle elsewhere).
const FIX = path.resolve('test/fixtures')
export const FIXTURES: readonly { name: string; file: string; argv: string[] }[] = [
  { name: 'x86-6.12', file: 'x86-6.12/snapshot.json', argv: [] },
  { name: 'x86-6.1', file: 'x86-6.1/snapshot.json', argv: [] },
  { name: 'x86-6.12-noiommu', file: 'x86-6.12-noiommu/snapshot.json', argv: [] },
  { name: 'x86-6.12-cdev', file: 'x86-6.12-cdev/snapshot.json', argv: ['--via', 'cdev'] },
  { name: 'arm64-6.12', file: 'arm64-6.12/lsvfio-snapshot.json', argv: [] },
]
/** One value per fixture file, made on first use (fixtures are read and parsed once per worker). */
function perFixture<T>(make: (file: string) => T): (file: string) => T {
  const cache = new Map<string, T>()
  return (file) => {
    let v = cache.get(file)
    if (v === undefined) cache.set(file, (v = make(file)))
    return v
  }
}
export const fixtureText = perFixture((file) => readFileSync(path.join(FIX, file), 'utf8'))
/** The fixture as --save writes it now (version 2). */
const compactText = perFixture((file) => compactSnapshot(parseSnapshot(fixtureText(file), file)))
const fixtureDoc = perFixture((file): SnapshotDoc => parseSnapshot(fixtureText(file), file))

const bytes = (max: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.uint8Array({ maxLength: max }), fc.nat(7)).map(([b, shift]) => {
    // a view that does not start at offset 0 of its buffer, as replies cut from a larger one do
    const big = new Uint8Array(b.length + shift)
    big.set(b, shift)
    return big.subarray(shift)
  })
const wild = fc.oneof(fc.integer({ min: -64, max: 512 }), fc.constantFrom(0, 8, 20, 24, 32, 0x7fffffff, 0xffffffff, -1, 2 ** 32, 2 ** 53, NaN, Infinity, -Infinity, 1.5))
const ns = fc.constantFrom('device' as const, 'region' as const, 'iommu' as const)
const plain = createStyle(false)
const colour = createStyle(true, 3)

/** A capability chain laid out on purpose: headers at chosen offsets, next pointers anywhere. */
const chain = fc
  .record({
    size: fc.integer({ min: 0, max: 256 }),
    headers: fc.array(fc.record({ at: fc.nat(260), id: fc.nat(9), version: fc.nat(3), next: fc.oneof(fc.nat(270), wild), count: fc.oneof(fc.nat(20), fc.constant(0xffffffff)) }), { maxLength: 12 }),
    capOffset: fc.oneof(fc.nat(270), wild),
    argsz: fc.oneof(fc.nat(300), wild),
    noise: fc.uint8Array({ maxLength: 256 }),
  })
  .map((c) => {
    const buf = new Uint8Array(c.size)
    buf.set(c.noise.subarray(0, c.size))
    const dv = new DataView(buf.buffer)
    for (const h of c.headers) {
      if (h.at + 8 > c.size) continue
      dv.setUint16(h.at, h.id, true)
      dv.setUint16(h.at + 2, h.version, true)
      dv.setUint32(h.at + 4, Number.isFinite(h.next) ? Number(h.next) >>> 0 : 0, true)
      if (h.at + 12 <= c.size) dv.setUint32(h.at + 8, h.count >>> 0, true)
    }
    return { buf, capOffset: c.capOffset, argsz: c.argsz }
  })

const DECODERS: ((b: Uint8Array) => unknown)[] = [
  S.decodeGroupStatus,
  S.decodeDeviceInfo,
  S.decodeRegionInfo,
  S.decodeIrqInfo,
  S.decodeIommuType1Info,
  S.decodeHotResetInfo,
  S.decodeFeatureMigration,
  S.decodeFeatureMigState,
  S.decodeFeatureMigDataSize,
  I.decodeBindIommufd,
  I.decodeHwInfo,
  I.decodeHwInfoVtd,
  I.decodeHwInfoArmSmmuv3,
  I.decodeIoasAlloc,
  I.decodeIoasIovaRanges,
  I.decodeIommuOption,
  (b) => I.decodeIommuIovaRanges(b, b.length),
]

function vfioCalls(v: Vfio, rng: Rng): void {
  const fd = 3 + rng.int(4)
  const p = '/dev/vfio/7'
  v.open(p)
  v.apiVersion(fd, p)
  v.checkExtension(fd, rng.int(12), p)
  v.groupStatus(fd, p)
  v.setContainer(fd, fd + 1, p)
  v.setIommu(fd, rng.int(10), p)
  v.iommuInfo(fd, p)
  v.getDeviceFd(fd, '0000:01:00.0', p)
  v.deviceInfo(fd, p)
  for (let i = 0; i < 10; i++) v.regionInfo(fd, i, p)
  for (let i = 0; i < 6; i++) v.irqInfo(fd, i, p)
  v.hotResetInfo(fd, p, S.pciAddress)
  v.featureProbe(fd, rng.int(12), p)
  v.migrationFlags(fd, p)
  v.bindIommufd(fd, fd + 2, p)
  v.hwInfo(fd + 2, rng.int(4), p)
  v.read(fd, BigInt(rng.next()) << BigInt(rng.int(40)), rng.int(5000), 'pread', p)
}

/** The modes a whole run is fuzzed in: every renderer and byte dump. */
// The kernel's (distorted) answers are asked only with --open; two passive modes read sysfs alone.
export const MODES: readonly string[][] = [['--open'], ['--open', '-vvv'], ['--open', '-t', '-vv'], ['--open', '--json', '-xxxx', '--hexdump'], ['--open', '-xxxx', '-vv'], ['--open', '--hexdump'], ['--open', '--read-region', 'CONFIG:0:64', '-g', '1'], ['-nn', '-vv', '--no-open'], ['-vv', '--json']]

function runOnce(doc: SnapshotDoc | CompactDoc, sys: Sys, argv: string[], colourful: boolean): void {
  const p = parseArgs(argv, 'fuzz')
  if (p.kind !== 'run') return
  const o = { ...p.options, color: colourful ? ('always' as const) : ('never' as const) }
  const r = run({ fs: new ReplayFs(doc), sys, names: null }, o, colourful ? colour : plain, { version: 'fuzz', argv })
  if (![0, 1, 2].includes(r.exitCode)) throw new Error(`exit code ${r.exitCode}`)
}

const ARG_TOKENS = ['-s', '-d', '-g', '-v', '-vv', '-vvv', '-vvvv', '-t', '--json', '-x', '-xx', '-xxx', '-xxxx', '-n', '-nn', '--hexdump', '--no-open', '--open', '--via', 'cdev', 'group', '--from', '--save', '--sysfs-root', '--color', 'always', '--read-region', 'ROM:0:64', 'BAR0', 'CONFIG:0x10:0', '--driver', 'vfio-pci', 'check', 'completion', 'bash', '--help', '-V', '01:00.0', '0000:00:1f.7', ':', '.', '8086:', ':10de', 'noiommu-3', '--', '-', '']

export const TARGETS: readonly Target[] = [
  target(MODEL_INJECTION.name, MODEL_INJECTION.runs, MODEL_INJECTION.property),
  target(SNAPSHOT_INJECTION.name, SNAPSHOT_INJECTION.runs, SNAPSHOT_INJECTION.property),
  target(
    'abi decoders (every struct, any length and alignment)',
    200_000,
    () =>
      fc.property(bytes(96), fc.nat(DECODERS.length - 1), (b, i) => {
        const r = DECODERS[i]?.(b) as { truncated?: boolean } | undefined
        if (r === undefined || typeof r !== 'object') throw new Error('decoder gave nothing')
      }),
  ),
  target(
    'raw replies (labelled fields of every struct, cap headers)',
    100_000,
    () =>
      fc.property(bytes(160), fc.constantFrom(...Object.keys(LAYOUTS), 'no-such-struct'), ns, wild, wild, (b, struct, n, capOffset, argsz) => {
        const r = rawReply('op', struct, b, { ns: n, capOffset, argsz })
        for (const f of r.fields) if (f.offset < 0 || f.size < 0) throw new Error(`field ${f.label} at ${f.offset}+${f.size}`)
        rawHotReset('op', b)
        for (const line of hexdump(b)) if (typeof line !== 'string') throw new Error('hexdump')
      }),
  ),
  target(
    'capability chains (loops, overlaps, wild offsets, short and huge argsz)',
    250_000,
    () =>
      fc.property(chain, ns, ({ buf, capOffset, argsz }, n) => {
        const caps = walkCaps(buf, capOffset, argsz, n)
        capHeaders(buf, capOffset, argsz, n)
        // bounded: each cap claims its own 8-byte header inside min(argsz, buffer)
        const bound = Math.min(Number.isFinite(argsz) ? Math.max(0, Math.trunc(argsz)) : 0, buf.length)
        const seen = new Set<number>()
        for (const c of caps) {
          if (c.kind === 'chain-error') continue
          if (c.offset < 0 || c.offset + 8 > bound || seen.has(c.offset)) throw new Error(`cap at ${c.offset} (bound ${bound}) twice or outside`)
          seen.add(c.offset)
        }
      }),
  ),
  target(
    'typed Vfio wrapper on a random kernel (replies, errno, growing argsz)',
    100_000,
    () =>
      fc.property(fc.integer(), (seed) => {
        const rng = new Rng(seed)
        typed(() => vfioCalls(new Vfio(new ReadOnlySys(new FuzzSys(rng, null, 1))), rng))
      }),
  ),
  target(
    'whole runs, every renderer, on distorted real kernels',
    15_000,
    () =>
      fc.property(fc.integer(), fc.constantFrom(...FIXTURES), fc.constantFrom(...MODES), fc.boolean(), fc.double({ min: 0.01, max: 1, noNaN: true }), (seed, fx, mode, colourful, p) => {
        const doc = fixtureDoc(fx.file)
        typed(() => runOnce(doc, new FuzzSys(new Rng(seed), new ReplaySys(doc), p), [...fx.argv, ...mode], colourful))
      }),
  ),
  target(
    'snapshot loader: corrupted and truncated real snapshots (flat and compact), then replayed',
    5_000,
    () =>
      fc.property(fc.constantFrom(...FIXTURES), fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 6 }), fc.constantFrom(...MODES), fc.boolean(), (fx, edits, mode, compact) => {
        let text = compact ? compactText(fx.file) : fixtureText(fx.file)
        for (const [at, del, ins] of edits) {
          const i = at % (text.length + 1)
          text = text.slice(0, i) + ins + text.slice(i + del)
        }
        typed(() => {
          const doc = readSnapshot(text, 'fuzzed.json')
          runOnce(doc, new ReplaySys(doc), [...fx.argv, ...mode], false)
        })
      }),
  ),
  target(
    'snapshot loader: wrong shapes, versions, huge numbers, random JSON',
    100_000,
    () =>
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            format: fc.oneof(fc.constant('lsvfio-snapshot'), fc.jsonValue()),
            version: fc.oneof(fc.constant(1), fc.integer(), fc.double(), fc.jsonValue()),
            fs: fc.dictionary(fc.string(), fc.oneof(fc.record({ v: fc.oneof(fc.string(), fc.constant(null)) }), fc.record({ e: fc.string() }), fc.jsonValue())),
            open: fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.double(), fc.jsonValue())),
            ioctl: fc.dictionary(fc.string(), fc.oneof(fc.record({ r: fc.integer(), out: fc.stringMatching(/^[0-9a-f]{0,40}$/) }), fc.jsonValue())),
            pread: fc.dictionary(fc.string(), fc.oneof(fc.stringMatching(/^[0-9a-f]{0,40}$/), fc.integer(), fc.jsonValue())),
          }),
          // version 2 (compact): nested entries and "@N" blob references, in range or not
          fc.record({
            format: fc.constant('lsvfio-snapshot'),
            version: fc.constant(2),
            blobs: fc.oneof(fc.array(fc.stringMatching(/^[0-9a-f]{0,40}$/), { maxLength: 4 }), fc.jsonValue()),
            fs: fc.dictionary(fc.string(), fc.oneof(fc.dictionary(fc.oneof(fc.string(), fc.constant('bytes x')), fc.oneof(fc.string(), fc.constant('@1'), fc.constant(null), fc.record({ e: fc.string() }), fc.jsonValue())), fc.jsonValue())),
            open: fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.jsonValue())),
            ioctl: fc.dictionary(fc.string(), fc.oneof(fc.dictionary(fc.oneof(fc.string(), fc.constant('15212 buf @3')), fc.oneof(fc.integer(), fc.tuple(fc.integer(), fc.oneof(fc.string(), fc.constant('@0'), fc.constant('@9'))), fc.jsonValue())), fc.jsonValue())),
            pread: fc.dictionary(fc.string(), fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.constant('@2'), fc.string(), fc.jsonValue())), fc.jsonValue())),
          }),
        ),
        (x) => {
          typed(() => validateSnapshot(x, 'fuzzed.json'))
          typed(() => {
            const doc = checkSnapshot(x, 'fuzzed.json')
            // a checked document must replay without surprises: ask it what a run asks
            runOnce(doc, new ReplaySys(doc), ['--json'], false)
          })
        },
      ),
  ),
  target(
    'whole runs on valid snapshots with hostile values (errors, odd hex, fds, huge results)',
    5_000,
    () =>
      fc.property(fc.integer(), fc.constantFrom(...FIXTURES), fc.constantFrom(...MODES), (seed, fx, mode) => {
        const rng = new Rng(seed)
        const doc: SnapshotDoc = JSON.parse(fixtureText(fx.file)) as SnapshotDoc
        const fsKeys = Object.keys(doc.fs)
        for (let k = 0; k < 1 + rng.int(8); k++) {
          const key = rng.pick(fsKeys)
          doc.fs[key] = rng.chance(0.4) ? { e: rng.pick(['EIO', 'EACCES', 'ENODATA', 'ENOENT', '']) } : { v: rng.chance(0.2) ? null : rng.pick(['', '\n', 'zz', '0xffffffffffff', '-1', '[1,2', '{"mode":1,"kind":"char","uid":0,"gid":0,"rdev":"x"}', '["a"]', '0'.repeat(rng.int(9000))]) }
        }
        for (const key of Object.keys(doc.ioctl)) {
          if (!rng.chance(0.1)) continue
          const e = doc.ioctl[key]
          if (e === undefined) continue
          doc.ioctl[key] = { r: rng.pick([0, -1, -22, 1 << 30, 2 ** 53 - 1, -(2 ** 31)]), ...(rng.chance(0.7) ? { out: rng.pick(['', 'ff', '00'.repeat(rng.int(300)), e.out ?? '']) } : {}) }
        }
        for (const key of Object.keys(doc.pread)) if (rng.chance(0.3)) doc.pread[key] = rng.chance(0.5) ? rng.pick([-5, 0, 2 ** 40]) : 'ab'.repeat(rng.int(5000))
        typed(() => {
          const checked = validateSnapshot(doc, 'fuzzed.json')
          runOnce(checked, new ReplaySys(checked), [...fx.argv, ...mode], rng.chance(0.5))
        })
      }),
  ),
  target(
    'selectors: -s, -d, -g, --read-region and matching',
    200_000,
    () =>
      fc.property(fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[0-9a-fA-F:.*]{0,20}$/)), fc.record({ vendorId: fc.nat(0xffff), deviceId: fc.nat(0xffff), classCode: fc.nat(0xffffff) }), (s, pci) => {
        let sel: Selection = { slot: null, name: null, id: null, group: null, driver: null }
        typed(() => (sel = { ...sel, ...parseSlot(s) }))
        typed(() => (sel = { ...sel, id: parseId(s) }))
        typed(() => (sel = { ...sel, group: parseGroup(s) }))
        typed(() => parseRegionSpec(s))
        matches(sel, { address: s, pci, driver: s }, 1)
        matches(sel, { address: '0000:01:00.0', pci: null, driver: null }, null)
      }),
  ),
  target(
    'command lines: random argv (commander, selectors, conflicts)',
    20_000,
    () =>
      fc.property(fc.array(fc.oneof(fc.constantFrom(...ARG_TOKENS), fc.string({ maxLength: 10 })), { maxLength: 8 }), (argv) => {
        typed(() => parseArgs(argv, 'fuzz'))
      }),
  ),
  target(
    'sysfs text: resource files and pci.ids',
    60_000,
    () =>
      fc.property(fc.string({ maxLength: 400 }), fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffffff), (text, v, d, c) => {
        parseResources(text)
        const ids = new PciIds(text)
        ids.vendor(v)
        ids.device(v, d)
        ids.className(c)
      }),
  ),
]
