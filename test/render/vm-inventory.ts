// Realistic inventories for golden files, transcribed from the QEMU guests of test/vm/README.md (x86
// q35 + intel-iommu, kernel 6.12) and test/vm/arm64/README.md (virt, no-IOMMU, vfio-platform/amba).
import type { Device, Inventory, IommuGroup, Probe, VfioDeviceView } from '../../src/model/types.js'
import {
  DEV,
  IRQ,
  REGION,
  containerInfo,
  devNode,
  device,
  errQuirk,
  failed,
  feature,
  group,
  host,
  hostResource,
  hotReset,
  inventory,
  irq,
  irqEntry,
  ok,
  pci,
  pciView,
  quirk,
  region,
  regionEntry,
  vfioView,
} from '../helpers/builders.js'

const ENOTTY = { errno: 25, code: 'ENOTTY' } as const

/** What vfio-pci answers to VFIO_DEVICE_FEATURE PROBE on a device without a migration driver. */
function pciFeatures(path: string): VfioDeviceView['features'] {
  return [
    feature({ id: 1, name: 'migration', supported: false, error: { op: 'VFIO_DEVICE_FEATURE PROBE 1', path, ...ENOTTY } }),
    feature({ id: 3, name: 'low-power-entry', supported: true }),
    feature({ id: 6, name: 'dma-logging-start', supported: false, error: { op: 'VFIO_DEVICE_FEATURE PROBE 6', path, ...ENOTTY } }),
  ]
}

function noHotReset(path: string): VfioDeviceView['hotReset'] {
  return quirk('no slot or bus reset possible (e.g. an integrated endpoint on the root bus)', {
    op: 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO',
    errno: 19,
    code: 'ENODEV',
    path,
  })
}

const status = (viable: boolean, containerSet: boolean): IommuGroup['status'] =>
  ok({ flags: (viable ? 1 : 0) | (containerSet ? 2 : 0), viable, containerSet })

const edu = (address: string, path: string, extra: Partial<Device> = {}): Device =>
  device({
    address,
    pci: pci({ vendorId: 0x1234, deviceId: 0x11e8, className: 'Unclassified device', revision: 0x10 }),
    resources: [hostResource({ index: 0, start: 0xfea00000n, size: 0x100000n })],
    vfio: ok(
      pciView({
        regions: { 0: { size: 0x100000n } },
        irqs: [1, 1, { count: 0 }, errQuirk(), 1],
        hotReset: noHotReset(path),
        features: pciFeatures(path),
      }),
    ),
    ...extra,
  })

const testdev = (address: string, path: string, vfio: Device['vfio'] | 'view', extra: Partial<Device> = {}): Device =>
  device({
    address,
    pci: pci({ vendorId: 0x1b36, deviceId: 0x0005, vendorName: 'Red Hat, Inc.', deviceName: 'QEMU PCI Test Device', revision: 0 }),
    resources: [
      hostResource({ index: 0, start: 0xfd800000n, size: 0x1000n }),
      hostResource({ index: 1, start: 0xc000n, size: 0x100n, kind: 'io', flags: 0x40101n }),
    ],
    vfio:
      vfio === 'view'
        ? ok(
            pciView({
              regions: { 0: { size: 0x1000n }, 1: { size: 0x100n, flags: REGION.rw } },
              irqs: [0, 0, 0, errQuirk(), 1],
              hotReset: ok(
                hotReset({
                  devices: [
                    { groupOrDevid: 15, address: '0000:05:01.0' },
                    { groupOrDevid: 15, address: '0000:05:02.0' },
                  ],
                }),
              ),
              features: pciFeatures(path),
            }),
          )
        : vfio,
    ...extra,
  })

const bridge = (address: string, io: bigint): Device =>
  device({
    address,
    pci: pci({
      vendorId: 0x1b36,
      deviceId: 0x000e,
      classCode: 0x060400,
      className: 'PCI bridge',
      vendorName: 'Red Hat, Inc.',
      deviceName: 'QEMU PCIe-to-PCI bridge',
      revision: 0,
      subsystemVendorId: null,
      subsystemDeviceId: null,
    }),
    driver: null,
    vfioDriver: false,
    bridge: true,
    resources: [hostResource({ index: 13, start: io, size: 0x1000n, kind: 'io', flags: 0x101n })],
  })

const virtioNet = (address: string, driver: string, vfio: Device['vfio']): Device =>
  device({
    address,
    pci: pci({
      vendorId: 0x1af4,
      deviceId: 0x1000,
      classCode: 0x020000,
      className: 'Ethernet controller',
      vendorName: 'Red Hat, Inc.',
      deviceName: 'Virtio network device',
      revision: 0,
      subsystemDeviceId: 0x0001,
    }),
    driver,
    vfioDriver: driver === 'vfio-pci',
    resources: [
      hostResource({ index: 0, start: 0xc040n, size: 0x20n, kind: 'io', flags: 0x40101n }),
      hostResource({ index: 1, start: 0xfeb91000n, size: 0x1000n }),
      hostResource({ index: 4, start: 0xfe000000n, size: 0x4000n, is64: true, prefetch: true, flags: 0x14220cn }),
      hostResource({ index: 6, start: 0xfeb00000n, size: 0x40000n, flags: 0x46200n }),
    ],
    vfio,
  })

