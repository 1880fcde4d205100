// Read-only, proven at the kernel seam: every CLI mode over every real-kernel fixture, with a spy under
// ReadOnlySys that sees every ioctl that would reach the kernel. Each one must be on the read-only list
// below, written out here independently of src/kernel/read-only.ts; and the spy must agree one for one
// with ReadOnlySys's own `issued` log, so the guard is really in the path.
import { readdirSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import { InternalError } from '../../src/errors.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'
import { ReadOnlySys } from '../../src/kernel/read-only.js'
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'
import { plainStyle } from '../../src/render/style.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { parseSnapshot } from '../../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'
import { type Issued, issuedInSnapshot, type Kind, notReadOnly } from './read-only-list.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures')
const snapshotOf = (dir: string): string | undefined => ['snapshot.json', 'lsvfio-snapshot.json'].map((f) => path.join(FIX, dir, f)).find((f) => existsSync(f))
const FIXTURES = readdirSync(FIX).filter((d) => snapshotOf(d) !== undefined)

/** Every mode of the command line that gathers: display modes, verbosity, dumps, selections, check. */
const MODES: readonly string[][] = [
  [],
  ['-v'],
  ['-vv'],
  ['-vvv'],
  ['-t'],
  ['-t', '-vvv'],
  ['--json'],
  ['--json', '--hexdump', '-xxxx'],
  ['-x'],
  ['-xxx'],
  ['-xxxx'],
  ['--hexdump'],
  ['-nn', '-vv'],
  ['--read-region', 'CONFIG:0:64'],
  ['--read-region', 'ROM:0:32'],
  ['-s', '01:00.0', '-vv'],
  ['--driver', 'vfio-pci', '-vv'],
  ['--no-open'],
  ['--no-open', '-vv'],
  ['--no-open', '--json', '-xxxx'],
  ['check'],
  ['check', '--json'],
]

/** The seam as the kernel would see it: what each fd is, and every ioctl that got through. */
class Spy implements Sys {
  readonly log: Issued[] = []
  private kinds = new Map<number, Kind>()

  constructor(private readonly inner: Sys) {}

  open(p: string, mode: 'r' | 'rw'): number {
    const fd = this.inner.open(p, mode)
    const kind: Kind | null = p === '/dev/vfio/vfio' ? 'container' : /^\/dev\/vfio\/(noiommu-)?\d+$/.test(p) ? 'group' : p.startsWith('/dev/vfio/devices/') ? 'cdev' : p === '/dev/iommu' ? 'iommufd' : null
    if (fd >= 0 && kind !== null) this.kinds.set(fd, kind)
    return fd
  }

