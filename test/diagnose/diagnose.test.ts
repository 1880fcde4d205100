// The diagnostics through inspect() on a fake host: a GPU whose audio function blocks its group, stale
// driver_overrides, an SR-IOV PF on vfio-pci with a VF held by QEMU, devices behind a PCIe-to-PCI
// bridge, node permissions for an unprivileged lsvfio, and the hot-reset scope from the topology.
import { afterEach, describe, expect, it } from 'vitest'
import type { Diagnostics } from '../../src/model/diagnostics.js'
import { judged } from '../../src/diagnose/diagnose.js'
import { inspect } from '../../src/inspect/inspect.js'
import type { Inventory } from '../../src/model/types.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { ALL } from '../../src/inspect/selection.js'
import type { FsReader } from '../../src/inspect/fs.js'
import { FakeSys } from '../helpers/fake-sys.js'
import { NodesFs, pciBelow, proc, rawLinks, self } from '../helpers/fake-proc.js'
import { makeTree, pciDevice, type Tree } from '../helpers/fake-sysfs.js'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const RP1 = '/sys/devices/pci0000:00/0000:00:1c.0'
const RP2 = '/sys/devices/pci0000:00/0000:00:1d.0'
const RP3 = '/sys/devices/pci0000:00/0000:00:1e.0'
const BR = `${RP3}/0000:05:00.0`
const VFIO = 'vfio-pci'

