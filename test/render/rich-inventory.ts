// An inventory that exercises every corner of the model at once: every InfoCap kind, every probe state,
// an ungrouped device, cdev and NUMA facts. For the JSON contract test and the -vvv golden.
import { hwCapabilityNames } from '../../src/kernel/abi/flags.js'
import { decodeHwInfoData } from '../../src/kernel/abi/hw-info.js'
import type { HwInfo, InfoCap, Inventory, Probe } from '../../src/model/types.js'
import {
  DEV,
  REGION,
  containerInfo,
  device,
  failed,
  feature,
  group,
  hostResource,
  inventory,
  iommuInfo,
  irq,
  irqEntry,
  ok,
  pci,
  probeError,
  quirk,
  region,
  regionEntry,
  vfioView,
} from '../helpers/builders.js'
import { vmInventory, armNoiommuInventory } from './vm-inventory.js'

export const EVERY_CAP: readonly InfoCap[] = [
  { kind: 'sparse-mmap', id: 1, version: 1, offset: 32, areas: [{ offset: 0n, size: 0x1000n }, { offset: 0x3000n, size: 0x1000n }] },
  { kind: 'type', id: 2, version: 1, offset: 64, type: 0x80008086, subtype: 1, typeName: 'pci-vendor:8086', subtypeName: 'igd-opregion' },
  { kind: 'msix-mappable', id: 3, version: 1, offset: 80 },
  { kind: 'nvlink2-ssatgt', id: 4, version: 1, offset: 88, tgt: 0x2000000000000n },
  { kind: 'nvlink2-lnkspd', id: 5, version: 1, offset: 104, linkSpeed: 9 },
  { kind: 'iova-range', id: 1, version: 1, offset: 24, ranges: [{ start: 0n, end: 0xfedfffffn }] },
  { kind: 'migration', id: 2, version: 1, offset: 56, flags: 0, pgsizeBitmap: 0x1000n, maxDirtyBitmapSize: 0x10000000n },
  { kind: 'dma-avail', id: 3, version: 1, offset: 88, avail: 65535 },
  { kind: 'pci-atomic-comp', id: 5, version: 1, offset: 24, flags: 3, flagNames: ['comp32', 'comp64'] },
  { kind: 'zpci', id: 1, version: 2, offset: 24, name: 'base', raw: new Uint8Array([0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]) },
  { kind: 'unknown', id: 0x77, version: 3, offset: 120, raw: new Uint8Array([1, 2, 3, 0xff]) },
  { kind: 'chain-error', reason: 'looped', offset: 32 },
  { kind: 'chain-error', reason: 'out-of-bounds', offset: 0x400 },
  { kind: 'chain-error', reason: 'truncated', offset: 0x90 },
]

const path = '/dev/vfio/42 0000:0a:00.0'