  close(fd: number): void {
    this.kinds.delete(fd)
    this.inner.close(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const i: Issued = { kind: this.kinds.get(fd) ?? 'unknown', request }
    if (request === U.VFIO_DEVICE_FEATURE && arg.kind === 'buf' && arg.buf.length >= 8) i.featureFlags = new DataView(arg.buf.buffer, arg.buf.byteOffset).getUint32(4, true)
    if (request === U.VFIO_DEVICE_QUERY_GFX_PLANE && arg.kind === 'buf' && arg.buf.length >= 8) i.gfxFlags = new DataView(arg.buf.buffer, arg.buf.byteOffset).getUint32(4, true)
    this.log.push(i)
    const r = this.inner.ioctl(fd, request, arg)
    if (request === U.VFIO_GROUP_GET_DEVICE_FD && r >= 0) this.kinds.set(r, 'device')
    return r
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    return this.inner.pread(fd, buf, pos)
  }
}

const load = (dir: string): SnapshotDoc => {
  const f = snapshotOf(dir) ?? ''
  return parseSnapshot(readFileSync(f, 'utf8'), f)
}

describe('read-only at the kernel seam, every mode × every fixture', () => {
  it.each(FIXTURES)('%s: every ioctl that reaches the kernel is a read-only one', (dir) => {
    const doc = load(dir)
    const via = dir.endsWith('-cdev') ? ['--via', 'cdev'] : []
    let total = 0
    const kinds = new Set<string>()
    for (const mode of MODES) {
      // The listing asks the kernel only with --open: every listing mode runs with it, except the passive ones.
      const p = parseArgs(mode[0] === 'check' ? [...mode, ...via] : mode.includes('--no-open') ? [...via, ...mode] : ['--open', ...via, ...mode], 'test')
      if (p.kind !== 'run') throw new Error(`${mode.join(' ')}: not a run`)
      const spy = new Spy(new ReplaySys(doc))
      const guard = new ReadOnlySys(spy, true)
      run({ fs: new ReplayFs(doc), sys: guard, names: null }, p.options, plainStyle, { version: 'test', argv: mode })
      const bad = spy.log.map(notReadOnly).filter((w) => w !== null)
      expect(bad, `${dir} ${mode.join(' ')}`).toEqual([])
      // The guard saw (and logged) exactly what reached the seam.
      expect(guard.issued.map((i) => i.request), `${dir} ${mode.join(' ')}`).toEqual(spy.log.map((i) => i.request))
      if (mode.includes('--no-open')) expect(spy.log).toEqual([])
      total += spy.log.length
      for (const i of spy.log) kinds.add(i.kind)
    }
    // Not vacuous: the fixtures' VFIO devices were really queried, on every kind of fd.
    expect(total).toBeGreaterThan(100)
    expect([...kinds].sort()).toEqual(dir.endsWith('-cdev') ? ['cdev', 'iommufd'] : ['container', 'device', 'group'])
  })

  it.each(FIXTURES)('%s: every ioctl the real kernel was asked when the fixture was recorded is read-only', (dir) => {
    const issued = issuedInSnapshot(Object.keys(load(dir).ioctl))
    expect(issued.length).toBeGreaterThan(20)
    expect(issued.map((i) => [i.key, notReadOnly(i)]).filter(([, w]) => w !== null)).toEqual([])
  })

  it('the check is not vacuous: writes are named, and the guard refuses them before the kernel', () => {
    expect(notReadOnly({ kind: 'device', request: U.VFIO_DEVICE_RESET })).toMatch(/device fd/)
    expect(notReadOnly({ kind: 'device', request: U.VFIO_DEVICE_SET_IRQS })).toMatch(/device fd/)
    expect(notReadOnly({ kind: 'container', request: U.VFIO_IOMMU_MAP_DMA })).toMatch(/container fd/)
    expect(notReadOnly({ kind: 'device', request: U.VFIO_DEVICE_FEATURE, featureFlags: U.VFIO_DEVICE_FEATURE_SET | U.VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE })).toMatch(/flags/)
    expect(notReadOnly({ kind: 'unknown', request: U.VFIO_DEVICE_GET_INFO })).toMatch(/never opened/)
    const spy = new Spy({ open: () => 5, close: () => {}, ioctl: () => 0, pread: () => 0 })
    const guard = new ReadOnlySys(spy)
    const fd = guard.open('/dev/vfio/devices/vfio0', 'rw')
    expect(() => guard.ioctl(fd, U.VFIO_DEVICE_RESET, { kind: 'none' })).toThrow(InternalError)
    expect(() => guard.ioctl(fd, U.VFIO_DEVICE_PCI_HOT_RESET, { kind: 'buf', buf: new Uint8Array(12) })).toThrow(InternalError)
    // QUERY_GFX_PLANE only as a PROBE: a real query would make mbochs/GVT-g build dma-buf state.
    const plane = new Uint8Array(U.GFX_PLANE_INFO_SIZE)
    new DataView(plane.buffer).setUint32(4, U.VFIO_GFX_PLANE_TYPE_DMABUF, true)
    expect(() => guard.ioctl(fd, U.VFIO_DEVICE_QUERY_GFX_PLANE, { kind: 'buf', buf: plane })).toThrow(InternalError)
    expect(notReadOnly({ kind: 'device', request: U.VFIO_DEVICE_QUERY_GFX_PLANE, gfxFlags: U.VFIO_GFX_PLANE_TYPE_DMABUF })).toMatch(/without PROBE/)
    expect(notReadOnly({ kind: 'device', request: U.VFIO_DEVICE_QUERY_GFX_PLANE, gfxFlags: U.VFIO_GFX_PLANE_TYPE_PROBE | U.VFIO_GFX_PLANE_TYPE_DMABUF })).toBeNull()
    expect(spy.log).toEqual([])
  })
})
