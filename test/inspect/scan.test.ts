import { afterEach, describe, expect, it } from 'vitest'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { scan } from '../../src/inspect/scan.js'
import { ALL } from '../../src/inspect/selection.js'
import { makeTree, pciDevice, type Tree } from '../helpers/fake-sysfs.js'

let cleanup: (() => void) | null = null
afterEach(() => cleanup?.())

function fsOf(tree: Tree): NodeFs {
  const t = makeTree(tree)
  cleanup = t.cleanup
  return new NodeFs(t.root)
}

const base: Tree = {
  '/sys/class/iommu/dmar0': { dir: true },
  '/sys/module/vfio/refcnt': '1\n',
  '/sys/module/vfio_pci/refcnt': '0\n',
  '/proc/sys/kernel/osrelease': '6.12.117+deb12-amd64\n',
}

describe('scan', () => {
  it('reads groups, members, drivers, resources and viability', () => {
    const fs = fsOf({
      ...base,
      ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x1b36, device: 0x10, cls: 0x010802, driver: 'vfio-pci', group: 12, resetMethod: 'flr bus',
        resource: '0x00000000fe800000 0x00000000fe803fff 0x0000000000140204\n0x0000000000000000 0x0000000000000000 0x0000000000000000\n0x000000000000c000 0x000000000000c01f 0x0000000000040101\n' }),
      ...pciDevice({ bdf: '0000:06:00.0', vendor: 0x1b36, device: 0xe, cls: 0x060400, group: 16 }),
      ...pciDevice({ bdf: '0000:07:01.0', vendor: 0x1b36, device: 0x5, cls: 0xff0000, driver: 'vfio-pci', group: 16, override: 'vfio-pci' }),
      ...pciDevice({ bdf: '0000:07:02.0', vendor: 0x1af4, device: 0x1000, cls: 0x020000, driver: 'virtio-pci', group: 16 }),
    })
    const s = scan(fs, ALL, null)
    expect(s.host).toMatchObject({ iommus: ['dmar0'], groupCount: 2, modules: ['vfio', 'vfio_pci'], kernel: '6.12.117+deb12-amd64', containerNode: null })
    expect(s.groups.map((g) => g.id)).toEqual([12, 16])
    const [g12, g16] = s.groups
    expect(g12?.viability).toEqual({ viable: true, blockers: [] })
    const nvme = g12?.members[0]
    expect(nvme).toMatchObject({ address: '0000:01:00.0', bus: 'pci', driver: 'vfio-pci', vfioDriver: true, bridge: false, resetMethods: ['flr', 'bus'], driverOverride: null })
    expect(nvme?.pci).toMatchObject({ vendorId: 0x1b36, deviceId: 0x10, classCode: 0x010802 })
    expect(nvme?.resources[0]).toMatchObject({ start: 0xfe800000n, size: 0x4000n, kind: 'mem', is64: true, prefetch: false })
    expect(nvme?.resources[1]).toMatchObject({ size: 0n, kind: 'none' })
    expect(nvme?.resources[2]).toMatchObject({ start: 0xc000n, size: 0x20n, kind: 'io' })
    // The kernel's rule: an unbound bridge is fine, virtio-pci claims DMA and breaks the group.
    expect(g16?.viability).toEqual({ viable: false, blockers: [{ address: '0000:07:02.0', driver: 'virtio-pci' }] })
    expect(g16?.members.find((d) => d.address === '0000:06:00.0')).toMatchObject({ bridge: true, driver: null })
    expect(g16?.members.find((d) => d.address === '0000:07:01.0')?.driverOverride).toBe('vfio-pci')
  })

  it('selects devices but keeps every member for viability', () => {
    const fs = fsOf({
      ...base,
      ...pciDevice({ bdf: '0000:07:01.0', vendor: 0x1b36, device: 0x5, cls: 0xff0000, driver: 'vfio-pci', group: 16 }),
      ...pciDevice({ bdf: '0000:07:02.0', vendor: 0x1af4, device: 0x1000, cls: 0x020000, driver: 'e1000e', group: 16 }),
      ...pciDevice({ bdf: '0000:00:03.0', vendor: 0x1234, device: 0x11e8, cls: 0xff0000, driver: 'vfio-pci', group: 1 }),
    })
    const s = scan(fs, { ...ALL, driver: 'vfio-pci', group: 16 }, null)
    expect(s.groups).toHaveLength(1)
    expect([...(s.groups[0]?.selected ?? [])]).toEqual(['0000:07:01.0'])
    expect(s.groups[0]?.viability.viable).toBe(false)
  })

  it('finds a device-tree node and a cdev, and marks noiommu groups', () => {
    const dev = '/sys/devices/platform/a000000.virtio_mmio'
    const fs = fsOf({
      ...base,
      [`${dev}/subsystem`]: { link: '/sys/bus/platform' },
      [`${dev}/driver`]: { link: '/sys/bus/platform/drivers/vfio-platform' },
      '/sys/bus/platform/drivers/vfio-platform/bind': '',
      [`${dev}/driver_override`]: 'vfio-platform\n',
      '/sys/firmware/devicetree/base/virtio_mmio@a000000/compatible': 'virtio,mmio\0',
      [`${dev}/of_node`]: { link: '/sys/firmware/devicetree/base/virtio_mmio@a000000' },
      [`${dev}/vfio-dev/vfio0/dev`]: '511:0\n',
      '/sys/kernel/iommu_groups/0/devices/a000000.virtio_mmio': { link: dev },
      '/sys/kernel/iommu_groups/0/name': 'vfio-noiommu\n',
    })
    const s = scan(fs, ALL, null)
    expect(s.groups[0]).toMatchObject({ id: 0, noiommu: true, domainType: null })
    expect(s.groups[0]?.members[0]).toMatchObject({
      address: 'a000000.virtio_mmio',
      bus: 'platform',
      pci: null,
      vfioDriver: true,
      ofNode: { path: '/virtio_mmio@a000000', compatible: ['virtio,mmio'] },
      cdev: '/dev/vfio/devices/vfio0',
    })
  })

  it('reports an empty host without throwing', () => {
    const s = scan(fsOf({ '/proc/sys/kernel/osrelease': '6.18.44\n' }), ALL, null)
    expect(s).toMatchObject({ groups: [], ungrouped: [], host: { iommus: [], groupCount: 0, modules: [] } })
  })

  it('takes the IDs from uevent when it has them, from the five files when it has not', () => {
    const dev = '/sys/devices/pci0000:00'
    const fs = fsOf({
      ...base,
      // uevent and the files agree on a real kernel; here they differ, to see which one was read
      ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x1111, device: 0x2222, cls: 0x030000, group: 1 }),
      [`${dev}/0000:01:00.0/uevent`]: 'DRIVER=vfio-pci\nPCI_CLASS=10802\nPCI_ID=1B36:0010\nPCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=0000:01:00.0\n',
      ...pciDevice({ bdf: '0000:02:00.0', vendor: 0x1af4, device: 0x1000, cls: 0x020000, group: 2 }),
      [`${dev}/0000:02:00.0/uevent`]: 'DRIVER=virtio-pci\nPCI_SLOT_NAME=0000:02:00.0\n',
    })
    const [a, b] = scan(fs, ALL, null).groups.map((g) => g.members[0]?.pci)
    expect(a).toMatchObject({ vendorId: 0x1b36, deviceId: 0x10, classCode: 0x010802, subsystemVendorId: 0x1af4, subsystemDeviceId: 0x1100 })
    expect(b).toMatchObject({ vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x020000, subsystemVendorId: null })
  })
})