/** A GPU-like device with every capability kind and every probe state. */
export function kitchenSinkInventory(): Inventory {
  const regionCaps = EVERY_CAP.filter((c) => ['sparse-mmap', 'type', 'msix-mappable', 'nvlink2-ssatgt', 'nvlink2-lnkspd', 'unknown'].includes(c.kind))
  const gpu = device({
    address: '0000:0a:00.0',
    pci: pci({ vendorId: 0x8086, deviceId: 0x3e92, classCode: 0x030000, className: 'VGA compatible controller', vendorName: 'Intel Corporation', deviceName: 'CoffeeLake-S GT2 [UHD Graphics 630]', revision: 0 }),
    resources: [
      hostResource({ index: 0, start: 0xf6000000n, size: 0x1000000n, is64: true }),
      hostResource({ index: 2, start: 0xe0000000n, size: 0x10000000n, is64: true, prefetch: true }),
      hostResource({ index: 1, start: 0n, size: 0n, kind: 'none', flags: 0n }),
      hostResource({ index: 7, start: 0xd0000000n, size: 0x100000n }),
    ],
    resetMethods: ['flr'],
    numaNode: 1,
    cdev: '/dev/vfio/devices/vfio3',
    vfio: ok(
      vfioView({
        flags: DEV.pci | DEV.reset | DEV.caps,
        numRegions: 11,
        numIrqs: 6,
        caps: EVERY_CAP.filter((c) => c.kind === 'pci-atomic-comp' || c.kind === 'zpci' || c.kind === 'chain-error'),
        regions: [
          regionEntry(region({ index: 0, size: 0x1000000n, flags: REGION.rwmc, caps: regionCaps })),
          regionEntry(region({ index: 1, flags: 0, size: 0n, absent: true })),
          regionEntry(region({ index: 2, size: 0x8000000n })),
          regionEntry(failed({ op: 'VFIO_DEVICE_GET_REGION_INFO index 3', errno: 71, code: 'EPROTO', path, hint: 'the kernel reply is malformed: please report it with lsvfio --save' }), 3),
          regionEntry(region({ index: 7, size: 0x1000n, flags: REGION.rw })),
          regionEntry(region({ index: 8, size: 0xc0000n, flags: REGION.rw })),
          regionEntry(region({ index: 9, size: 0x2000n, flags: REGION.read | REGION.caps, caps: [EVERY_CAP[1]!] }), 9, 'pci-vendor:8086/igd-opregion'),
          regionEntry(quirk('index beyond the driver regions', { op: 'VFIO_DEVICE_GET_REGION_INFO index 10', path }), 10, 'region 10'),
        ],
        irqs: [
          irqEntry(irq({ index: 0 })),
          irqEntry(irq({ index: 1, flags: 9, count: 0 })),
          irqEntry(irq({ index: 2, flags: 1, count: 16 })),
          irqEntry(quirk('no error interrupt: conventional PCI device (not PCI Express)', { op: 'VFIO_DEVICE_GET_IRQ_INFO index 3', path }), 3),
          irqEntry(failed({ op: 'VFIO_DEVICE_GET_IRQ_INFO index 4', errno: 5, code: 'EIO', path }), 4),
          irqEntry(irq({ index: 5, flags: 9, count: 1 }), 5, 'irq 5'),
        ],
        hotReset: failed({ op: 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO', errno: 1, code: 'EPERM', path, hint: 'an affected device has no IOMMU group' }),
        features: [
          feature({ id: 1, name: 'migration', supported: true, detail: ['stop-copy', 'p2p'] }),
          feature({ id: 3, name: 'low-power-entry', supported: false }),
          feature({ id: 6, name: 'dma-logging-start', supported: false, error: probeError({ op: 'VFIO_DEVICE_FEATURE PROBE 6', errno: 25, code: 'ENOTTY', path }) }),
          feature({ id: 9, name: 'mig-data-size', supported: false, error: probeError({ op: 'VFIO_DEVICE_FEATURE PROBE 9', errno: 5, code: 'EIO', path }) }),
        ],
      }),
    ),
  })
  const g = group({
    id: 42,
    status: ok({ flags: 3, viable: true, containerSet: true }),
    container: ok(containerInfo({ iommuInfo: ok(iommuInfo({ caps: EVERY_CAP.filter((c) => ['iova-range', 'migration', 'dma-avail', 'unknown', 'chain-error'].includes(c.kind)) })) })),
    devices: [gpu],
  })
  const broken = group({
    id: 43,
    container: failed({ op: 'VFIO_SET_IOMMU', errno: 1, code: 'EPERM', path: '/dev/vfio/vfio', hint: 'the IOMMU has no interrupt remapping' }),
    status: ok({ flags: 1, viable: true, containerSet: false }),
    devices: [device({ address: '0000:0b:00.0', vfio: failed({ op: 'VFIO_GROUP_GET_DEVICE_FD', errno: 22, code: 'EINVAL', path: '/dev/vfio/43' }) })],
  })
  const noInfo = group({
    id: 44,
    status: ok({ flags: 3, viable: true, containerSet: true }),
    container: ok(containerInfo({ iommuInfo: failed({ op: 'VFIO_IOMMU_GET_INFO', errno: 25, code: 'ENOTTY', path: '/dev/vfio/vfio' }) })),
    devices: [],
  })
  return inventory({
    groups: [g, broken, noInfo],
    ungrouped: [device({ address: '0000:0c:00.0', driver: 'vfio-pci' })],
    failures: 6,
  })
}

/** The cdev path with IOMMU_GET_HW_INFO's data: SMMUv3 registers in full, VT-d cut short, a failed ask. */
export function cdevInventory(): Inventory {
  const smmu = new Uint8Array(40)
  const dv = new DataView(smmu.buffer)
  ;[0x0c0c_3017, 0x0e73_0410, 0, 0x0400, 0, 0x0000_0075].forEach((v, i) => dv.setUint32(8 + 4 * i, v, true))
  dv.setUint32(36, 1, true)
  const vtd = new Uint8Array(16)
  new DataView(vtd.buffer).setBigUint64(8, 0xd2008c22260206n | (1n << 38n), true)
  const hw = (type: number, bytes: Uint8Array, asked: number, caps: bigint): Probe<HwInfo> =>
    ok({ type, typeName: type === 1 ? 'intel-vtd' : 'arm-smmuv3', capabilities: caps, capabilityNames: hwCapabilityNames(caps), maxPasidLog2: 0, dataLen: asked, data: ok({ asked, kernelLen: bytes.length, bytes, ...decodeHwInfoData(type, bytes, bytes.length) }) })
  const dev = (address: string, n: number, hwInfo: Probe<HwInfo>) =>
    device({ address, driver: 'vfio-pci', cdev: `/dev/vfio/devices/vfio${n}`, vfio: ok(vfioView({ via: 'cdev', iommufd: { devid: n + 1, hwInfo } })) })
  const failedData: Probe<HwInfo> = ok({ type: 1, typeName: 'intel-vtd', capabilities: 0n, capabilityNames: [], maxPasidLog2: 0, dataLen: 24, data: failed({ op: 'IOMMU_GET_HW_INFO data', errno: 14, code: 'EFAULT', path: '/dev/iommu' }) })
  return inventory({
    groups: [
      group({
        id: 50,
        devices: [dev('0000:50:00.0', 0, hw(2, smmu, 40, 0x9n)), dev('0000:50:00.1', 1, hw(1, vtd, 24, 0x20n)), dev('0000:50:00.2', 2, failedData)],
      }),
    ],
  })
}

/** Every inventory the renderers are tested with. */
export function allInventories(): Record<string, Inventory> {
  return {
    cdev: cdevInventory(),
    vm: vmInventory(),
    arm: armNoiommuInventory(),
    sink: kitchenSinkInventory(),
    empty: inventory({ host: { ...inventory().host, iommus: [], groupCount: 0, modules: [] }, opened: false }),
  }
}