const virtioNetView = (path: string): Probe<VfioDeviceView> =>
  ok(
    pciView({
      regions: {
        0: { size: 0x20n, flags: REGION.rw },
        1: { size: 0x1000n, flags: REGION.rwmc, caps: [{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }] },
        4: { size: 0x4000n },
        6: { size: 0x40000n, flags: REGION.read },
      },
      irqs: [1, 0, { count: 4, flags: IRQ.eventfd }, errQuirk(), 1],
      hotReset: noHotReset(path),
      features: pciFeatures(path),
    }),
  )

const nvmePath = '/dev/vfio/12 0000:01:00.0'
const nvme = device({
  address: '0000:01:00.0',
  pci: pci({
    vendorId: 0x1b36,
    deviceId: 0x0010,
    classCode: 0x010802,
    className: 'Non-Volatile memory controller',
    vendorName: 'Red Hat, Inc.',
    deviceName: 'QEMU NVM Express Controller',
    revision: 2,
  }),
  resources: [hostResource({ index: 0, start: 0xfe600000n, size: 0x4000n, is64: true, flags: 0x140204n })],
  resetMethods: ['flr', 'bus'],
  numaNode: 0,
  vfio: ok(
    pciView({
      reset: true,
      regions: {
        0: { size: 0x4000n, flags: REGION.rwmc, caps: [{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }] },
        7: { size: 0x1000n, flags: REGION.rw },
      },
      irqs: [1, 0, { count: 65, flags: IRQ.eventfd }, 1, 1],
      hotReset: ok(hotReset({ devices: [{ groupOrDevid: 12, address: '0000:01:00.0' }] })),
      features: pciFeatures(nvmePath),
    }),
  ),
})

const e1000ePath = '/dev/vfio/13 0000:02:00.0'
const e1000e = device({
  address: '0000:02:00.0',
  pci: pci({
    vendorId: 0x8086,
    deviceId: 0x10d3,
    classCode: 0x020000,
    className: 'Ethernet controller',
    vendorName: 'Intel Corporation',
    deviceName: '82574L Gigabit Network Connection',
    revision: 0,
    subsystemVendorId: 0x8086,
    subsystemDeviceId: 0x0000,
  }),
  driverOverride: 'vfio-pci',
  resources: [
    hostResource({ index: 0, start: 0xfe4c0000n, size: 0x20000n }),
    hostResource({ index: 1, start: 0xfe4e0000n, size: 0x20000n }),
    hostResource({ index: 2, start: 0xb000n, size: 0x20n, kind: 'io', flags: 0x40101n }),
    hostResource({ index: 3, start: 0xfe500000n, size: 0x4000n }),
    hostResource({ index: 6, start: 0xfe480000n, size: 0x40000n, flags: 0x46200n }),
  ],
  resetMethods: ['pm', 'bus'],
  numaNode: 0,
  vfio: ok(
    pciView({
      reset: true,
      regions: {
        0: { size: 0x20000n },
        1: { size: 0x20000n },
        2: { size: 0x20n, flags: REGION.rw },
        3: { size: 0x4000n, flags: REGION.rwmc, caps: [{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }] },
        6: { size: 0x40000n, flags: REGION.read },
        7: { size: 0x1000n, flags: REGION.rw },
      },
      irqs: [1, 1, { count: 5, flags: IRQ.eventfd }, 1, 1],
      hotReset: ok(hotReset({ devices: [{ groupOrDevid: 13, address: '0000:02:00.0' }] })),
      features: pciFeatures(e1000ePath),
    }),
  ),
})

const busy14 = {
  op: 'open',
  errno: 16,
  code: 'EBUSY',
  path: '/dev/vfio/14',
  hint: 'the group is open in another process (a running VM, DPDK, another lsvfio); find it with: fuser -v /dev/vfio/14',
} as const

const xhci = device({
  address: '0000:03:00.0',
  pci: pci({
    vendorId: 0x1b36,
    deviceId: 0x000d,
    classCode: 0x0c0330,
    className: 'USB controller',
    vendorName: 'Red Hat, Inc.',
    deviceName: 'QEMU XHCI Host Controller',
    revision: 1,
  }),
  resources: [hostResource({ index: 0, start: 0xfe200000n, size: 0x4000n, is64: true, flags: 0x140204n })],
  resetMethods: ['bus'],
  vfio: failed(busy14),
})

const notViable = failed<VfioDeviceView>({
  op: 'VFIO_GROUP_GET_STATUS',
  errno: 0,
  code: 'NOT_VIABLE',
  path: '/dev/vfio/16',
  hint: 'the group is not viable: every member must be bound to a VFIO driver, pci-stub, or no driver',
})

