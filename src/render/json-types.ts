// The DTO types of the --json contract (schema/lsvfio.schema.json describes the same shape).
// Kept apart from the model so the model can change without breaking scripts.
import type { IommuModel } from '../model/types.js'
import type { JsonDiagnostics } from './json-diagnose-types.js'
import type { JsonGfx, JsonMdevDevice, JsonMdevInventory } from './json-mdev.js'

export const SCHEMA_VERSION = 1 as const

/** "0x" followed by lowercase hex digits. */
export type JsonU64 = string

export interface JsonError {
  op: string
  errno: number
  code: string
  path: string | null
  hint: string | null
}

export type JsonProbe<T> = { state: 'ok'; value: T } | { state: 'failed'; error: JsonError }
export interface JsonQuirk {
  state: 'unavailable'
  reason: string
  error: JsonError
}

export interface JsonRaw {
  op: string
  bytes: string
  fields: { offset: number; size: number; label: string }[]
  fault: string | null
}

export interface JsonConfig {
  bytes: string
  virtualized: { offset: number; size: number; what: string }[]
}

export interface JsonRegionDump {
  index: number
  offset: JsonU64
  bytes: string
}

export interface JsonDevNode {
  path: string
  mode: number
  uid: number
  gid: number
  rdev: string
}

export interface JsonHost {
  iommus: string[]
  groupCount: number
  modules: string[]
  noiommuEnabled: boolean | null
  containerNode: JsonDevNode | null
  iommufdNode: JsonDevNode | null
  kernel: string | null
}

export interface JsonRange {
  start: JsonU64
  end: JsonU64
}

export type JsonCap =
  | { kind: 'sparse-mmap'; id: number; version: number; offset: number; areas: { offset: JsonU64; size: JsonU64 }[] }
  | { kind: 'type'; id: number; version: number; offset: number; type: number; subtype: number; typeName: string; subtypeName: string }
  | { kind: 'msix-mappable'; id: number; version: number; offset: number }
  | { kind: 'nvlink2-ssatgt'; id: number; version: number; offset: number; tgt: JsonU64 }
  | { kind: 'nvlink2-lnkspd'; id: number; version: number; offset: number; linkSpeed: number }
  | { kind: 'iova-range'; id: number; version: number; offset: number; ranges: JsonRange[] }
  | { kind: 'migration'; id: number; version: number; offset: number; flags: number; pgsizeBitmap: JsonU64; maxDirtyBitmapSize: JsonU64 }
  | { kind: 'dma-avail'; id: number; version: number; offset: number; avail: number }
  | { kind: 'pci-atomic-comp'; id: number; version: number; offset: number; flags: number; flagNames: string[] }
  | { kind: 'zpci'; id: number; version: number; offset: number; name: string; raw: string }
  | { kind: 'unknown'; id: number; version: number; offset: number; raw: string }
  | { kind: 'chain-error'; reason: 'looped' | 'out-of-bounds' | 'truncated'; offset: number }

export interface JsonIommuInfo {
  flags: number
  flagNames: string[]
  pageSizes: JsonU64
  iovaRanges: JsonRange[] | null
  dmaAvail: number | null
  migration: { flags: number; pgsizeBitmap: JsonU64; maxDirtyBitmapSize: JsonU64 } | null
  caps: JsonCap[]
  raw: JsonRaw | null
}

export interface JsonContainer {
  apiVersion: number
  extensions: { id: number; name: string; value: number }[]
  model: IommuModel
  iommuInfo: JsonProbe<JsonIommuInfo> | null
}

export interface JsonGroupStatus {
  flags: number
  viable: boolean
  containerSet: boolean
  raw: JsonRaw | null
}

export interface JsonResource {
  index: number
  start: JsonU64
  end: JsonU64
  flags: JsonU64
  size: JsonU64
  kind: 'mem' | 'io' | 'none'
  prefetch: boolean
  is64: boolean
}

export interface JsonPci {
  vendorId: number
  deviceId: number
  subsystemVendorId: number | null
  subsystemDeviceId: number | null
  classCode: number
  revision: number | null
  vendorName: string | null
  deviceName: string | null
  className: string | null
  /** "vvvv:dddd", as -d takes it */
  id: string
  /** "vvvv:dddd" of the subsystem, or null */
  subsystemId: string | null
  subsystemVendorName: string | null
  subsystemName: string | null
}

export interface JsonRegion {
  index: number
  flags: number
  flagNames: string[]
  size: JsonU64
  offset: JsonU64
  caps: JsonCap[]
  absent: boolean
  raw: JsonRaw | null
}

export interface JsonIrq {
  index: number
  flags: number
  flagNames: string[]
  count: number
  raw: JsonRaw | null
}

export interface JsonHotReset {
  flags: number
  flagNames: string[]
  devices: { groupOrDevid: number; address: string }[]
  raw: JsonRaw | null
}

export interface JsonFeature {
  id: number
  name: string
  supported: boolean
  /** the errno name of the PROBE's "no" (ENOTTY, EINVAL); null for a yes or a failure */
  code: string | null
  detail: string[] | null
  error: JsonError | null
}

