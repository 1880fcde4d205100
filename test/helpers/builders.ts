// Model builders with Partial<> overrides (taze's createChange style). Defaults describe a plausible
// QEMU device bound to vfio-pci, so a test only spells out what it is about.
import type {
  ContainerInfo,
  DevNode,
  Device,
  FeatureProbe,
  HostInfo,
  HostResource,
  HotResetInfo,
  InfoCap,
  Inventory,
  IommuGroup,
  IommuInfo,
  Irq,
  IrqEntry,
  PciIdentity,
  Probe,
  ProbeError,
  Quirk,
  Region,
  RegionEntry,
  VfioDeviceView,
} from '../../src/model/types.js'

// Bit → name tables for tests only (the real ones live in src/kernel/abi/flags.ts).
const REGION_FLAGS = ['read', 'write', 'mmap', 'caps'] as const
const IRQ_FLAGS = ['eventfd', 'maskable', 'automasked', 'noresize'] as const
const DEVICE_FLAGS = ['reset', 'pci', 'platform', 'amba', 'ccw', 'ap', 'fsl-mc', 'caps', 'cdx'] as const

export function namesOf(flags: number, table: readonly string[]): string[] {
  return table.filter((_, bit) => (flags & (1 << bit)) !== 0)
}

export const REGION = { read: 1, write: 2, mmap: 4, caps: 8, rw: 3, rwm: 7, rwmc: 15 } as const
export const IRQ = { eventfd: 1, maskable: 2, automasked: 4, noresize: 8, intx: 7, msi: 9 } as const
export const DEV = { reset: 1, pci: 2, platform: 4, caps: 0x80 } as const

export const PCI_REGION_NAMES = ['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA'] as const
export const PCI_IRQ_NAMES = ['INTx', 'MSI', 'MSI-X', 'ERR', 'REQ'] as const

export function probeError(o: Partial<ProbeError> = {}): ProbeError {
  return { op: 'open', errno: 16, code: 'EBUSY', ...o }
}

export function ok<T>(value: T): Probe<T> {
  return { ok: true, value }
}

export function failed<T = never>(o: Partial<ProbeError> = {}): Probe<T> {
  return { ok: false, error: probeError(o) }
}

export function quirk(reason: string, error: Partial<ProbeError> = {}): Quirk {
  return { state: 'unavailable', reason, error: probeError({ errno: 22, code: 'EINVAL', ...error }) }
}

export function devNode(o: Partial<DevNode> = {}): DevNode {
  return { path: '/dev/vfio/1', mode: 0o20600, uid: 0, gid: 0, rdev: '245:0', ...o }
}

/** A region; flagNames follow flags unless given. Default: BAR0, 1M, rw mmap, at vfio offset index << 40. */
export function region(o: Partial<Region> = {}): Region {
  const index = o.index ?? 0
  const flags = o.flags ?? REGION.rwm
  return {
    index,
    flags,
    flagNames: namesOf(flags, REGION_FLAGS),
    size: 0x100000n,
    offset: BigInt(index) << 40n,
    caps: [],
    absent: false,
    ...o,
  }
}

/** size 0, flags 0: what vfio-pci reports for an unused BAR or the upper half of a 64-bit BAR. */
export function absentRegion(index: number): Region {
  return region({ index, flags: 0, size: 0n, absent: true })
}

export function regionEntry(info: Region | Probe<Region> | Quirk, index?: number, name?: string): RegionEntry {
  const wrapped: Probe<Region> | Quirk = 'ok' in info || 'state' in info ? info : ok(info)
  const i = index ?? ('index' in info ? info.index : 0)
  return { index: i, name: name ?? PCI_REGION_NAMES[i] ?? `region ${i}`, info: wrapped }
}

/** An IRQ index; default INTx, count 1, eventfd maskable automasked. */
export function irq(o: Partial<Irq> = {}): Irq {
  const flags = o.flags ?? IRQ.intx
  return { index: 0, flags, flagNames: namesOf(flags, IRQ_FLAGS), count: 1, ...o }
}

