// Hostile and odd input that is not a usage error: a tree whose links are absolute (--sysfs-root must
// not escape to the real /sys), and a snapshot recorded with a selection replayed without one.
import { spawnSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTree, type GenTree } from '../../bench/gen-tree.js'
import { loadSnapshot } from '../../src/cli/compose.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import type { Sys } from '../../src/kernel/sys.js'
import { MAX_ARGSZ, Vfio } from '../../src/kernel/vfio.js'
import { ReplaySys } from '../../src/snapshot/replay.js'

const REPO = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(REPO, 'bin/lsvfio.js')
const tmp = mkdtempSync(path.join(tmpdir(), 'lsvfio-hostile-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function lsvfio(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Every relative link below `root` made absolute, as a copied or hand-made tree has them. */
function absolutise(root: string, dir = root): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isSymbolicLink()) {
      const t = readlinkSync(p)
      if (t.startsWith('/')) continue
      unlinkSync(p)
      symlinkSync('/' + path.relative(root, path.resolve(dir, t)), p)
      n++
    } else if (e.isDirectory()) n += absolutise(root, p)
  }
  return n
}

describe('--sysfs-root with absolute links', () => {
  let tree: GenTree
  let before: string
  beforeAll(() => {
    tree = generateTree(3)
    before = lsvfio(['--sysfs-root', tree.root, '-vv', '-nn']).stdout
    expect(absolutise(tree.root)).toBeGreaterThan(15)
  }, 60_000)
  afterAll(() => tree.cleanup())

  it('resolves them inside the root: the same listing as with relative links', () => {
    const r = lsvfio(['--sysfs-root', tree.root, '-vv', '-nn'])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(before)
    expect(r.stdout).toMatch(/8086:1889/)
  })

  it('never follows one out to the real file system, and ".." stops at the root', () => {
    symlinkSync('/etc', path.join(tree.root, 'sys/bus/pci/devices/escape'))
    symlinkSync('../../../../../../../../../etc', path.join(tree.root, 'sys/bus/pci/devices/climb'))
    symlinkSync('loop', path.join(tree.root, 'sys/bus/pci/devices/loop'))
    const fs = new NodeFs(tree.root)
    expect(lstatSync('/etc').isDirectory()).toBe(true)
    expect(fs.list('/sys/bus/pci/devices/escape')).toBeNull()
    expect(fs.readText('/sys/bus/pci/devices/climb/passwd')).toBeNull()
    expect(fs.readLink('/sys/bus/pci/devices/escape')).toBe('/etc') // the link itself is what it is
    expect(() => fs.readText('/sys/bus/pci/devices/loop/x')).toThrow(/ELOOP/)
  })
})

describe('a snapshot recorded with a selection', () => {
  let tree: GenTree
  let file: string
  beforeAll(() => {
    tree = generateTree(3)
    file = path.join(tmp, 'selected.json')
    const r = lsvfio(['--sysfs-root', tree.root, '-s', '0000:01:00.1', '--save', file])
    expect(r.status).toBe(0)
  }, 60_000)
  afterAll(() => tree.cleanup())

  it('replayed without one: the recorded selection applies, and one line on stderr names the option, not its value', () => {
    const r = lsvfio(['--from', file])
    // 2 while the listing opens by default (a tree recorded under --sysfs-root has no kernel answers)
    expect([0, 2]).toContain(r.status)
    expect(r.stderr).toBe('lsvfio: note: this snapshot was recorded with a device selection (-s): showing the devices selected then; the rest of that host is not in it\n')
    expect(r.stdout).toMatch(/0000:01:00\.1/)
    expect(r.stdout).not.toMatch(/0000:01:00\.0/)
    expect(lsvfio(['--from', file, 'check']).stderr).toMatch(/recorded with a device selection \(-s\)/)
  })

  it('replayed with a selection, or recorded without one: nothing to say', () => {
    expect(lsvfio(['--from', file, '-s', '0000:01:00.1']).stderr).toBe('')
    const all = path.join(tmp, 'all.json')
    expect(lsvfio(['--sysfs-root', tree.root, '--save', all]).status).toBe(0)
    expect(lsvfio(['--from', all]).stderr).toBe('')
  })
})

describe('a reply claiming a huge argsz', () => {
  /** A device fd whose GET_INFO reply always asks for `argsz` bytes; every buffer it is given is kept. */
  const lying = (argsz: number): { sys: Sys; seen: number[] } => {
    const seen: number[] = []
    const sys: Sys = {
      open: () => 3,
      close: () => {},
      pread: () => -9,
      ioctl: (_fd, _req, arg) => {
        if (arg.kind !== 'buf') return -22
        seen.push(arg.buf.length)
        new DataView(arg.buf.buffer, arg.buf.byteOffset).setUint32(0, argsz, true)
        return 0
      },
    }
    return { sys, seen }
  }

  it.each([0xffffffff, MAX_ARGSZ + 1])('argsz %d: refused as EPROTO after one call, nothing allocated for it', (argsz) => {
    const { sys, seen } = lying(argsz)
    const r = new Vfio(sys).deviceInfo(3, '/dev/vfio/devices/vfio0')
    expect(r).toMatchObject({ ok: false, error: { code: 'EPROTO' } })
    expect(seen).toEqual([24])
  })

  it('argsz within the bound costs that much once, and a reply that grows again is refused', () => {
    const { sys, seen } = lying(MAX_ARGSZ)
    expect(new Vfio(sys).deviceInfo(3, 'x')).toMatchObject({ ok: true })
    expect(seen).toEqual([24, MAX_ARGSZ])
    expect(MAX_ARGSZ).toBeLessThanOrEqual(64 * 1024)
  })

  it('replayed: a request longer than any recorded reply has no answer (ENODATA), found without a key', () => {
    const doc = loadSnapshot(path.join(REPO, 'test/fixtures/x86-6.12/snapshot.json'))
    const sys = new ReplaySys(doc)
    const fd = sys.open('/dev/vfio/vfio', 'rw')
    expect(fd).toBeGreaterThanOrEqual(0)
    expect(sys.ioctl(fd, 0x3b70, { kind: 'buf', buf: new Uint8Array(MAX_ARGSZ) })).toBe(-61)
  })
})
