// Who holds VFIO nodes: /proc parsing and the fd scan on fake /proc trees (QEMU with -name, a cdev
// holder, an anonymous device fd named by fdinfo, other users' processes hidden, kernel threads not).
import { afterEach, describe, expect, it } from 'vitest'
import { classify, holderName, pointAtHolders, scanHolders } from '../../src/inspect/holders.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { Names, parseCmdline, parseMemlock, parseStatus, qemuName, readCredentials } from '../../src/inspect/proc.js'
import { device, failed, group } from '../helpers/builders.js'
import { DenyFs, limits, proc, rawLinks, self, status } from '../helpers/fake-proc.js'
import { makeTree, type Tree } from '../helpers/fake-sysfs.js'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function fsOf(tree: Tree, links: Record<string, string> = {}): NodeFs {
  const t = makeTree(tree)
  rawLinks(t.root, links)
  cleanups.push(t.cleanup)
  return new NodeFs(t.root)
}

const QEMU_ARGV = ['/usr/bin/qemu-system-x86_64', '-name', 'guest=win11,debug-threads=on', '-m', '8192', '-device', 'vfio-pci,host=0000:01:00.0']

describe('/proc parsing', () => {
  it('reads effective ids, groups, capabilities and locked/pinned memory from status', () => {
    const s = parseStatus(status({ pid: 7, comm: 'qemu', uid: 107, gid: 36, groups: [36, 993], capEff: '0000000000004000', vmLckKb: 65792, vmPinKb: 12 }))
    expect(s).toEqual({ name: 'qemu', uid: 107, gid: 36, groups: [36, 993], capEff: 0x4000n, vmLck: 65792n * 1024n, vmPin: 12n * 1024n })
    // Real, effective, saved, fs: the effective one is what open() checks.
    expect(parseStatus('Uid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\n').uid).toBe(0)
    expect(parseStatus('Name:\tx\n')).toMatchObject({ uid: null, capEff: null, vmLck: null, groups: [] })
  })

  it('reads the memlock limit, unlimited as null', () => {
    expect(parseMemlock(limits(['65536', 'unlimited']))).toEqual({ soft: 65536n, hard: null })
    expect(parseMemlock('Max open files 1 1 files\n')).toBeNull()
  })

  it("finds QEMU's VM name in the forms libvirt and people write", () => {
    expect(qemuName(QEMU_ARGV)).toBe('win11')
    expect(qemuName(['qemu', '-name', 'plain'])).toBe('plain')
    expect(qemuName(['qemu', '-name', 'a,,b,process=qemu:a'])).toBe('a,b')
    expect(qemuName(['qemu', '--name=dashed'])).toBe('dashed')
    expect(qemuName(['qemu', '-name', 'process=only'])).toBeNull()
    expect(qemuName(['qemu', '-m', '1G'])).toBeNull()
    expect(parseCmdline(new TextEncoder().encode('a\0\0b\0'))).toEqual(['a', '', 'b'])
  })

  it('classifies fd targets', () => {
    const cdevs = new Map([['/dev/vfio/devices/vfio0', '0000:01:00.0']])
    expect(classify('/dev/vfio/12', cdevs)).toEqual({ kind: 'group', group: 12, device: null })
    expect(classify('/dev/vfio/noiommu-3', cdevs)).toEqual({ kind: 'noiommu-group', group: 3, device: null })
    expect(classify('/dev/vfio/vfio', cdevs)?.kind).toBe('container')
    expect(classify('/dev/iommu', cdevs)?.kind).toBe('iommufd')
    expect(classify('/dev/vfio/devices/vfio0', cdevs)).toEqual({ kind: 'cdev', group: null, device: '0000:01:00.0' })
    expect(classify('anon_inode:[vfio-device]', cdevs)?.kind).toBe('device')
    expect(classify('/dev/null', cdevs)).toBeNull()
    expect(classify('anon_inode:[eventfd]', cdevs)).toBeNull()
  })
})