export function irqEntry(info: Irq | Probe<Irq> | Quirk, index?: number, name?: string): IrqEntry {
  const wrapped: Probe<Irq> | Quirk = 'ok' in info || 'state' in info ? info : ok(info)
  const i = index ?? ('index' in info ? info.index : 0)
  return { index: i, name: name ?? PCI_IRQ_NAMES[i] ?? `irq ${i}`, info: wrapped }
}

export function pci(o: Partial<PciIdentity> = {}): PciIdentity {
  return {
    vendorId: 0x1234,
    deviceId: 0x11e8,
    subsystemVendorId: 0x1af4,
    subsystemDeviceId: 0x1100,
    classCode: 0x00ff00,
    revision: 0x10,
    vendorName: null,
    deviceName: null,
    className: 'Unclassified device',
    ...o,
  }
}

export function hostResource(o: Partial<HostResource> = {}): HostResource {
  const start = o.start ?? 0xfe000000n
  const size = o.size ?? 0x100000n
  return {
    index: 0,
    start,
    end: size === 0n ? 0n : start + size - 1n,
    flags: 0x40200n,
    size,
    kind: 'mem',
    prefetch: false,
    is64: false,
    ...o,
  }
}

export function hotReset(o: Partial<HotResetInfo> = {}): HotResetInfo {
  return { flags: 0, flagNames: [], devices: [], ...o }
}

export function feature(o: Partial<FeatureProbe> = {}): FeatureProbe {
  return { id: 1, name: 'migration', supported: false, ...o }
}

export function vfioView(o: Partial<VfioDeviceView> = {}): VfioDeviceView {
  const flags = o.flags ?? DEV.pci
  return {
    via: 'group',
    iommufd: null,
    config: null,
    flags,
    flagNames: namesOf(flags, DEVICE_FLAGS),
    numRegions: o.regions?.length ?? 0,
    numIrqs: o.irqs?.length ?? 0,
    caps: [],
    regions: [],
    irqs: [],
    hotReset: null,
    features: [],
    ...o,
  }
}

export const VGA_QUIRK = 'no VGA region: not a VGA device, or VGA support disabled in vfio-pci'
export const ERR_QUIRK = 'no error interrupt: conventional PCI device (not PCI Express)'

/** The ERR IRQ index of a conventional PCI device on kernels before 7.3 (EINVAL, docs/vfio-abi.md, Device). */
export function errQuirk(): Quirk {
  return quirk(ERR_QUIRK, { op: 'VFIO_DEVICE_GET_IRQ_INFO index 3' })
}

export interface PciViewSpec {
  /** Present regions by index (0–5 BARs, 6 ROM, 7 CONFIG); the rest are absent; VGA is the EINVAL quirk. */
  regions?: Readonly<Record<number, Partial<Region>>>
  /** INTx, MSI, MSI-X, ERR, REQ in order: a count, an Irq override, or a Quirk/failed probe. */
  irqs?: readonly (number | Partial<Irq> | Quirk | Probe<Irq>)[]
  reset?: boolean
  hotReset?: VfioDeviceView['hotReset']
  features?: readonly FeatureProbe[]
  caps?: readonly InfoCap[]
}

