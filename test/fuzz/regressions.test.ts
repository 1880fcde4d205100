// Every crash and hang npm run fuzz found, kept as a plain test: the input that broke it, replayed.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import { EnvironmentError, LsvfioError } from '../../src/errors.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'
import { ReadOnlySys } from '../../src/kernel/read-only.js'
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'
import { MAX_INDEXES, Vfio } from '../../src/kernel/vfio.js'
import { plainStyle } from '../../src/render/style.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { parseSnapshot } from '../../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { FuzzSys, Rng } from './fuzz-sys.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures')
const load = (name: string): SnapshotDoc => parseSnapshot(readFileSync(path.join(FIX, name, 'snapshot.json'), 'utf8'), name)

/** A seam that gives up (a test failure, not a hang) after `budget` calls. */
function budgeted(inner: Sys, budget: number): Sys & { calls: number } {
  const s = {
    calls: 0,
    tick(): void {
      if (++s.calls > budget) throw new Error(`more than ${budget} kernel calls: a loop the kernel's answers drive`)
    },
    open: (p: string, m: 'r' | 'rw') => (s.tick(), inner.open(p, m)),
    close: (fd: number) => inner.close(fd),
    ioctl: (fd: number, r: number, a: IoctlArg) => (s.tick(), inner.ioctl(fd, r, a)),
    pread: (fd: number, b: Uint8Array, pos: bigint) => (s.tick(), inner.pread(fd, b, pos)),
  }
  return s
}

function runWith(doc: SnapshotDoc, sys: Sys, argv: string[]): number {
  const p = parseArgs(argv, 'test')
  if (p.kind !== 'run') throw new Error('not a run')
  return run({ fs: new ReplayFs(doc), sys, names: null }, p.options, plainStyle, { version: 'test', argv }).exitCode
}

describe('fuzz findings', () => {
  it('a device claiming 0xffffffff regions is an EPROTO fault, not 4 billion REGION_INFO calls (was a hang)', () => {
    const sys: Sys = {
      open: () => 3,
      close: () => {},
      ioctl: (_fd, req, arg) => {
        if (req === U.VFIO_DEVICE_GET_INFO && arg.kind === 'buf') {
          const dv = new DataView(arg.buf.buffer, arg.buf.byteOffset, arg.buf.byteLength)
          dv.setUint32(4, U.VFIO_DEVICE_FLAGS_PCI, true)
          dv.setUint32(8, 0xffffffff, true)
          dv.setUint32(12, 5, true)
        }
        return 0
      },
      pread: () => 0,
    }
    const v = new Vfio(new ReadOnlySys(sys))
    const fd = v.open('/dev/vfio/devices/vfio0')
    if (!fd.ok) throw new Error('open')
    const r = v.deviceInfo(fd.value, '/dev/vfio/devices/vfio0')
    expect(r.ok).toBe(false)
    if (!r.ok) expect([r.error.code, r.error.hint]).toEqual(['EPROTO', expect.stringContaining('4294967295 regions')])
    expect(MAX_INDEXES).toBeGreaterThanOrEqual(64)
  })

  it('the hang seed replays to an end: x86-6.12-cdev --hexdump, seed 956665664, every reply distorted', () => {
    const doc = load('x86-6.12-cdev')
    const sys = budgeted(new FuzzSys(new Rng(956665664), new ReplaySys(doc), 0.9999999999999998), 20_000)
    expect([0, 1, 2]).toContain(runWith(doc, sys, ['--open', '--via', 'cdev', '--hexdump']))
    expect(sys.calls).toBeGreaterThan(10)
  })

  it('a sysfs read that fails at the top (a corrupt stat record: EPROTO) is one EnvironmentError, not an untyped crash', () => {
    const doc = load('x86-6.12')
    doc.fs['stat /sys/module/vfio_iommu_type1'] = { v: '[1,2' }
    let err: unknown = null
    try {
      runWith(doc, new ReplaySys(doc), [])
    } catch (e: unknown) {
      err = e
    }
    expect(err).toBeInstanceOf(EnvironmentError)
    expect(err).toBeInstanceOf(LsvfioError)
    expect((err as Error).message).toBe('cannot read /sys/module/vfio_iommu_type1: EPROTO')
  })
})