describe('scanHolders', () => {
  const me = self({ pid: 4242, comm: 'node', fds: { 20: '/dev/vfio/5' } })

  function host(): NodeFs {
    return fsOf(
      {
        ...me.tree,
        ...proc({ pid: 300, comm: 'qemu-system-x86', uid: 107, argv: QEMU_ARGV, vmLckKb: 8 << 20, memlock: ['unlimited', 'unlimited'], fds: { 0: '/dev/null', 3: '/dev/vfio/12', 8: '/dev/vfio/vfio' } }),
        ...proc({ pid: 301, comm: 'dpdk-testpmd', fds: { 5: '/dev/vfio/devices/vfio0', 6: '/dev/iommu' } }),
        ...proc({ pid: 302, comm: 'bash', fds: { 0: '/dev/pts/0' } }),
        ...proc({ pid: 303, comm: 'sleep', uid: 1000, fds: { 3: '/dev/vfio/noiommu-7' } }),
        '/etc/passwd': 'root:x:0:0::/root:/bin/bash\nlibvirt-qemu:x:107:993::/var/lib:/usr/sbin/nologin\n',
      },
      { ...me.links, '/proc/300/fd/9': 'anon_inode:[vfio-device]', '/proc/300/fd/10': 'anon_inode:[vfio-device]' },
    )
  }

  it('finds every holder with its fds, user, VM name and memory, and leaves lsvfio itself out', () => {
    const fs = host()
    // fdinfo names the device behind an anonymous device fd on kernel 6.18+.
    const withInfo = fsOf({ ...me.tree, ...proc({ pid: 300, comm: 'qemu-system-x86', argv: QEMU_ARGV, fdinfo: { 9: 'pos:\t0\nflags:\t02000002\nvfio-device-syspath: /sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0\n' } }) }, { ...me.links, '/proc/300/fd/9': 'anon_inode:[vfio-device]' })
    expect(scanHolders(withInfo, new Map(), new Names(withInfo)).holders[0]?.fds).toEqual([{ fd: 9, target: 'anon_inode:[vfio-device]', kind: 'device', group: null, device: '0000:01:00.0' }])

    const scan = scanHolders(fs, new Map([['/dev/vfio/devices/vfio0', '0000:01:00.0']]), new Names(fs))
    expect(scan.scanned).toBe(4)
    expect(scan.hidden).toBe(0)
    expect(scan.holders.map((h) => h.pid)).toEqual([300, 301, 303])
    const q = scan.holders[0]
    expect(q).toMatchObject({ comm: 'qemu-system-x86', uid: 107, user: 'libvirt-qemu', vmName: 'win11', memlock: { soft: null, hard: null }, vmLck: 8n << 30n, ipcLock: false })
    expect(q?.fds.map((f) => [f.fd, f.kind, f.group, f.device])).toEqual([
      [3, 'group', 12, null],
      [8, 'container', null, null],
      [9, 'device', null, null],
      [10, 'device', null, null],
    ])
    expect(scan.holders[1]?.fds.map((f) => [f.kind, f.device])).toEqual([
      ['cdev', '0000:01:00.0'],
      ['iommufd', null],
    ])
    // Not QEMU: the command line is not read for a name.
    expect(scan.holders[1]?.vmName).toBeNull()
    expect(scan.holders[2]).toMatchObject({ user: null, uid: 1000, fds: [{ kind: 'noiommu-group', group: 7 }] })
    expect(holderName(q!)).toBe('pid 300 (qemu-system-x86, VM "win11", user libvirt-qemu)')
  })

  it("counts other users' unreadable fd tables as hidden, but not kernel threads'", () => {
    const t = makeTree({
      ...me.tree,
      ...proc({ pid: 2, comm: 'kthreadd', kthread: true }),
      ...proc({ pid: 50, comm: 'kworker/0:1', kthread: true }),
      // Before 6.1 there is no Kthread: line; a child of kthreadd is one.
      ...proc({ pid: 60, comm: 'kworker/1:0', ppid: 2 }),
      ...proc({ pid: 400, comm: 'qemu-system-x86', fds: { 3: '/dev/vfio/12' } }),
      ...proc({ pid: 401, comm: 'mine', uid: 1000, fds: { 3: '/dev/vfio/14' } }),
    })
    rawLinks(t.root, me.links)
    cleanups.push(t.cleanup)
    const fs = new DenyFs(new NodeFs(t.root), (p) => /^\/proc\/(2|50|60|400)\/fd$/.test(p))
    const scan = scanHolders(fs, new Map(), new Names(fs))
    expect(scan.holders.map((h) => h.pid)).toEqual([401])
    expect(scan.hidden).toBe(1)
    expect(scan.scanned).toBe(5)
  })

  it('is empty, not failing, on a snapshot recorded before /proc was read', () => {
    const fs = new DenyFs(fsOf({}), () => false)
    expect(scanHolders(fs, new Map(), new Names(fs))).toEqual({ holders: [], scanned: 0, hidden: 0 })
  })

  it('reads the credentials of lsvfio itself', () => {
    const fs = fsOf({ ...self({ pid: 77, comm: 'node', uid: 1000, gid: 1000, groups: [1000, 36], memlock: ['65536', '65536'] }).tree, '/etc/passwd': 'alice:x:1000:1000::/home/alice:/bin/sh\n' }, { '/proc/self': '77' })
    expect(readCredentials(fs, new Names(fs))).toEqual({
      pid: 77,
      uid: 1000,
      gid: 1000,
      groups: [1000, 36],
      user: 'alice',
      capabilities: { dacOverride: false, sysRawio: false, ipcLock: false },
      memlock: { soft: 65536n, hard: 65536n },
    })
    const root = fsOf(self({ pid: 1, comm: 'node' }).tree, { '/proc/self': '1' })
    expect(readCredentials(root, new Names(root))?.capabilities).toEqual({ dacOverride: true, sysRawio: true, ipcLock: true })
    expect(readCredentials(fsOf({}), new Names(fsOf({})))).toBeNull()
  })
})