/** A vfio-pci view as the kernel reports it: 9 regions, 5 IRQs, CONFIG 256 bytes unless overridden. */
export function pciView(spec: PciViewSpec = {}): VfioDeviceView {
  const regions = PCI_REGION_NAMES.map((name, index): RegionEntry => {
    if (name === 'VGA') return regionEntry(quirk(VGA_QUIRK, { op: `VFIO_DEVICE_GET_REGION_INFO index ${index}` }), index)
    const given = spec.regions?.[index]
    if (given !== undefined) return regionEntry(region({ index, ...given }), index)
    if (name === 'CONFIG') return regionEntry(region({ index, size: 256n, flags: REGION.rw }), index)
    return regionEntry(absentRegion(index), index)
  })
  const defaults: readonly (number | Partial<Irq>)[] = [1, 1, 0, 0, 1]
  const irqs = PCI_IRQ_NAMES.map((_, index): IrqEntry => {
    const given = spec.irqs?.[index] ?? defaults[index] ?? 0
    if (typeof given === 'object' && ('ok' in given || 'state' in given)) return irqEntry(given, index)
    const base: Partial<Irq> = typeof given === 'number' ? { count: given } : given
    const flags = base.flags ?? (index === 0 ? IRQ.intx : IRQ.msi)
    return irqEntry(irq({ index, flags, count: 0, ...base }), index)
  })
  return vfioView({
    flags: DEV.pci | (spec.reset === true ? DEV.reset : 0) | (spec.caps !== undefined && spec.caps.length > 0 ? DEV.caps : 0),
    numRegions: 9,
    numIrqs: 5,
    regions,
    irqs,
    hotReset: spec.hotReset ?? null,
    features: spec.features ?? [],
    caps: spec.caps ?? [],
  })
}

/** Default: QEMU's edu device at 0000:00:03.0, bound to vfio-pci, not opened. */
export function device(o: Partial<Device> = {}): Device {
  return {
    address: '0000:00:03.0',
    bus: 'pci',
    pci: pci(),
    driver: 'vfio-pci',
    driverOverride: null,
    vfioDriver: true,
    bridge: false,
    resources: [],
    resetMethods: null,
    numaNode: null,
    ofNode: null,
    cdev: null,
    sysfsConfig: null,
    vfio: null,
    ...o,
  }
}

export function group(o: Partial<IommuGroup> = {}): IommuGroup {
  const id = o.id ?? 1
  return {
    id,
    noiommu: false,
    domainType: 'DMA',
    node: devNode({ path: `/dev/vfio/${o.noiommu === true ? `noiommu-${id}` : id}` }),
    viability: { viable: true, blockers: [] },
    status: null,
    container: null,
    devices: [],
    ...o,
  }
}

export function iommuInfo(o: Partial<IommuInfo> = {}): IommuInfo {
  return {
    flags: 3,
    flagNames: ['pgsizes', 'caps'],
    pageSizes: 0x40201000n,
    iovaRanges: [
      { start: 0x0n, end: 0xfedfffffn },
      { start: 0xfef00000n, end: 0x7fffffffffn },
    ],
    dmaAvail: 65535,
    migration: { flags: 0, pgsizeBitmap: 0x1000n, maxDirtyBitmapSize: 0x10000000n },
    caps: [],
    ...o,
  }
}

export const TYPE1_EXTENSIONS: ContainerInfo['extensions'] = [
  { id: 1, name: 'type1', value: 1 },
  { id: 2, name: 'spapr-tce', value: 0 },
  { id: 3, name: 'type1v2', value: 1 },
  { id: 4, name: 'dma-cc', value: 0 },
  { id: 5, name: 'eeh', value: 0 },
  { id: 6, name: 'type1-nesting', value: 1 },
  { id: 7, name: 'spapr-tce-v2', value: 0 },
  { id: 8, name: 'noiommu', value: 0 },
  { id: 9, name: 'unmap-all', value: 1 },
  { id: 10, name: 'update-vaddr', value: 0 },
]

export function containerInfo(o: Partial<ContainerInfo> = {}): ContainerInfo {
  return { apiVersion: 0, extensions: TYPE1_EXTENSIONS, model: 'type1v2', iommuInfo: ok(iommuInfo()), ...o }
}

export function host(o: Partial<HostInfo> = {}): HostInfo {
  return {
    iommus: ['dmar0'],
    groupCount: 1,
    modules: ['vfio', 'vfio_iommu_type1', 'vfio_pci', 'vfio_pci_core'],
    noiommuEnabled: null,
    containerNode: devNode({ path: '/dev/vfio/vfio', mode: 0o20666, rdev: '10:196' }),
    iommufdNode: null,
    kernel: '6.12.117+deb12-amd64',
    ...o,
  }
}

export function inventory(o: Partial<Inventory> = {}): Inventory {
  return { host: host(), groups: [], ungrouped: [], failures: 0, opened: true, ...o }
}
