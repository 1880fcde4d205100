// The plain typed model: what lsvfio gathered, independent of how it is shown.
// Imports nothing from kernel/ or inspect/. u64 values are bigint.
import type { OfInterrupt, OfReg } from './devicetree.js'
import type { Diagnostics } from './diagnostics.js'
import type { HwInfoData } from './hw-info.js'
import type { GfxPlanes, MdevDevice, MdevInventory } from './mdev.js'
import type { Agreement, PredictedView } from './predicted.js'

export type { Agreement, PredictedIrq, PredictedRegion, PredictedView } from './predicted.js'

export type { DtSource, GicInterrupt, KernelIrq, OfInterrupt, OfReg } from './devicetree.js'

export type { GfxPlanes, MdevDefined, MdevDevice, MdevInventory, MdevParent, MdevType } from './mdev.js'

export interface ProbeError {
  /** What was attempted, e.g. "VFIO_DEVICE_GET_REGION_INFO index 5" or "open". */
  op: string
  /** errno number (0 when the failure is not an errno, e.g. a malformed reply). */
  errno: number
  /** errno name such as "EBUSY", or "EPROTO" for a reply that makes no sense. */
  code: string
  path?: string
  /** One line telling the user what to do next. */
  hint?: string
}

export type Probe<T> = { ok: true; value: T } | { ok: false; error: ProbeError }

/** A kernel answer that is a documented state, not a failure (VGA EINVAL, ERR EINVAL on conventional PCI …). */
export interface Quirk {
  state: 'unavailable'
  reason: string
  error: ProbeError
}

/** One field of a raw reply, for the annotated hexdump. */
export interface RawField {
  offset: number
  size: number
  label: string
}

/** The bytes the kernel returned for one request, with the fields labelled at their offsets. */
export interface RawReply {
  op: string
  bytes: Uint8Array
  fields: readonly RawField[]
  /** A fault the walker found (looped chain, offset past argsz): the bytes are still shown. */
  fault?: string
}

export interface Inventory {
  host: HostInfo
  groups: readonly IommuGroup[]
  /** Devices bound to a VFIO driver but in no IOMMU group (should not happen; shown if it does). */
  ungrouped: readonly Device[]
  /** Number of probes that failed (not quirks). Drives exit status 2. */
  failures: number
  /** Whether lsvfio opened /dev/vfio nodes in this run (false with --no-open). */
  opened: boolean
  /** Why not viable, who holds what, what opening resets, host readiness; absent when not gathered. */
  diagnostics?: Diagnostics
  /** Mediated devices: parents with their types, and mdevctl's defined mdevs; absent when the host has none. */
  mdev?: MdevInventory
}

export interface HostInfo {
  /** IOMMU instances under /sys/class/iommu (e.g. "dmar0"). */
  iommus: readonly string[]
  /** Number of IOMMU groups in /sys/kernel/iommu_groups. */
  groupCount: number
  /** Loaded modules among vfio, vfio_pci, vfio_iommu_type1, vfio_platform, iommufd … */
  modules: readonly string[]
  /** /sys/module/vfio/parameters/enable_unsafe_noiommu_mode: true/false, null when absent. */
  noiommuEnabled: boolean | null
  /** /dev/vfio/vfio exists. */
  containerNode: DevNode | null
  /** /dev/iommu exists (iommufd). */
  iommufdNode: DevNode | null
  /** Kernel release from /proc/sys/kernel/osrelease when readable. */
  kernel: string | null
  /** CPU architecture of the inspected host (src/inspect/arch.ts): readiness advice depends on it.
   * Not in the JSON host object (readiness.arm64 is); absent in hosts built by hand: unknown. */
  arch?: 'x86' | 'arm64' | 'other' | 'unknown'
}

export interface DevNode {
  path: string
  mode: number
  uid: number
  gid: number
  /** "major:minor" */
  rdev: string
}

export interface IommuGroup {
  id: number
  /** noiommu-N group (no IOMMU protection; kernel is tainted). */
  noiommu: boolean
  /** A group vfio made up for mediated devices (emulated IOMMU: the parent's driver translates DMA);
   * sysfs names it "vfio-noiommu" too, but its node is /dev/vfio/N and it taints nothing. Absent: false. */
  emulated?: boolean
  /** Default domain type from sysfs (DMA, DMA-FQ, identity …) or null. */
  domainType: string | null
  /** /dev/vfio/N or /dev/vfio/noiommu-N, null when absent (no member bound to a VFIO driver). */
  node: DevNode | null
  /** Viability predicted from sysfs bindings (the kernel's rule, docs/vfio-abi.md, Group). */
  viability: Viability
  /** What the kernel said about the group (VFIO_GROUP_GET_STATUS); null when not opened. */
  status: Probe<GroupStatus> | null
  /** Container attached to reach the devices; null when not opened. */
  container: Probe<ContainerInfo> | null
  devices: readonly Device[]
}

