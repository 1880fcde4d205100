// --open with groups queried side by side (inspectConcurrently): the device opens and closes of
// independent groups wait together, yet the answers, and what --save records, are those of one by one,
// whatever order the slow calls come back in.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/program.js'
import { present, run, runConcurrently } from '../../src/cli/run.js'
import { inspect, inspectConcurrently } from '../../src/inspect/inspect.js'
import type { Host } from '../../src/inspect/host.js'
import { ALL } from '../../src/inspect/selection.js'
import { runSync, runTogether, step } from '../../src/inspect/steps.js'
import type { IoctlArg, Step, Sys } from '../../src/kernel/sys.js'
import { VFIO_DEVICE_BIND_IOMMUFD, VFIO_GROUP_GET_DEVICE_FD } from '../../src/kernel/abi/vfio-uapi.js'
import { plainStyle } from '../../src/render/style.js'
import { compactSnapshot } from '../../src/snapshot/compact.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { validateSnapshot } from '../../src/snapshot/format.js'
import { Recording, RecordingFs, RecordingSys } from '../../src/snapshot/record.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures/x86-6.12/snapshot.json')
const CDEV = path.resolve(import.meta.dirname, '../fixtures/x86-6.12-cdev/snapshot.json')
const doc = (f = FIX) => validateSnapshot(JSON.parse(readFileSync(f, 'utf8')), f)

/** New fds (open, GET_DEVICE_FD) as "fd": their numbers depend on what else is open at that moment. */
function fdsMasked(d: SnapshotDoc): SnapshotDoc {
  const open = Object.fromEntries(Object.entries(d.open).map(([k, v]) => [k, v >= 0 ? 1 : v]))
  const ioctl = Object.fromEntries(Object.entries(d.ioctl).map(([k, v]) => [k, / 15210 str /.test(k) && v.r >= 0 ? { ...v, r: 1 } : v]))
  return { ...d, open, ioctl }
}

/** A replayed kernel whose slow calls answer after a random delay, counting how many wait at once. */
class SlowSys implements Sys {
  inFlight = 0
  most = 0
  opens = 0
  closes = 0
  constructor(private readonly inner: Sys) {}
  open(p: string, m: 'r' | 'rw'): number {
    return this.inner.open(p, m)
  }
  close(fd: number): void {
    this.inner.close(fd)
  }
  ioctl(fd: number, r: number, a: IoctlArg): number {
    return this.inner.ioctl(fd, r, a)
  }
  pread(fd: number, b: Uint8Array, p: bigint): number {
    return this.inner.pread(fd, b, p)
  }
  private later<T>(f: () => T): Promise<T> {
    this.most = Math.max(this.most, ++this.inFlight)
    return new Promise((resolve) =>
      setTimeout(() => {
        this.inFlight--
        resolve(f())
      }, Math.random() * 8),
    )
  }
  ioctlAsync(fd: number, r: number, a: IoctlArg): Promise<number> {
    if (r === VFIO_GROUP_GET_DEVICE_FD || r === VFIO_DEVICE_BIND_IOMMUFD) this.opens++
    return this.later(() => this.inner.ioctl(fd, r, a))
  }
  closeAsync(fd: number): Promise<void> {
    this.closes++
    return this.later(() => this.inner.close(fd))
  }
}

describe('steps', () => {
  it('run side by side: every step of a round starts before any is answered; results in the order given', async () => {
    const log: string[] = []
    const mk = (name: string, n: number) =>
      (function* () {
        let sum = 0
        for (let i = 0; i < n; i++) {
          log.push(`${name}${i}`)
          sum += yield* step<number>({ run: () => i, start: () => new Promise((r) => setTimeout(() => r(i), Math.random() * 5)) } satisfies Step<number>)
        }
        return `${name}=${sum}`
      })()
    expect(await runTogether([mk('a', 3), mk('b', 1), mk('c', 2)])).toEqual(['a=3', 'b=0', 'c=1'])
    // round by round, in the order given, whatever order the answers came in
    expect(log).toEqual(['a0', 'b0', 'c0', 'a1', 'c1', 'a2'])
    expect(runSync(mk('d', 3))).toBe('d=3')
  })
})

