// No leaks: a full in-process run closes every fd it opened. Counted at the kernel seam (every open
// and every fd GET_DEVICE_FD made is closed once, nothing else is closed), and in /proc/self/fd, with
// real fds behind the seam: each VFIO node lsvfio opens is backed by a real open of /dev/null.
import { readdirSync, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { composeHost } from '../../src/cli/compose.js'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'
import { FfiSys } from '../../src/kernel/ffi-sys.js'
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'
import { plainStyle } from '../../src/render/style.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { parseSnapshot } from '../../src/snapshot/format.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures')
const snapshotOf = (dir: string): string | undefined => ['snapshot.json', 'lsvfio-snapshot.json'].map((f) => path.join(FIX, dir, f)).find((f) => existsSync(f))
const FIXTURES = readdirSync(FIX).filter((d) => snapshotOf(d) !== undefined)
const MODES: readonly string[][] = [[], ['-vvv'], ['--json', '--hexdump', '-xxxx'], ['-t'], ['--read-region', 'CONFIG:0:64'], ['check']]

const openFds = (): string[] => readdirSync('/proc/self/fd').sort()

/**
 * The replayed kernel with real fds: every fd handed out is a real open of /dev/null (so a leak shows
 * in /proc/self/fd), mapped to the replay's own fd for the answers. Counts opens and closes.
 */
class RealFdSys implements Sys {
  private real = new FfiSys()
  private toReplay = new Map<number, number>()
  opened = 0
  closed = 0
  strayCloses: number[] = []

  constructor(private readonly replay: Sys) {}

  private adopt(replayFd: number): number {
    const fd = this.real.open('/dev/null', 'r')
    if (fd < 0) throw new Error(`open /dev/null: ${fd}`)
    this.toReplay.set(fd, replayFd)
    this.opened++
    return fd
  }

  open(p: string, mode: 'r' | 'rw'): number {
    const r = this.replay.open(p, mode)
    return r < 0 ? r : this.adopt(r)
  }

  close(fd: number): void {
    const r = this.toReplay.get(fd)
    if (r === undefined) {
      this.strayCloses.push(fd)
      return
    }
    this.toReplay.delete(fd)
    this.replay.close(r)
    this.real.close(fd)
    this.closed++
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const r = this.toReplay.get(fd)
    if (r === undefined) return -9 // EBADF
    // SET_CONTAINER and BIND_IOMMUFD carry an fd number in their argument: the replay's, not ours.
    let a = arg
    if ((request === U.VFIO_GROUP_SET_CONTAINER || request === U.VFIO_DEVICE_BIND_IOMMUFD) && arg.kind === 'buf') {
      const at = request === U.VFIO_GROUP_SET_CONTAINER ? 0 : 8
      const dv = new DataView(arg.buf.buffer, arg.buf.byteOffset, arg.buf.byteLength)
      const mapped = this.toReplay.get(dv.getInt32(at, true))
      if (mapped !== undefined) {
        a = { kind: 'buf', buf: arg.buf.slice() }
        new DataView(a.buf.buffer).setInt32(at, mapped, true)
      }
    }
    const res = this.replay.ioctl(r, request, a)
    if (a !== arg && a.kind === 'buf' && arg.kind === 'buf') arg.buf.set(a.buf.subarray(0, arg.buf.length))
    return request === U.VFIO_GROUP_GET_DEVICE_FD && res >= 0 ? this.adopt(res) : res
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const r = this.toReplay.get(fd)
    return r === undefined ? -9 : this.replay.pread(r, buf, pos)
  }

  get live(): number {
    return this.toReplay.size
  }
}

const load = (dir: string): SnapshotDoc => {
  const f = snapshotOf(dir) ?? ''
  return parseSnapshot(readFileSync(f, 'utf8'), f)
}

function runMode(dir: string, mode: readonly string[], sys: (doc: SnapshotDoc) => Sys): void {
  const doc = load(dir)
  const via = dir.endsWith('-cdev') ? ['--via', 'cdev'] : []
  const p = parseArgs(mode[0] === 'check' ? [...mode, ...via] : mode.includes('--no-open') ? [...via, ...mode] : ['--open', ...via, ...mode], 'test')
  if (p.kind !== 'run') throw new Error('not a run')
  run({ fs: new ReplayFs(doc), sys: sys(doc), names: null }, p.options, plainStyle, { version: 'test', argv: [...mode] })
}

describe('no leaks', () => {
  it.each(FIXTURES)('%s: every fd opened at the seam is closed once, in every mode, and /proc/self/fd is unchanged', (dir) => {
    let opened = 0
    for (const mode of MODES) {
      const before = openFds()
      let seam: RealFdSys | null = null
      runMode(dir, mode, (doc) => (seam = new RealFdSys(new ReplaySys(doc))))
      const s = seam as RealFdSys | null
      if (s === null) throw new Error('no seam')
      expect({ mode: mode.join(' '), live: s.live, stray: s.strayCloses, closed: s.closed }).toEqual({ mode: mode.join(' '), live: 0, stray: [], closed: s.opened })
      expect(openFds()).toEqual(before)
      opened += s.opened
    }
    // not vacuous: real fds were opened (groups, containers, devices or cdevs and iommufd)
    expect(opened).toBeGreaterThan(10)
  })

  it('the real-fd seam does see a leak: an fd left open shows in /proc/self/fd', () => {
    const before = openFds()
    const s = new RealFdSys({ open: () => 7, close: () => {}, ioctl: () => 0, pread: () => 0 })
    const fd = s.open('/dev/vfio/1', 'rw')
    expect(openFds()).not.toEqual(before)
    expect(s.live).toBe(1)
    s.close(fd)
    expect(openFds()).toEqual(before)
  })

  it('the whole composed run (--from: snapshot file, pci.ids) leaves /proc/self/fd as it found it', () => {
    const file = snapshotOf('x86-6.12') ?? ''
    for (const argv of [['--from', file, '-vv'], ['--from', file, '--json', '-xxxx']]) {
      const before = openFds()
      const p = parseArgs(argv, 'test')
      if (p.kind !== 'run') throw new Error('not a run')
      const { host } = composeHost(p.options.source, 'test', argv, new Date(0))
      const r = run(host, p.options, plainStyle, { version: 'test', argv })
      expect(r.stdout.length).toBeGreaterThan(1000)
      expect(openFds()).toEqual(before)
    }
  })
})
