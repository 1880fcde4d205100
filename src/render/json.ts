// The machine-readable contract (--json): own DTO types, separate from the model, so the model can
// evolve without breaking scripts. Described by schema/lsvfio.schema.json; bump SCHEMA_VERSION on any
// incompatible change. Conventions (also in the schema):
//  - every key is always present; null means "not gathered / not applicable", never "empty list";
//  - u64 values are lowercase hex strings "0x…"; small integers are numbers;
//  - flags appear as a number and as a list of names; byte payloads as lowercase hex pairs;
//  - every probe is { state: "ok", value } | { state: "failed", error } | { state: "unavailable", reason, error }.
import type {
  ContainerInfo,
  DevNode,
  Device,
  HostInfo,
  HostResource,
  ConfigSpace,
  HotResetInfo,
  HwInfo,
  RawReply,
  RegionDump,
  InfoCap,
  Inventory,
  IommuGroup,
  IommuInfo,
  Irq,
  OfNode,
  PciIdentity,
  Probe,
  ProbeError,
  Quirk,
  Region,
  VfioDeviceView,
  PredictedView,
} from '../model/types.js'
import {
  SCHEMA_VERSION,
  type JsonPredicted,
  type JsonCap,
  type JsonConfig,
  type JsonContainer,
  type JsonDevNode,
  type JsonDevice,
  type JsonDocument,
  type JsonError,
  type JsonGroup,
  type JsonHost,
  type JsonHotReset,
  type JsonHwInfo,
  type JsonHwInfoData,
  type JsonIommuInfo,
  type JsonIrq,
  type JsonOfNode,
  type JsonPci,
  type JsonProbe,
  type JsonQuirk,
  type JsonRange,
  type JsonRaw,
  type JsonRegion,
  type JsonRegionDump,
  type JsonResource,
  type JsonU64,
  type JsonVfioDevice,
} from './json-types.js'
import type { HwInfoData } from '../model/hw-info.js'
import { jsonDiagnostics } from './json-diagnose.js'
import { jsonOfInterrupt, jsonOfReg } from './json-devicetree.js'
import { jsonGfx, jsonMdevDevice, jsonMdevInventory } from './json-mdev.js'

export * from './json-types.js'

/** u64 as "0x…"; a negative bigint (a model bug) is shown as the kernel's two's complement, never "0x-1". */
export function u64(n: bigint): JsonU64 {
  return `0x${BigInt.asUintN(64, n).toString(16)}`
}

/** Lowercase hex pairs. Buffer's native encoder: a string built byte by byte leaves a garbage string
 * per byte, which thousands of devices' config spaces turn into long GC pauses. */
export function bytesHex(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex')
}

function jsonError(e: ProbeError): JsonError {
  return { op: e.op, errno: e.errno, code: e.code, path: e.path ?? null, hint: e.hint ?? null }
}

function probe<T, J>(p: Probe<T>, f: (v: T) => J): JsonProbe<J> {
  return p.ok ? { state: 'ok', value: f(p.value) } : { state: 'failed', error: jsonError(p.error) }
}

function probeOrQuirk<T, J>(p: Probe<T> | Quirk, f: (v: T) => J): JsonProbe<J> | JsonQuirk {
  if ('state' in p) return { state: 'unavailable', reason: p.reason, error: jsonError(p.error) }
  return probe(p, f)
}

const range = (r: { start: bigint; end: bigint }): JsonRange => ({ start: u64(r.start), end: u64(r.end) })

export function jsonCap(c: InfoCap): JsonCap {
  switch (c.kind) {
    case 'sparse-mmap':
      return { ...c, areas: c.areas.map((a) => ({ offset: u64(a.offset), size: u64(a.size) })) }
    case 'nvlink2-ssatgt':
      return { ...c, tgt: u64(c.tgt) }
    case 'iova-range':
      return { ...c, ranges: c.ranges.map(range) }
    case 'migration':
      return { ...c, pgsizeBitmap: u64(c.pgsizeBitmap), maxDirtyBitmapSize: u64(c.maxDirtyBitmapSize) }
    case 'pci-atomic-comp':
      return { ...c, flagNames: [...c.flagNames] }
    case 'zpci':
    case 'unknown':
      return { ...c, raw: bytesHex(c.raw) }
    case 'type':
    case 'msix-mappable':
    case 'nvlink2-lnkspd':
    case 'dma-avail':
    case 'chain-error':
      return { ...c }
  }
}