export interface JsonHwInfo {
  type: number
  typeName: string
  capabilities: string
  capabilityNames: string[]
  maxPasidLog2: number
  dataLen: number
  /** additive: the type-specific data (absent when dataLen is 0, or from an older lsvfio) */
  data?: JsonProbe<JsonHwInfoData>
}

export interface JsonHwInfoData {
  asked: number
  kernelLen: number
  bytes: string
  flags: number | null
  flagNames: string[]
  registers: { name: string; value: JsonU64; bits: string[]; fields: { name: string; value: number; text: string }[]; unknown: JsonU64 }[]
}

export interface JsonVfioDevice {
  via: 'group' | 'cdev'
  iommufd: { devid: number; hwInfo: JsonProbe<JsonHwInfo> } | null
  flags: number
  flagNames: string[]
  numRegions: number
  numIrqs: number
  caps: JsonCap[]
  regions: { index: number; name: string; info: JsonProbe<JsonRegion> | JsonQuirk }[]
  irqs: { index: number; name: string; info: JsonProbe<JsonIrq> | JsonQuirk }[]
  hotReset: JsonProbe<JsonHotReset> | JsonQuirk | null
  features: JsonFeature[]
  config: JsonProbe<JsonConfig> | null
  regionDump: JsonProbe<JsonRegionDump> | null
  raw: JsonRaw | null
  /** Mediated devices only: QUERY_GFX_PLANE PROBE answers (value null: no display). */
  gfx?: JsonGfx
}

export interface JsonDevice {
  address: string
  bus: string
  pci: JsonPci | null
  driver: string | null
  driverOverride: string | null
  vfioDriver: boolean
  bridge: boolean
  resources: JsonResource[]
  resetMethods: string[] | null
  numaNode: number | null
  ofNode: JsonOfNode | null
  cdev: string | null
  sysfsConfig: string | null
  vfio: JsonProbe<JsonVfioDevice> | null
  /** With -k: modules whose aliases match the modalias; null when unknown. */
  kernelModules?: string[] | null
  /** The kernel's answers predicted from sysfs (vfio-pci devices); absent when not predicted. */
  predicted?: JsonPredicted
  /** With --open: each predicted field against the kernel's answer. */
  agreement?: JsonAgreement[]
  /** Mediated devices only. */
  mdev?: JsonMdevDevice
}

export interface JsonPredicted {
  source: 'sysfs'
  flags: Record<string, boolean>
  resetMethod?: string | null
  numRegions?: number
  numIrqs?: number
  regions: { index: number; name: string; available?: boolean; size?: string; offset?: string; flagNames?: string[] }[]
  irqs: { index: number; name: string; available?: boolean; count?: number; flagNames?: string[] }[]
  unknown: string[]
}

export interface JsonAgreement {
  field: string
  predicted: string
  kernel: string
  agree: boolean
}

export interface JsonGroup {
  id: number
  name: string
  noiommu: boolean
  /** Present (true) only for a group vfio made up for mediated devices. */
  emulated?: boolean
  domainType: string | null
  node: JsonDevNode | null
  viability: { viable: boolean; blockers: { address: string; driver: string }[] }
  status: JsonProbe<JsonGroupStatus> | null
  container: JsonProbe<JsonContainer> | null
  devices: JsonDevice[]
}

export interface JsonDocument {
  schemaVersion: typeof SCHEMA_VERSION
  tool: { name: 'lsvfio'; version: string }
  /** The host this run read; null for a replay (--from) or a --sysfs-root tree (additive, optional). */
  hostname?: string | null
  /** When the run gathered, ISO 8601 UTC (additive, optional). */
  time?: string
  argv: string[] | null
  opened: boolean
  failures: number
  host: JsonHost
  groups: JsonGroup[]
  ungrouped: JsonDevice[]
  /** Why not viable, holders, reset, readiness (additive in schemaVersion 1); null when not gathered. */
  diagnostics: JsonDiagnostics | null
  /** mdev parents, types and mdevctl definitions; absent when the host has none. */
  mdev?: JsonMdevInventory
}

/** A device's device-tree node: reg entries beside the regions they back, interrupts beside the IRQ indexes. */
export interface JsonOfNode {
  path: string
  compatible: string[]
  reg: JsonOfReg[] | null
  interrupts: JsonOfInterrupt[] | null
}

export interface JsonOfReg {
  index: number
  name: string | null
  cells: number[]
  address: JsonU64 | null
  size: JsonU64 | null
  cpuAddress: JsonU64 | null
  bus?: 'default' | 'default-flags' | 'pci' | 'isa'
  flags?: number | null
  untranslatable?: string | null
  resource?: boolean
  source?: 'kernel' | 'devicetree'
}

export interface JsonOfInterrupt {
  index: number
  name: string | null
  controller: string | null
  cells: number[]
  gic: { kind: 'SPI' | 'PPI' | 'ESPI' | 'EPPI'; number: number; hwirq: number; trigger: string } | null
  controllerCompatible?: string[]
  nexus?: string[]
  controllerCells?: number[]
  unresolved?: string | null
  kernel?: { virq: number; hwirq: number; type: string | null; chip: string | null } | null
  source?: 'kernel' | 'devicetree'
}