export interface Viability {
  viable: boolean
  /** Members bound to a driver that claims DMA (not vfio/pci-stub/pcieport): they break the group. */
  blockers: readonly { address: string; driver: string }[]
}

export interface GroupStatus {
  flags: number
  viable: boolean
  containerSet: boolean
  raw?: RawReply | undefined
}

export type IommuModel = 'type1v2' | 'type1' | 'noiommu'

export interface ContainerInfo {
  apiVersion: number
  /** Extensions asked with VFIO_CHECK_EXTENSION before SET_IOMMU: name → answer (>0 = yes). */
  extensions: readonly { id: number; name: string; value: number }[]
  model: IommuModel
  /** VFIO_IOMMU_GET_INFO; null for no-IOMMU (the kernel has no such ioctl there). */
  iommuInfo: Probe<IommuInfo> | null
}

export interface IommuInfo {
  flags: number
  flagNames: readonly string[]
  /** Bitmap of supported IOVA page sizes. */
  pageSizes: bigint
  iovaRanges: readonly { start: bigint; end: bigint }[] | null
  dmaAvail: number | null
  migration: { flags: number; pgsizeBitmap: bigint; maxDirtyBitmapSize: bigint } | null
  caps: readonly InfoCap[]
  raw?: RawReply | undefined
}

export interface HostResource {
  index: number
  start: bigint
  end: bigint
  flags: bigint
  size: bigint
  kind: 'mem' | 'io' | 'none'
  prefetch: boolean
  is64: boolean
}

export interface PciIdentity {
  vendorId: number
  deviceId: number
  subsystemVendorId: number | null
  subsystemDeviceId: number | null
  classCode: number
  revision: number | null
  vendorName: string | null
  deviceName: string | null
  className: string | null
  /** pci.ids' name of the subsystem's vendor (absent in models built before it was gathered) */
  subsystemVendorName?: string | null
  /** pci.ids' name of the subsystem, as lspci -v prints it after the vendor */
  subsystemName?: string | null
}

export interface OfNode {
  /** Device-tree path such as "/soc/virtio_mmio@a000000". */
  path: string
  compatible: readonly string[]
  /** `reg` entries in order (vfio-platform region i = entry i); null without a reg property or when unread. */
  reg?: readonly OfReg[] | null
  /** Interrupt specifiers in order (VFIO IRQ index i = entry i); null without interrupts or when unread. */
  interrupts?: readonly OfInterrupt[] | null
}

export interface Device {
  /** dev_name(): PCI "0000:01:00.0", platform "a000000.virtio_mmio" … */
  address: string
  bus: string
  pci: PciIdentity | null
  driver: string | null
  driverOverride: string | null
  /** Driver is vfio-pci, a *-vfio-pci variant, vfio-platform, vfio-amba … */
  vfioDriver: boolean
  /** PCI bridge (class 0x0604) or similar: never opened. */
  bridge: boolean
  resources: readonly HostResource[]
  /** sysfs reset_method, null when absent (no reset method). */
  resetMethods: readonly string[] | null
  numaNode: number | null
  ofNode: OfNode | null
  /** /dev/vfio/devices/vfioN when the kernel has VFIO cdev support. */
  cdev: string | null
  /** The device's own config space from sysfs (64 bytes unprivileged, all as root); null when unreadable. */
  sysfsConfig: Uint8Array | null
  /** What the kernel said through the device fd; null when not opened (not VFIO-bound, or without --open). */
  vfio: Probe<VfioDeviceView> | null
  /** What the kernel would answer, predicted from sysfs (vfio-pci devices); absent when not predicted. */
  predicted?: PredictedView
  /** With --open: each predicted field against the kernel's answer. */
  agreement?: readonly Agreement[]
  /** A mediated device (bus mdev): its UUID, type and parent; absent for other devices. */
  mdev?: MdevDevice
  /** With -k: the modules whose aliases match the device's modalias (lspci -k "Kernel modules:"), in
   * the index's order; null when the kernel's modules.alias or the modalias could not be read. */
  kernelModules?: readonly string[] | null
}