function devNode(n: DevNode | null): JsonDevNode | null {
  return n === null ? null : { path: n.path, mode: n.mode, uid: n.uid, gid: n.gid, rdev: n.rdev }
}

function host(h: HostInfo): JsonHost {
  return {
    iommus: [...h.iommus],
    groupCount: h.groupCount,
    modules: [...h.modules],
    noiommuEnabled: h.noiommuEnabled,
    containerNode: devNode(h.containerNode),
    iommufdNode: devNode(h.iommufdNode),
    kernel: h.kernel,
  }
}

function iommuInfo(i: IommuInfo, b: boolean): JsonIommuInfo {
  const m = i.migration
  return {
    flags: i.flags,
    flagNames: [...i.flagNames],
    pageSizes: u64(i.pageSizes),
    iovaRanges: i.iovaRanges === null ? null : i.iovaRanges.map(range),
    dmaAvail: i.dmaAvail,
    migration: m === null ? null : { flags: m.flags, pgsizeBitmap: u64(m.pgsizeBitmap), maxDirtyBitmapSize: u64(m.maxDirtyBitmapSize) },
    caps: i.caps.map(jsonCap),
    raw: jsonRaw(i.raw, b),
  }
}

/** A raw reply as hex with its labelled fields; null when not gathered or not asked for (b). */
function jsonRaw(r: RawReply | undefined, b: boolean): JsonRaw | null {
  if (r === undefined || !b) return null
  return { op: r.op, bytes: bytesHex(r.bytes), fields: r.fields.map((f) => ({ offset: f.offset, size: f.size, label: f.label })), fault: r.fault ?? null }
}

function container(c: ContainerInfo, b: boolean): JsonContainer {
  return {
    apiVersion: c.apiVersion,
    extensions: c.extensions.map((e) => ({ id: e.id, name: e.name, value: e.value })),
    model: c.model,
    iommuInfo: c.iommuInfo === null ? null : probe(c.iommuInfo, (i) => iommuInfo(i, b)),
  }
}

function resource(r: HostResource): JsonResource {
  return {
    index: r.index,
    start: u64(r.start),
    end: u64(r.end),
    flags: u64(r.flags),
    size: u64(r.size),
    kind: r.kind,
    prefetch: r.prefetch,
    is64: r.is64,
  }
}