function hostTree(): Tree {
  return {
    '/sys/class/iommu/dmar0': { dir: true },
    '/sys/module/vfio/refcnt': '1\n',
    '/sys/module/vfio_pci/refcnt': '1\n',
    '/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts': 'N\n',
    '/sys/module/vfio_pci/parameters/enable_sriov': 'Y\n',
    '/proc/cmdline': 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt quiet\n',
    '/proc/interrupts': '           CPU0\n  0:  1  IR-IO-APIC  2-edge  timer\n 25:  0  IR-PCI-MSIX-0000:00:1c.0  0-edge  PCIe PME\n',
    '/etc/passwd': 'root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n',
    '/etc/group': 'root:x:0:\nkvm:x:36:alice\n',
    '/sys/bus/pci/drivers/vfio-pci/bind': '',
    // root ports (pcieport: DMA-safe)
    ...pciDevice({ bdf: '0000:00:1c.0', vendor: 0x8086, device: 0xa110, cls: 0x060400, driver: 'pcieport', group: 5 }),
    ...pciDevice({ bdf: '0000:00:1d.0', vendor: 0x8086, device: 0xa118, cls: 0x060400, driver: 'pcieport', group: 6 }),
    ...pciDevice({ bdf: '0000:00:1e.0', vendor: 0x8086, device: 0xa11a, cls: 0x060400, driver: 'pcieport', group: 7 }),
    // GPU + its HDMI audio: one group, the audio function on its host driver
    ...pciBelow(RP1, { bdf: '0000:01:00.0', vendor: 0x10de, device: 0x1b80, cls: 0x030000, driver: VFIO, group: 12, override: VFIO, resetMethod: 'bus' }),
    ...pciBelow(RP1, { bdf: '0000:01:00.1', vendor: 0x10de, device: 0x10f0, cls: 0x040300, driver: 'snd_hda_intel', group: 12 }),
    [`${RP1}/0000:01:00.0/numa_node`]: '1\n',
    [`${RP1}/0000:01:00.0/local_cpulist`]: '8-15\n',
    // NVMe with a stale override, and an unbound device with a pending one
    ...pciBelow(RP2, { bdf: '0000:02:00.0', vendor: 0x144d, device: 0xa808, cls: 0x010802, driver: 'nvme', group: 13, override: VFIO, resetMethod: 'flr bus' }),
    ...pciDevice({ bdf: '0000:03:00.0', vendor: 0x8086, device: 0x1533, cls: 0x020000, group: 14, override: VFIO }),
    // SR-IOV: a PF on vfio-pci with two VFs, both on vfio-pci, each in its own group
    ...pciDevice({ bdf: '0000:04:00.0', vendor: 0x8086, device: 0x1572, cls: 0x020000, driver: VFIO, group: 20, resetMethod: 'flr' }),
    ...pciDevice({ bdf: '0000:04:02.0', vendor: 0x8086, device: 0x154c, cls: 0x020000, driver: VFIO, group: 21 }),
    ...pciDevice({ bdf: '0000:04:02.1', vendor: 0x8086, device: 0x154c, cls: 0x020000, driver: VFIO, group: 22 }),
    '/sys/devices/pci0000:00/0000:04:00.0/sriov_totalvfs': '64\n',
    '/sys/devices/pci0000:00/0000:04:00.0/sriov_numvfs': '2\n',
    '/sys/devices/pci0000:00/0000:04:00.0/virtfn0': { link: '/sys/devices/pci0000:00/0000:04:02.0' },
    '/sys/devices/pci0000:00/0000:04:00.0/virtfn1': { link: '/sys/devices/pci0000:00/0000:04:02.1' },
    '/sys/devices/pci0000:00/0000:04:02.0/physfn': { link: '/sys/devices/pci0000:00/0000:04:00.0' },
    '/sys/devices/pci0000:00/0000:04:02.1/physfn': { link: '/sys/devices/pci0000:00/0000:04:00.0' },
    // a PCIe-to-PCI bridge and two conventional devices behind it: one group
    ...pciBelow(RP3, { bdf: '0000:05:00.0', vendor: 0x1b36, device: 0xe, cls: 0x060400, group: 15 }),
    ...pciBelow(BR, { bdf: '0000:06:01.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: VFIO, group: 15 }),
    ...pciBelow(BR, { bdf: '0000:06:02.0', vendor: 0x1b36, device: 0x5, cls: 0xff0000, driver: VFIO, group: 15 }),
    // QEMU holds VF 04:02.0's group; lsvfio runs as alice (uid 1000, in kvm)
    ...proc({ pid: 300, comm: 'qemu-system-x86', argv: ['qemu-system-x86_64', '-name', 'guest=vf-vm'], vmLckKb: 4 << 20, memlock: ['unlimited', 'unlimited'], fds: { 3: '/dev/vfio/21', 4: '/dev/vfio/vfio' } }),
    ...self({ pid: 4242, comm: 'node', uid: 1000, gid: 1000, groups: [1000, 36] }).tree,
  }
}

const NODES = {
  '/dev/vfio/vfio': { mode: 0o666, uid: 0, gid: 0, rdev: '10:196' },
  '/dev/vfio/12': { mode: 0o600, uid: 0, gid: 0 },
  '/dev/vfio/15': { mode: 0o600, uid: 1000, gid: 0 },
  '/dev/vfio/20': { mode: 0o660, uid: 0, gid: 36 },
  '/dev/vfio/21': { mode: 0o600, uid: 0, gid: 0 },
  '/dev/vfio/22': { mode: 0o600, uid: 0, gid: 0 },
}

function diagnoseTree(tree: Tree, nodes: Record<string, { mode: number; uid: number; gid: number }> = NODES): { fs: FsReader; diag: Diagnostics; inv: Inventory } {
  const t = makeTree(tree)
  rawLinks(t.root, { '/proc/self': '4242' })
  cleanups.push(t.cleanup)
  const fs = new NodesFs(new NodeFs(t.root), nodes)
  const inv = judged(fs, inspect({ fs, sys: new FakeSys({ devices: {} }), names: null }, ALL, { open: false, via: 'auto' }))
  if (inv.diagnostics === undefined) throw new Error('no diagnostics')
  return { fs, diag: inv.diagnostics, inv }
}

describe('diagnose', () => {
  it('names the blocker of a non-viable group with the fix, and why the group is shared', () => {
    const { diag } = diagnoseTree(hostTree())
    const g12 = diag.groups.find((g) => g.id === 12)
    expect(g12?.blockers).toEqual([
      {
        address: '0000:01:00.1',
        driver: 'snd_hda_intel',
        fix: [
          'driverctl set-override 0000:01:00.1 vfio-pci',
          'echo vfio-pci > /sys/bus/pci/devices/0000:01:00.1/driver_override; echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind; echo 0000:01:00.1 > /sys/bus/pci/drivers_probe',
          'echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind   # or leave it without a driver (also viable, until the next probe)',
        ],
      },
    ])
    expect(g12?.isolation).toMatchObject({ reason: 'multifunction', bridge: null, devices: ['0000:01:00.0', '0000:01:00.1'] })
    expect(diag.groups.find((g) => g.id === 15)?.isolation).toMatchObject({ reason: 'behind-bridge', bridge: '0000:05:00.0', devices: ['0000:06:01.0', '0000:06:02.0'] })
    // One device per group: nothing to explain.
    expect(diag.groups.find((g) => g.id === 13)?.isolation).toBeNull()
  })

  it('says modprobe first when vfio-pci is not loaded', () => {
    const tree = hostTree()
    delete tree['/sys/module/vfio_pci/refcnt']
    delete tree['/sys/bus/pci/drivers/vfio-pci/bind']
    for (const k of Object.keys(tree)) if (k.startsWith('/sys/module/vfio_pci/')) delete tree[k]
    const { diag } = diagnoseTree(tree)
    expect(diag.groups.find((g) => g.id === 12)?.blockers[0]?.fix[0]).toBe('modprobe vfio-pci; driverctl set-override 0000:01:00.1 vfio-pci')
    expect(diag.readiness.modules.missing).toContain('vfio_pci')
  })

  it('flags stale and pending driver_overrides with the command that settles them', () => {
    const { diag } = diagnoseTree(hostTree())
    const ov = (a: string) => diag.devices.find((d) => d.address === a)?.override
    expect(ov('0000:02:00.0')).toEqual({
      kind: 'bound-elsewhere',
      text: 'stale driver_override: set to vfio-pci but the device is bound to nvme (the override only takes effect at the next probe)',
      fix: ['echo 0000:02:00.0 > /sys/bus/pci/devices/0000:02:00.0/driver/unbind; echo 0000:02:00.0 > /sys/bus/pci/drivers_probe'],
    })
    expect(ov('0000:03:00.0')).toMatchObject({ kind: 'unbound', fix: ['echo 0000:03:00.0 > /sys/bus/pci/drivers_probe'] })
    expect(ov('0000:01:00.0')).toBeNull()
    const t = hostTree()
    t[`${RP2}/0000:02:00.0/driver_override`] = 'nvme_alt\n'
    t[`${RP2}/0000:02:00.0/driver`] = { link: '/sys/bus/pci/drivers/vfio-pci' }
    expect(diagnoseTree(t).diag.devices.find((d) => d.address === '0000:02:00.0')?.override).toMatchObject({ kind: 'differs', fix: ['driverctl unset-override 0000:02:00.0', 'echo > /sys/bus/pci/devices/0000:02:00.0/driver_override'] })
  })

  it('tells when a vf_token is needed: every VF of a PF on vfio-pci, and the PF while a VF is in use', () => {
    const { diag } = diagnoseTree(hostTree())
    const s = (a: string) => diag.devices.find((d) => d.address === a)?.sriov
    expect(s('0000:04:00.0')).toMatchObject({ role: 'pf', totalVfs: 64, numVfs: 2, vfs: ['0000:04:02.0', '0000:04:02.1'], vfTokenRequired: true })
    expect(s('0000:04:00.0')?.text).toContain('VFs in use (0000:04:02.0)')
    expect(s('0000:04:02.1')).toMatchObject({ role: 'vf', pf: '0000:04:00.0', pfDriver: 'vfio-pci', vfTokenRequired: true })
    expect(s('0000:01:00.0')).toBeNull()
    // The PF on its host driver: VFs open without a token.
    const t = hostTree()
    t['/sys/devices/pci0000:00/0000:04:00.0/driver'] = { link: '/sys/bus/pci/drivers/i40e' }
    const d2 = diagnoseTree(t).diag
    expect(d2.devices.find((d) => d.address === '0000:04:02.1')?.sriov).toMatchObject({ role: 'vf', pfDriver: 'i40e', vfTokenRequired: false })
    expect(d2.devices.find((d) => d.address === '0000:04:00.0')?.sriov?.vfTokenRequired).toBe(false)
  })

  it('predicts the hot-reset scope from the topology, and the NUMA node with its CPUs', () => {
    const { diag } = diagnoseTree(hostTree())
    const r = (a: string) => diag.devices.find((d) => d.address === a)?.reset
    expect(r('0000:01:00.0')).toEqual({
      methods: ['bus'],
      onOpen: 'bus',
      hotReset: {
        possible: true,
        bridge: '0000:00:1c.0',
        devices: [
          { address: '0000:01:00.0', group: 12, driver: 'vfio-pci' },
          { address: '0000:01:00.1', group: 12, driver: 'snd_hda_intel' },
        ],
      },
      kernelAgrees: null,
    })
    expect(r('0000:06:01.0')?.hotReset.devices.map((d) => d.address)).toEqual(['0000:06:01.0', '0000:06:02.0'])
    expect(r('0000:06:01.0')?.hotReset.bridge).toBe('0000:05:00.0')
    // On the root bus: nothing above to reset.
    expect(r('0000:04:00.0')).toMatchObject({ methods: ['flr'], onOpen: 'flr', hotReset: { possible: false, bridge: null, devices: [] } })
    expect(r('0000:00:1c.0')).toBeNull()
    expect(diag.devices.find((d) => d.address === '0000:01:00.0')?.numa).toEqual({ node: 1, cpus: '8-15' })
    expect(diag.devices.find((d) => d.address === '0000:03:00.0')?.numa).toEqual({ node: null, cpus: null })
  })

  it('judges node access for an unprivileged lsvfio from mode, owner and groups', () => {
    const { diag } = diagnoseTree(hostTree())
    const a = (id: number) => diag.groups.find((g) => g.id === id)?.access
    expect(diag.self).toMatchObject({ uid: 1000, user: 'alice', groups: [1000, 36], capabilities: { dacOverride: false } })
    expect(a(12)?.[0]).toMatchObject({ path: '/dev/vfio/12', ok: false })
    expect(a(12)?.[0]?.why).toBe('mode 0600 root:root gives others no read-write access, and this process is uid 1000 (alice), gid 1000, groups 1000 36 (ACLs not checked)')
    expect(a(12)?.[0]?.fix[0]).toBe('sudo chown alice /dev/vfio/12   # until the next reboot or rebind')
    expect(a(15)?.[0]).toMatchObject({ ok: true, why: 'read-write as its owner (mode 0600 alice:root)' })
    expect(a(20)?.[0]).toMatchObject({ ok: true, why: 'read-write through group kvm (mode 0660 root:kvm)' })
    expect(a(20)?.[1]).toMatchObject({ path: '/dev/vfio/vfio', ok: true })
    // An owner without the owner bits is refused even when the group bits would allow it.
    const own = diagnoseTree(hostTree(), { ...NODES, '/dev/vfio/12': { mode: 0o066, uid: 1000, gid: 36 } }).diag
    expect(own.groups.find((g) => g.id === 12)?.access?.[0]?.ok).toBe(false)
    expect(a(5)).toBeNull()
  })

  it('reports the QEMU holder on the group of the VF it uses', () => {
    const { diag, inv } = diagnoseTree(hostTree())
    expect(diag.holders.holders.map((h) => [h.pid, h.vmName])).toEqual([[300, 'vf-vm']])
    expect(diag.groups.find((g) => g.id === 21)?.holders).toEqual([300])
    expect(diag.groups.find((g) => g.id === 22)?.holders).toEqual([])
    expect(inv.failures).toBe(0)
  })

  it('is skipped with diagnose: false, unless a group answers EBUSY: then its holder is looked up', () => {
    const t = makeTree(hostTree())
    rawLinks(t.root, { '/proc/self': '4242' })
    cleanups.push(t.cleanup)
    const fs = new NodesFs(new NodeFs(t.root), NODES)
    const host = { fs, sys: new FakeSys({ devices: {}, openErrors: { '/dev/vfio/21': -16 } }), names: null }
    expect(inspect(host, ALL, { open: false, via: 'auto', diagnose: false }).facts).toBeNull()
    const busy = judged(fs, inspect(host, { ...ALL, group: 21 }, { open: true, via: 'group', diagnose: false }))
    expect(busy.groups[0]?.status).toMatchObject({ ok: false, error: { code: 'EBUSY', hint: 'group 21 is open in pid 300 (qemu-system-x86, VM "vf-vm", user root); stop it (or wait for it to exit) first' } })
    expect(busy.diagnostics?.groups[0]?.holders).toEqual([300])
  })
})