/** The full 12-device q35 guest of test/vm/README.md, trimmed to one group of each kind. */
export function vmInventory(): Inventory {
  const c = ok(containerInfo())
  const groups: IommuGroup[] = [
    group({
      id: 0,
      node: null,
      domainType: 'identity',
      devices: [
        device({
          address: '0000:00:00.0',
          pci: pci({
            vendorId: 0x8086,
            deviceId: 0x29c0,
            classCode: 0x060000,
            className: 'Host bridge',
            vendorName: 'Intel Corporation',
            deviceName: '82G33/G31/P35/P31 Express DRAM Controller',
            revision: 0,
          }),
          driver: null,
          vfioDriver: false,
          bridge: false,
        }),
      ],
    }),
    group({ id: 1, status: status(true, true), container: c, devices: [edu('0000:00:03.0', '/dev/vfio/1 0000:00:03.0', { driverOverride: 'vfio-pci' })] }),
    group({ id: 5, status: status(true, true), container: c, devices: [virtioNet('0000:00:07.0', 'vfio-pci', virtioNetView('/dev/vfio/5 0000:00:07.0'))] }),
    group({ id: 12, status: status(true, true), container: c, devices: [nvme] }),
    group({ id: 13, status: status(true, true), container: c, devices: [e1000e] }),
    group({
      id: 14,
      status: failed(busy14),
      devices: [xhci],
    }),
    group({
      id: 15,
      status: status(true, true),
      container: c,
      devices: [
        bridge('0000:04:00.0', 0x9000n),
        edu('0000:05:01.0', '/dev/vfio/15 0000:05:01.0', {
          resetMethods: ['bus'],
          vfio: ok(
            pciView({
              regions: { 0: { size: 0x100000n } },
              irqs: [1, 1, 0, errQuirk(), 1],
              hotReset: ok(
                hotReset({
                  devices: [
                    { groupOrDevid: 15, address: '0000:05:01.0' },
                    { groupOrDevid: 15, address: '0000:05:02.0' },
                  ],
                }),
              ),
              features: pciFeatures('/dev/vfio/15 0000:05:01.0'),
            }),
          ),
        }),
        testdev('0000:05:02.0', '/dev/vfio/15 0000:05:02.0', 'view'),
      ],
    }),
    group({
      id: 16,
      status: status(false, false),
      viability: { viable: false, blockers: [{ address: '0000:07:02.0', driver: 'virtio-pci' }] },
      devices: [
        bridge('0000:06:00.0', 0x8000n),
        testdev('0000:07:01.0', '/dev/vfio/16 0000:07:01.0', notViable, { resetMethods: ['bus'] }),
        virtioNet('0000:07:02.0', 'virtio-pci', null),
      ],
    }),
  ]
  return inventory({ host: host({ groupCount: 17 }), groups, failures: 3 })
}

/** arm64 virt guest without an IOMMU: no-IOMMU groups holding vfio-platform / vfio-amba devices. */
export function armNoiommuInventory(): Inventory {
  const noiommuContainer = ok(
    containerInfo({
      model: 'noiommu',
      iommuInfo: null,
      extensions: [
        { id: 1, name: 'type1', value: 0 },
        { id: 3, name: 'type1v2', value: 0 },
        { id: 8, name: 'noiommu', value: 1 },
      ],
    }),
  )
  const platform = (id: number, address: string, bus: string, dtPath: string, compatible: string[], flags: number, mmap: boolean, irqFlags: number): IommuGroup =>
    group({
      id,
      noiommu: true,
      domainType: 'unknown',
      node: devNode({ path: `/dev/vfio/noiommu-${id}`, rdev: `238:${id}` }),
      status: status(true, true),
      container: noiommuContainer,
      devices: [
        device({
          address,
          bus,
          pci: null,
          driver: bus === 'amba' ? 'vfio-amba' : 'vfio-platform',
          ofNode: { path: dtPath, compatible },
          resources: [],
          vfio: ok(
            vfioView({
              flags,
              numRegions: 1,
              numIrqs: 1,
              regions: [regionEntry(region({ index: 0, size: mmap ? 0x1000n : 0x200n, flags: mmap ? REGION.rwm : REGION.rw }), 0, 'region 0')],
              irqs: [irqEntry(irq({ index: 0, flags: irqFlags, count: 1 }), 0, 'irq 0')],
            }),
          ),
        }),
      ],
    })
  return inventory({
    host: host({
      iommus: [],
      groupCount: 2,
      modules: ['vfio', 'vfio_platform_base', 'vfio_platform', 'vfio_amba'],
      noiommuEnabled: true,
      kernel: '6.12.57+deb13-arm64',
    }),
    groups: [
      platform(0, 'a000000.virtio_mmio', 'platform', '/virtio_mmio@a000000', ['virtio,mmio'], DEV.platform, false, IRQ.eventfd),
      platform(4, '9010000.pl031', 'amba', '/pl031@9010000', ['arm,pl031', 'arm,primecell'], 0x8, true, IRQ.intx),
    ],
  })
}