describe('pointAtHolders', () => {
  const scan = {
    scanned: 3,
    hidden: 0,
    holders: [{ pid: 300, comm: 'qemu-system-x86', uid: 0, user: 'root', vmName: 'win11', fds: [{ fd: 3, target: '/dev/vfio/2', kind: 'group' as const, group: 2, device: null }], memlock: null, vmLck: null, vmPin: null, ipcLock: true }],
  }

  it("rewrites an EBUSY's hint to name the holder, on the group and on its members", () => {
    const busy = failed({ op: 'open', code: 'EBUSY', path: '/dev/vfio/2', hint: 'find it with fuser' })
    const g = group({ id: 2, status: busy, devices: [device({ address: '0000:00:04.0', vfio: busy })] })
    const [out] = pointAtHolders([g], scan)
    const want = 'group 2 is open in pid 300 (qemu-system-x86, VM "win11", user root); stop it (or wait for it to exit) first'
    expect(out?.status).toMatchObject({ ok: false, error: { code: 'EBUSY', path: '/dev/vfio/2', hint: want } })
    expect(out?.devices[0]?.vfio).toMatchObject({ ok: false, error: { hint: want } })
  })

  it('leaves other errors and unheld groups alone, and says when the holder is invisible', () => {
    const perm = failed({ op: 'open', code: 'EACCES', errno: 13, hint: 'chown' })
    expect(pointAtHolders([group({ id: 2, status: perm })], scan)[0]?.status).toEqual(perm)
    const other = group({ id: 9, status: failed({ code: 'EBUSY', hint: 'x' }) })
    expect(pointAtHolders([other], scan)[0]).toBe(other)
    const hidden = pointAtHolders([other], { ...scan, hidden: 4 })[0]?.status
    expect(hidden).toMatchObject({ error: { hint: 'group 9 is open in a process this user cannot see (4 processes hidden); run lsvfio as root to name it' } })
  })
})