describe('inspectConcurrently over the 6.12 fixture', () => {
  const opts = { open: true, via: 'auto', configBytes: 256, readRegion: null, diagnose: true, raw: true } as const

  it('gives the inventory inspect() gives, with every idle group\'s device open waiting together', async () => {
    const d = doc()
    const once = inspect({ fs: new ReplayFs(d), sys: new ReplaySys(d), names: null }, ALL, opts)
    const slow = new SlowSys(new ReplaySys(d))
    const together = await inspectConcurrently({ fs: new ReplayFs(d), sys: slow, names: null }, ALL, opts)
    expect(together.inventory).toEqual(once.inventory)
    const opened = once.inventory.groups.filter((g) => g.status?.ok === true && g.devices.some((x) => x.vfio?.ok === true)).length
    expect(opened).toBeGreaterThanOrEqual(8)
    expect(slow.opens).toBeGreaterThanOrEqual(opened)
    expect(slow.closes).toBe(slow.opens)
    // the first device of each opened group is asked for at once
    expect(slow.most).toBeGreaterThanOrEqual(opened)
  })

  it('on the cdev path too: the binds (where vfio-pci opens the device) wait together, the inventory is the same', async () => {
    const d = doc(CDEV)
    const cdev = { ...opts, via: 'cdev' } as const
    const once = inspect({ fs: new ReplayFs(d), sys: new ReplaySys(d), names: null }, ALL, cdev)
    const slow = new SlowSys(new ReplaySys(d))
    const together = await inspectConcurrently({ fs: new ReplayFs(d), sys: slow, names: null }, ALL, cdev)
    expect(together.inventory).toEqual(once.inventory)
    const opened = once.inventory.groups.flatMap((g) => g.devices).filter((x) => x.vfio?.ok === true && x.vfio.value.via === 'cdev').length
    expect(opened).toBeGreaterThanOrEqual(8)
    expect(slow.opens).toBe(opened)
    // one device at a time within a group, the groups side by side
    const groups = once.inventory.groups.filter((g) => g.devices.some((x) => x.vfio?.ok === true)).length
    expect(slow.most).toBeGreaterThanOrEqual(groups)
  })

  it('records the answers a one-by-one run records, and the same file every time, whatever order the calls come back in', async () => {
    const d = doc()
    const record = async (concurrent: boolean) => {
      const rec = new Recording('test', [], new Date(0))
      const host: Host = { fs: new RecordingFs(new ReplayFs(d), rec), sys: new RecordingSys(concurrent ? new SlowSys(new ReplaySys(d)) : new ReplaySys(d), rec), names: null }
      if (concurrent) await inspectConcurrently(host, ALL, opts)
      else inspect(host, ALL, opts)
      return fdsMasked(rec.shareable())
    }
    const once = await record(false)
    const first = await record(true)
    // the same keys and answers (the groups' entries interleave, so the order differs from one by one;
    // which fd number the kernel gives is its choice, in any run, and a replay makes up its own)
    expect(first).toEqual(once)
    for (let i = 0; i < 3; i++) expect(compactSnapshot(await record(true))).toBe(compactSnapshot(first))
  })

  it('the CLI path prints what run() prints', async () => {
    const d = doc()
    for (const argv of [['--open', '-vv'], ['--open', '--json'], ['check', '--open']]) {
      const p = parseArgs(argv, 'test')
      if (p.kind !== 'run') throw new Error('not a run')
      const meta = { version: 'test', argv, hostname: null, now: new Date(0) }
      const a = run({ fs: new ReplayFs(d), sys: new ReplaySys(d), names: null }, p.options, plainStyle, meta)
      const b = await runConcurrently({ fs: new ReplayFs(d), sys: new SlowSys(new ReplaySys(d)), names: null }, p.options, plainStyle, meta)
      expect(b.stdout, argv.join(' ')).toBe(a.stdout)
      expect(b.exitCode).toBe(a.exitCode)
    }
    expect(present).toBeTypeOf('function')
  })
})