export interface VfioDeviceView {
  /** How the device fd was obtained: through its group (legacy container) or its cdev + iommufd. */
  via: 'group' | 'cdev'
  /** The cdev path's iommufd binding; null on the group path. */
  iommufd: IommufdInfo | null
  flags: number
  flagNames: readonly string[]
  numRegions: number
  numIrqs: number
  caps: readonly InfoCap[]
  regions: readonly RegionEntry[]
  irqs: readonly IrqEntry[]
  /** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO; null for non-PCI. */
  hotReset: Probe<HotResetInfo> | Quirk | null
  features: readonly FeatureProbe[]
  /** The CONFIG region as read through the device fd (vfio-pci's virtualized view); null when not PCI. */
  config: Probe<ConfigSpace> | null
  /** --read-region: the bytes asked for; absent when not asked. */
  regionDump?: Probe<RegionDump>
  /** VFIO_DEVICE_QUERY_GFX_PLANE with the PROBE flag (mediated devices only): which plane kinds a display
   * device exports; ok(null) when the driver has no display (ENOTTY). Absent when not asked. */
  gfx?: Probe<GfxPlanes | null>
  /** VFIO_DEVICE_GET_INFO reply. */
  raw?: RawReply | undefined
}

export interface ConfigSpace {
  bytes: Uint8Array
  /** Ranges where vfio-pci's view is emulated or differs from the device's own config (sysfs). */
  virtualized: readonly { offset: number; size: number; what: string }[]
}

export interface RegionDump {
  index: number
  /** offset inside the region */
  offset: bigint
  bytes: Uint8Array
}

export interface IommufdInfo {
  /** out_devid from VFIO_DEVICE_BIND_IOMMUFD */
  devid: number
  /** IOMMU_GET_HW_INFO for the bound device */
  hwInfo: Probe<HwInfo>
}

export interface HwInfo {
  /** enum iommu_hw_info_type: 1 intel-vtd, 2 arm-smmuv3 … */
  type: number
  typeName: string
  capabilities: bigint
  capabilityNames: readonly string[]
  maxPasidLog2: number
  /** Length of the type-specific data the kernel holds. */
  dataLen: number
  /** The type-specific data, asked for with a buffer of dataLen bytes; absent when dataLen is 0 */
  data?: Probe<HwInfoData> | undefined
}

export interface RegionEntry {
  index: number
  /** BAR0…BAR5, ROM, CONFIG, VGA, or a type/subtype name for index ≥ 9; "region N" otherwise. */
  name: string
  info: Probe<Region> | Quirk
}

export interface Region {
  index: number
  flags: number
  flagNames: readonly string[]
  size: bigint
  offset: bigint
  caps: readonly InfoCap[]
  /** size 0 and flags 0: absent BAR, upper half of a 64-bit BAR. */
  absent: boolean
  raw?: RawReply | undefined
}

export interface IrqEntry {
  index: number
  name: string
  info: Probe<Irq> | Quirk
}

export interface Irq {
  index: number
  flags: number
  flagNames: readonly string[]
  count: number
  raw?: RawReply | undefined
}

export interface HotResetInfo {
  flags: number
  flagNames: readonly string[]
  devices: readonly { groupOrDevid: number; address: string }[]
  raw?: RawReply | undefined
}

export interface FeatureProbe {
  id: number
  name: string
  supported: boolean
  /** The errno name the PROBE answered "no" with (ENOTTY, EINVAL); absent for a yes or a failure. */
  code?: string
  /** For migration: the flags from a GET (read-only), e.g. stop-copy, p2p, pre-copy. */
  detail?: readonly string[]
  error?: ProbeError
}

/** One capability in a VFIO info chain, decoded by name. Unknown ids keep their raw payload. */
export type InfoCap =
  | { kind: 'sparse-mmap'; id: number; version: number; offset: number; areas: readonly { offset: bigint; size: bigint }[] }
  | { kind: 'type'; id: number; version: number; offset: number; type: number; subtype: number; typeName: string; subtypeName: string }
  | { kind: 'msix-mappable'; id: number; version: number; offset: number }
  | { kind: 'nvlink2-ssatgt'; id: number; version: number; offset: number; tgt: bigint }
  | { kind: 'nvlink2-lnkspd'; id: number; version: number; offset: number; linkSpeed: number }
  | { kind: 'iova-range'; id: number; version: number; offset: number; ranges: readonly { start: bigint; end: bigint }[] }
  | { kind: 'migration'; id: number; version: number; offset: number; flags: number; pgsizeBitmap: bigint; maxDirtyBitmapSize: bigint }
  | { kind: 'dma-avail'; id: number; version: number; offset: number; avail: number }
  | { kind: 'pci-atomic-comp'; id: number; version: number; offset: number; flags: number; flagNames: readonly string[] }
  | { kind: 'zpci'; id: number; version: number; offset: number; name: string; raw: Uint8Array }
  | { kind: 'unknown'; id: number; version: number; offset: number; raw: Uint8Array }
  | { kind: 'chain-error'; reason: 'looped' | 'out-of-bounds' | 'truncated'; offset: number }
