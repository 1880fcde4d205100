// `lsvfio check` verdicts: one fake host per reason class, each with its exit status; the order that
// decides between several reasons; and --open, where the kernel's answer replaces the prediction.
import { afterEach, describe, expect, it } from 'vitest'
import type { Inventory, IommuGroup, ProbeError } from '../../src/model/types.js'
import { CHECK_EXIT } from '../../src/cli/exit.js'
import { judged } from '../../src/diagnose/diagnose.js'
import { checkDevices } from '../../src/diagnose/verdict.js'
import { inspect } from '../../src/inspect/inspect.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { ALL, parseSlot, type Selection } from '../../src/inspect/selection.js'
import type { FsReader } from '../../src/inspect/fs.js'
import { FakeSys } from '../helpers/fake-sys.js'
import { NodesFs, proc, rawLinks, self } from '../helpers/fake-proc.js'
import { makeTree, pciDevice, type Tree } from '../helpers/fake-sysfs.js'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const VFIO = 'vfio-pci'
type Nodes = Record<string, { mode: number; uid: number; gid: number }>

const IOMMU: Tree = {
  '/sys/class/iommu/dmar0': { dir: true },
  '/sys/module/vfio/refcnt': '1\n',
  '/sys/module/vfio_pci/refcnt': '1\n',
  '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n',
  '/proc/interrupts': ' 25:  0  IR-PCI-MSI-0000:00:10.0  0-edge  PCIe PME\n',
  ...self({ pid: 4242, comm: 'node' }).tree,
}
const NODES: Nodes = { '/dev/vfio/vfio': { mode: 0o666, uid: 0, gid: 0 }, '/dev/vfio/1': { mode: 0o600, uid: 0, gid: 0 }, '/dev/vfio/2': { mode: 0o600, uid: 0, gid: 0 } }
const ready = pciDevice({ bdf: '0000:00:03.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: VFIO, group: 1 })

function host(tree: Tree, nodes: Nodes = NODES): FsReader {
  const t = makeTree(tree)
  rawLinks(t.root, { '/proc/self': '4242' })
  cleanups.push(t.cleanup)
  return new NodesFs(new NodeFs(t.root), nodes)
}

function check(fs: FsReader, sel: Selection = ALL, patch?: (inv: Inventory) => Inventory) {
  const g = inspect({ fs, sys: new FakeSys({ devices: {} }), names: null }, sel, { open: false, via: 'auto' })
  if (g.facts === null) throw new Error('no facts')
  const inv = judged(fs, g)
  return checkDevices(patch === undefined ? inv : patch(inv), g.facts, sel, CHECK_EXIT)
}

const slot = (s: string): Selection => ({ ...ALL, ...parseSlot(s) })

describe('check verdicts (predicted: nothing opened)', () => {
  it('ready: bound to vfio-pci, viable, unheld, openable; exit 0', () => {
    const r = check(host({ ...IOMMU, ...ready }))
    expect(r).toMatchObject({ exitCode: 0, outcome: 'ready', opened: false, verdicts: [{ address: '0000:00:03.0', group: 1, driver: VFIO, ready: true, reasons: [], source: 'predicted' }] })
  })

  it('not-bound (3), with the bind commands; without a selection such devices are not checked at all', () => {
    const fs = host({ ...IOMMU, ...ready, ...pciDevice({ bdf: '0000:02:00.0', vendor: 0x8086, device: 0x10d3, cls: 0x020000, driver: 'e1000e', group: 2 }) })
    const r = check(fs, slot('02:00.0'))
    expect(r.exitCode).toBe(3)
    expect(r.verdicts[0]?.reasons).toEqual([
      {
        kind: 'not-bound',
        code: 3,
        text: 'bound to e1000e, not to a VFIO driver',
        fix: [
          'driverctl set-override 0000:02:00.0 vfio-pci',
          'echo vfio-pci > /sys/bus/pci/devices/0000:02:00.0/driver_override; echo 0000:02:00.0 > /sys/bus/pci/devices/0000:02:00.0/driver/unbind; echo 0000:02:00.0 > /sys/bus/pci/drivers_probe',
        ],
      },
    ])
    expect(check(fs).verdicts.map((v) => v.address)).toEqual(['0000:00:03.0'])
  })

  it('not-viable (4) names the sibling and its driver; the device as its own blocker is only not-bound', () => {
    const fs = host({
      ...IOMMU,
      ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x10de, device: 0x1b80, cls: 0x030000, driver: VFIO, group: 2 }),
      ...pciDevice({ bdf: '0000:01:00.1', vendor: 0x10de, device: 0x10f0, cls: 0x040300, driver: 'snd_hda_intel', group: 2 }),
    })
    const r = check(fs, slot('01:00.0'))
    expect(r.exitCode).toBe(4)
    expect(r.verdicts[0]?.reasons[0]).toMatchObject({ kind: 'not-viable', text: 'group 2 is not viable: 0000:01:00.1 is bound to snd_hda_intel' })
    expect(r.verdicts[0]?.reasons[0]?.fix[0]).toBe('driverctl set-override 0000:01:00.1 vfio-pci')
    expect(r.verdicts[0]?.warnings).toContain('shares group 2 with 0000:01:00.1 (functions of one device): they can only go to a VM together')
    expect(check(fs, slot('01:00.1')).verdicts[0]?.reasons.map((x) => x.kind)).toEqual(['not-bound'])
  })

  it('busy (5) names the holder; a hidden process only warns', () => {
    const held = host({ ...IOMMU, ...ready, ...proc({ pid: 300, comm: 'qemu-system-x86', argv: ['qemu', '-name', 'guest=vm1'], fds: { 7: '/dev/vfio/1' } }) })
    const r = check(held)
    expect(r.exitCode).toBe(5)
    expect(r.verdicts[0]?.reasons[0]).toEqual({ kind: 'busy', code: 5, text: 'group 1 is open in pid 300 (qemu-system-x86, VM "vm1", user 0)', fix: ['stop pid 300 (shut down VM "vm1"), or wait for it to exit'] })
  })

  it('permission (6) for an unprivileged user, with the chown fix; root is not refused', () => {
    const tree = { ...IOMMU, ...ready, ...self({ pid: 4242, comm: 'node', uid: 1000 }).tree }
    const r = check(host(tree))
    expect(r.exitCode).toBe(6)
    expect(r.verdicts[0]?.reasons[0]).toMatchObject({ kind: 'permission', text: expect.stringMatching(/^\/dev\/vfio\/1: mode 0600 0:0 gives others no read-write access/) })
    expect(r.verdicts[0]?.reasons[0]?.fix[0]).toBe('sudo chown 1000 /dev/vfio/1   # until the next reboot or rebind')
    expect(check(host(tree, { ...NODES, '/dev/vfio/1': { mode: 0o600, uid: 1000, gid: 0 } })).exitCode).toBe(0)
    // The container node needs read-write too.
    expect(check(host(tree, { ...NODES, '/dev/vfio/1': { mode: 0o666, uid: 0, gid: 0 }, '/dev/vfio/vfio': { mode: 0o600, uid: 0, gid: 0 } })).verdicts[0]?.reasons[0]?.text).toMatch(/^\/dev\/vfio\/vfio: /)
  })

  it('no-iommu (7) for a selected device when the host has no IOMMU', () => {
    const fs = host({ ...self({ pid: 4242, comm: 'node' }).tree, ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x10de, device: 0x1b80, cls: 0x030000, driver: 'nouveau' }) })
    const r = check(fs, slot('01:00.0'))
    expect(r.exitCode).toBe(7)
    expect(r.verdicts[0]).toMatchObject({ group: null, reasons: [{ kind: 'no-iommu', text: 'no IOMMU is active on this host, so the device has no IOMMU group' }, { kind: 'not-bound' }] })
  })

  it('noiommu-only (8): a device in a no-IOMMU group', () => {
    const fs = host(
      {
        ...self({ pid: 4242, comm: 'node' }).tree,
        '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode': 'Y\n',
        '/sys/module/vfio_pci/refcnt': '1\n',
        ...ready,
        '/sys/kernel/iommu_groups/1/name': 'vfio-noiommu\n',
      },
      { '/dev/vfio/vfio': { mode: 0o666, uid: 0, gid: 0 }, '/dev/vfio/noiommu-1': { mode: 0o600, uid: 0, gid: 0 } },
    )
    const r = check(fs)
    expect(r.exitCode).toBe(8)
    expect(r.verdicts[0]?.reasons[0]?.text).toMatch(/^in no-IOMMU group noiommu-1: no DMA isolation/)
    expect(r.warnings.some((w) => w.startsWith('no-IOMMU mode is enabled'))).toBe(true)
  })

  it('unsafe-interrupts (9): no remapping and allow_unsafe_interrupts off', () => {
    const tree = { ...IOMMU, ...ready, '/proc/interrupts': ' 24:  0  PCI-MSI-0000:00:03.0  0-edge  x\n' }
    expect(check(host(tree))).toMatchObject({ exitCode: 9, outcome: 'unsafe-interrupts' })
    expect(check(host({ ...tree, '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'Y\n' })).exitCode).toBe(0)
  })

  it('vf-token (10): a VF whose PF is on vfio-pci', () => {
    const fs = host({
      ...IOMMU,
      ...pciDevice({ bdf: '0000:04:00.0', vendor: 0x8086, device: 0x1572, cls: 0x020000, driver: VFIO, group: 2 }),
      ...pciDevice({ bdf: '0000:04:02.0', vendor: 0x8086, device: 0x154c, cls: 0x020000, driver: VFIO, group: 1 }),
      '/sys/devices/pci0000:00/0000:04:02.0/physfn': { link: '/sys/devices/pci0000:00/0000:04:00.0' },
    })
    const r = check(fs, slot('04:02.0'))
    expect(r.exitCode).toBe(10)
    expect(r.verdicts[0]?.reasons[0]?.fix).toEqual(["give the VMM the PF owner's token: -device vfio-pci,host=0000:04:02.0,vf-token=UUID"])
  })

  it('no-match (11) when nothing is selected; the first device that is not ready decides', () => {
    expect(check(host({ ...IOMMU, ...ready }), slot('09:00.0'))).toMatchObject({ exitCode: 11, outcome: 'no-match', verdicts: [] })
    const fs = host({ ...IOMMU, ...ready, ...pciDevice({ bdf: '0000:00:02.0', vendor: 1, device: 2, cls: 0x030000, group: 3, override: VFIO }) })
    const r = check(fs)
    expect(r.verdicts.map((v) => [v.address, v.ready])).toEqual([
      ['0000:00:02.0', false],
      ['0000:00:03.0', true],
    ])
    expect(r.exitCode).toBe(3)
    expect(Object.values(CHECK_EXIT).sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
  })
})

describe('check --open: the kernel decides what it can', () => {
  const opened = (status: IommuGroup['status'], container: IommuGroup['container'] = null, vfio: ProbeError | 'ok' | null = null) => (inv: Inventory): Inventory => ({
    ...inv,
    opened: true,
    groups: inv.groups.map((g) => ({
      ...g,
      status,
      container,
      devices: g.devices.map((d) => ({ ...d, vfio: vfio === null ? null : vfio === 'ok' ? { ok: true as const, value: {} as never } : { ok: false as const, error: vfio } })),
    })),
  })
  const err = (op: string, code: string, errno = 1): ProbeError => ({ op, code, errno, path: '/dev/vfio/1' })
  const okStatus = { ok: true as const, value: { flags: 1, viable: true, containerSet: false } }

  it('success overrides a predicted permission problem (ACLs, capabilities), not the binding', () => {
    const fs = host({ ...IOMMU, ...ready, ...self({ pid: 4242, comm: 'node', uid: 1000 }).tree })
    expect(check(fs).exitCode).toBe(6)
    const r = check(fs, ALL, opened(okStatus, null, 'ok'))
    expect(r).toMatchObject({ exitCode: 0, opened: true, verdicts: [{ ready: true, source: 'kernel' }] })
  })

  it.each([
    { kind: 'busy', status: err('open', 'EBUSY', 16), container: null, device: null },
    { kind: 'permission', status: err('open', 'EACCES', 13), container: null, device: null },
    { kind: 'not-viable', status: null, container: err('VFIO_GROUP_SET_CONTAINER', 'EPERM'), device: null },
    { kind: 'unsafe-interrupts', status: null, container: err('VFIO_SET_IOMMU type1v2', 'EPERM'), device: null },
    { kind: 'vf-token', status: null, container: null, device: err('VFIO_GROUP_GET_DEVICE_FD', 'EACCES', 13) },
    { kind: 'other', status: null, container: null, device: err('VFIO_GROUP_GET_DEVICE_FD', 'EAGAIN', 11) },
  ] as const)('the kernel answer becomes $kind', ({ kind, status: statusErr, container: containerErr, device: deviceErr }) => {
    const fs = host({ ...IOMMU, ...ready })
    const status = statusErr === null ? okStatus : { ok: false as const, error: statusErr }
    const container = containerErr === null ? null : { ok: false as const, error: containerErr }
    const r = check(fs, ALL, opened(status, container, deviceErr ?? 'ok'))
    expect(r.verdicts[0]).toMatchObject({ ready: false, source: 'kernel', reasons: [{ kind, code: CHECK_EXIT[kind] }] })
    expect(r.verdicts[0]?.reasons[0]?.text).toMatch(/^the kernel refused: /)
    expect(r.exitCode).toBe(CHECK_EXIT[kind])
  })

  it('a group the kernel calls not viable', () => {
    const r = check(host({ ...IOMMU, ...ready }), ALL, opened({ ok: true, value: { flags: 0, viable: false, containerSet: false } }))
    expect(r.verdicts[0]?.reasons.map((x) => x.kind)).toEqual(['not-viable'])
  })
})