function pci(p: PciIdentity): JsonPci {
  return {
    vendorId: p.vendorId,
    deviceId: p.deviceId,
    subsystemVendorId: p.subsystemVendorId,
    subsystemDeviceId: p.subsystemDeviceId,
    classCode: p.classCode,
    revision: p.revision,
    vendorName: p.vendorName,
    deviceName: p.deviceName,
    className: p.className,
    id: `${hex4(p.vendorId)}:${hex4(p.deviceId)}`,
    subsystemId: p.subsystemVendorId === null || p.subsystemDeviceId === null ? null : `${hex4(p.subsystemVendorId)}:${hex4(p.subsystemDeviceId)}`,
    subsystemVendorName: p.subsystemVendorName ?? null,
    subsystemName: p.subsystemName ?? null,
  }
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

function region(r: Region, b: boolean): JsonRegion {
  return {
    index: r.index,
    flags: r.flags,
    flagNames: [...r.flagNames],
    size: u64(r.size),
    offset: u64(r.offset),
    caps: r.caps.map(jsonCap),
    absent: r.absent,
    raw: jsonRaw(r.raw, b),
  }
}

const irq = (q: Irq, b: boolean): JsonIrq => ({ index: q.index, flags: q.flags, flagNames: [...q.flagNames], count: q.count, raw: jsonRaw(q.raw, b) })

const config = (c: ConfigSpace): JsonConfig => ({ bytes: bytesHex(c.bytes), virtualized: c.virtualized.map((v) => ({ offset: v.offset, size: v.size, what: v.what })) })

const regionDump = (d: RegionDump): JsonRegionDump => ({ index: d.index, offset: u64(d.offset), bytes: bytesHex(d.bytes) })

const hotReset = (h: HotResetInfo, b: boolean): JsonHotReset => ({
  flags: h.flags,
  flagNames: [...h.flagNames],
  devices: h.devices.map((d) => ({ groupOrDevid: d.groupOrDevid, address: d.address })),
  raw: jsonRaw(h.raw, b),
})

const hwInfo = (h: HwInfo): JsonHwInfo => ({
  type: h.type,
  typeName: h.typeName,
  capabilities: u64(h.capabilities),
  capabilityNames: [...h.capabilityNames],
  maxPasidLog2: h.maxPasidLog2,
  dataLen: h.dataLen,
  ...(h.data === undefined ? {} : { data: probe(h.data, hwInfoData) }),
})

const hwInfoData = (d: HwInfoData): JsonHwInfoData => ({
  asked: d.asked,
  kernelLen: d.kernelLen,
  bytes: bytesHex(d.bytes),
  flags: d.flags,
  flagNames: [...d.flagNames],
  registers: d.registers.map((r) => ({ name: r.name, value: u64(r.value), bits: [...r.bits], fields: r.fields.map((f) => ({ ...f })), unknown: u64(r.unknown) })),
})

function vfioDevice(v: VfioDeviceView, b: boolean): JsonVfioDevice {
  return {
    via: v.via,
    iommufd: v.iommufd === null ? null : { devid: v.iommufd.devid, hwInfo: probe(v.iommufd.hwInfo, hwInfo) },
    flags: v.flags,
    flagNames: [...v.flagNames],
    numRegions: v.numRegions,
    numIrqs: v.numIrqs,
    caps: v.caps.map(jsonCap),
    regions: v.regions.map((e) => ({ index: e.index, name: e.name, info: probeOrQuirk(e.info, (r) => region(r, b)) })),
    irqs: v.irqs.map((e) => ({ index: e.index, name: e.name, info: probeOrQuirk(e.info, (q) => irq(q, b)) })),
    hotReset: v.hotReset === null ? null : probeOrQuirk(v.hotReset, (h) => hotReset(h, b)),
    features: v.features.map((f) => ({
      id: f.id,
      name: f.name,
      supported: f.supported,
      code: f.code ?? null,
      detail: f.detail === undefined ? null : [...f.detail],
      error: f.error === undefined ? null : jsonError(f.error),
    })),
    config: v.config === null || !b ? null : probe(v.config, config),
    regionDump: v.regionDump === undefined || !b ? null : probe(v.regionDump, regionDump),
    raw: jsonRaw(v.raw, b),
    ...(v.gfx === undefined ? {} : { gfx: jsonGfx(v.gfx) }),
  }
}

const opt64 = (n: bigint | null): JsonU64 | null => (n === null ? null : u64(n))

function ofNode(n: OfNode): JsonOfNode {
  return {
    path: n.path,
    compatible: [...n.compatible],
    reg: n.reg == null ? null : n.reg.map(jsonOfReg),
    interrupts: n.interrupts == null ? null : n.interrupts.map(jsonOfInterrupt),
  }
}

function jsonDevice(d: Device, b: boolean): JsonDevice {
  return {
    address: d.address,
    bus: d.bus,
    pci: d.pci === null ? null : pci(d.pci),
    driver: d.driver,
    driverOverride: d.driverOverride,
    vfioDriver: d.vfioDriver,
    bridge: d.bridge,
    resources: d.resources.map(resource),
    resetMethods: d.resetMethods === null ? null : [...d.resetMethods],
    numaNode: d.numaNode,
    ofNode: d.ofNode === null ? null : ofNode(d.ofNode),
    cdev: d.cdev,
    sysfsConfig: d.sysfsConfig === null || !b ? null : bytesHex(d.sysfsConfig),
    vfio: d.vfio === null ? null : probe(d.vfio, (v) => vfioDevice(v, b)),
    ...(d.predicted === undefined ? {} : { predicted: jsonPredicted(d.predicted) }),
    ...(d.agreement === undefined ? {} : { agreement: d.agreement.map((a) => ({ ...a })) }),
    ...(d.mdev === undefined ? {} : { mdev: jsonMdevDevice(d.mdev) }),
    ...(d.kernelModules === undefined ? {} : { kernelModules: d.kernelModules === null ? null : [...d.kernelModules] }),
  }
}

const hex = (n: bigint): string => `0x${n.toString(16)}`

function jsonPredicted(p: PredictedView): JsonPredicted {
  return {
    source: 'sysfs',
    flags: { ...p.flags },
    ...(p.resetMethod === undefined ? {} : { resetMethod: p.resetMethod }),
    ...(p.numRegions === undefined ? {} : { numRegions: p.numRegions }),
    ...(p.numIrqs === undefined ? {} : { numIrqs: p.numIrqs }),
    regions: p.regions.map((r) => ({
      index: r.index,
      name: r.name,
      ...(r.available === undefined ? {} : { available: r.available }),
      ...(r.size === undefined ? {} : { size: hex(r.size) }),
      ...(r.offset === undefined ? {} : { offset: hex(r.offset) }),
      ...(r.flagNames === undefined ? {} : { flagNames: [...r.flagNames] }),
    })),
    irqs: p.irqs.map((q) => ({
      index: q.index,
      name: q.name,
      ...(q.available === undefined ? {} : { available: q.available }),
      ...(q.count === undefined ? {} : { count: q.count }),
      ...(q.flagNames === undefined ? {} : { flagNames: [...q.flagNames] }),
    })),
    unknown: [...p.unknown],
  }
}

function group(g: IommuGroup, b: boolean): JsonGroup {
  return {
    id: g.id,
    name: g.noiommu ? `noiommu-${g.id}` : String(g.id),
    noiommu: g.noiommu,
    ...(g.emulated === true ? { emulated: true } : {}),
    domainType: g.domainType,
    node: devNode(g.node),
    viability: { viable: g.viability.viable, blockers: g.viability.blockers.map((b) => ({ address: b.address, driver: b.driver })) },
    status: g.status === null ? null : probe(g.status, (s) => ({ flags: s.flags, viable: s.viable, containerSet: s.containerSet, raw: jsonRaw(s.raw, b) })),
    container: g.container === null ? null : probe(g.container, (c) => container(c, b)),
    devices: g.devices.map((d) => jsonDevice(d, b)),
  }
}

/** Byte-carrying fields (config, sysfsConfig, regionDump, raw replies) are filled only when a byte mode
 * (-x, --hexdump, --read-region) asked for them (meta.bytes), else null: the flag is handed down, so
 * nothing is built only to be dropped. (A capability's own `raw` payload is a string and stays: it is
 * part of the decoded chain.) */
export interface JsonMeta {
  version: string
  opened: boolean
  argv?: string[]
  bytes?: boolean
  /** This run's host name (null for a replay) and time: documents of many hosts can be merged. */
  hostname?: string | null | undefined
  now?: Date | undefined
}

export function toJson(inv: Inventory, meta: JsonMeta): JsonDocument {
  const b = meta.bytes === true
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'lsvfio', version: meta.version },
    ...(meta.hostname !== undefined ? { hostname: meta.hostname } : {}),
    ...(meta.now !== undefined ? { time: meta.now.toISOString() } : {}),
    argv: meta.argv === undefined ? null : [...meta.argv],
    opened: meta.opened,
    failures: inv.failures,
    host: host(inv.host),
    groups: inv.groups.map((g) => group(g, b)),
    ungrouped: inv.ungrouped.map((d) => jsonDevice(d, b)),
    diagnostics: inv.diagnostics === undefined ? null : jsonDiagnostics(inv.diagnostics),
    ...(inv.mdev === undefined ? {} : { mdev: jsonMdevInventory(inv.mdev) }),
  }
}

/** Pretty-printed with two spaces and a trailing newline, ready for stdout. */
export function jsonText(doc: JsonDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`
}
