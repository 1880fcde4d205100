// The kernel queries for one group and its VFIO devices. Every step yields a Probe; every fd opened
// here is closed in a finally block.
import { errnoError } from '../kernel/errno.js'
import { chooseIommuModel, EXTENSION_IDS, FEATURE, FEATURE_IDS, extensionName, featureName, iommuType, isPciDevice, PCI_IRQ, PCI_REGION, pciIrqName, pciRegionName } from '../kernel/ids.js'
import type { Vfio } from '../kernel/vfio.js'
import type {
  ContainerInfo,
  Device,
  FeatureProbe,
  GroupStatus,
  IrqEntry,
  Probe,
  ProbeError,
  Quirk,
  RegionEntry,
  VfioDeviceView,
} from '../model/types.js'
import { readConfig } from './config.js'
import { withHint } from './hints.js'
import { runSync, step, type Steps } from './steps.js'

const CONTAINER = '/dev/vfio/vfio'

export interface GroupResult {
  status: Probe<GroupStatus> | null
  container: Probe<ContainerInfo> | null
  views: Map<string, Probe<VfioDeviceView>>
}

export interface Ctx {
  group: number
  noiommu: boolean
  /** How much of the CONFIG region to read (0: none). */
  configBytes: number
  /** --read-region */
  readRegion: { index: number; offset: bigint; length: number } | null
}

/** What a device needs beyond its fd: its sysfs config to compare the virtualized view with. */
export interface DeviceCtx {
  sysfsConfig: Uint8Array | null
  /** a mediated device: its display planes are probed (QUERY_GFX_PLANE with PROBE) */
  mdev?: unknown
}

export function failed(error: ProbeError, ctx: Ctx): { ok: false; error: ProbeError } {
  return { ok: false, error: withHint(error, ctx) }
}

function quirk(error: ProbeError, reason: string): Quirk {
  return { state: 'unavailable', reason, error }
}

const bdf = (seg: number, bus: number, devfn: number): string =>
  `${seg.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`

/** Opens the group, attaches a fresh container and queries every VFIO device in `devices`. */
export function queryGroup(v: Vfio, groupPath: string, devices: readonly Device[], ctx: Ctx): GroupResult {
  return runSync(groupSteps(v, groupPath, devices, ctx))
}

/** queryGroup as steps: the device opens and closes (where vfio-pci resets) may run on worker threads. */
export function* groupSteps(v: Vfio, groupPath: string, devices: readonly Device[], ctx: Ctx): Steps<GroupResult> {
  const views = new Map<string, Probe<VfioDeviceView>>()
  const failAll = (e: ProbeError): void => devices.forEach((d) => views.set(d.address, failed(e, ctx)))
  const g = v.open(groupPath)
  if (!g.ok) {
    const e = withHint(g.error, ctx)
    failAll(e)
    return { status: { ok: false, error: e }, container: null, views }
  }
  try {
    const status = v.groupStatus(g.value, groupPath)
    if (!status.ok) {
      failAll(status.error)
      return { status: failed(status.error, ctx), container: null, views }
    }
    if (!status.value.viable) {
      failAll({ op: 'VFIO_GROUP_GET_STATUS', errno: 0, code: 'NOT_VIABLE', path: groupPath, hint: 'the group is not viable: every member must be bound to a VFIO driver, pci-stub, or no driver' })
      return { status, container: null, views }
    }
    const container = attach(v, g.value, groupPath, ctx)
    if (!container.ok) {
      failAll(container.error)
      return { status, container, views }
    }
    try {
      for (const d of devices) views.set(d.address, yield* deviceSteps(v, g.value, d, groupPath, ctx))
    } finally {
      v.close(container.value.fd)
    }
    return { status, container: { ok: true, value: container.value.info }, views }
  } finally {
    v.close(g.value)
  }
}

function attach(v: Vfio, groupFd: number, groupPath: string, ctx: Ctx): Probe<{ fd: number; info: ContainerInfo }> {
  const c = v.open(CONTAINER)
  if (!c.ok) return failed(c.error, ctx)
  const fd = c.value
  let done = false
  try {
    const api = v.apiVersion(fd, CONTAINER)
    if (!api.ok) return failed(api.error, ctx)
    const extensions: ContainerInfo['extensions'][number][] = []
    for (const id of EXTENSION_IDS) {
      const r = v.checkExtension(fd, id, CONTAINER)
      if (!r.ok && unasked(r.error.code, extensionName(id))) continue
      extensions.push({ id, name: extensionName(id), value: r.ok ? r.value : -r.error.errno })
    }
    const has = (id: number): boolean => extensions.some((e) => e.id === id && e.value > 0)
    const set = v.setContainer(groupFd, fd, groupPath)
    if (!set.ok) return failed(set.error, ctx)
    const model = chooseIommuModel(ctx.noiommu, has)
    if (model === null) {
      return failed(errnoError('VFIO_CHECK_EXTENSION', 'ENODEV', CONTAINER, 'no usable IOMMU backend: load vfio_iommu_type1 (modprobe vfio_iommu_type1)'), ctx)
    }
    const si = v.setIommu(fd, iommuType(model), CONTAINER)
    if (!si.ok) return failed(si.error, ctx)
    // No-IOMMU containers have no GET_INFO (ENOTTY): nothing to ask.
    const iommuInfo = model === 'noiommu' ? null : v.iommuInfo(fd, CONTAINER)
    done = true
    return { ok: true, value: { fd, info: { apiVersion: api.value, extensions, model, iommuInfo: iommuInfo && (iommuInfo.ok ? iommuInfo : failed(iommuInfo.error, ctx)) } } }
  } finally {
    if (!done) v.close(fd)
  }
}

function* deviceSteps(v: Vfio, groupFd: number, d: Device, groupPath: string, ctx: Ctx): Steps<Probe<VfioDeviceView>> {
  const dfd = yield* step(v.deviceFdStep(groupFd, d.address, groupPath))
  if (!dfd.ok) return failed(dfd.error, ctx)
  try {
    return describeDevice(v, dfd.value, `${groupPath} ${d.address}`, ctx, d, { via: 'group', iommufd: null })
  } finally {
    yield* step(v.closeStep(dfd.value))
  }
}

/** Everything a device fd answers: info, regions, IRQs, hot reset, features. Shared by both paths. */
export function describeDevice(v: Vfio, fd: number, path: string, ctx: Ctx, dev: DeviceCtx, how: Pick<VfioDeviceView, 'via' | 'iommufd'>): Probe<VfioDeviceView> {
  const info = v.deviceInfo(fd, path)
  if (!info.ok) return failed(info.error, ctx)
  const pci = isPciDevice(info.value.flags)
  const regions: RegionEntry[] = []
  for (let i = 0; i < info.value.numRegions; i++) regions.push(regionEntry(v, fd, i, pci, path, ctx))
  const irqs: IrqEntry[] = []
  const mdev = dev.mdev !== undefined
  for (let i = 0; i < info.value.numIrqs; i++) irqs.push(irqEntry(v, fd, i, pci, mdev, path, ctx))
  return {
    ok: true,
    value: {
      ...how,
      flags: info.value.flags,
      flagNames: info.value.flagNames,
      numRegions: info.value.numRegions,
      numIrqs: info.value.numIrqs,
      caps: info.value.caps,
      regions,
      irqs,
      hotReset: pci ? hotReset(v, fd, path, ctx, mdev) : null,
      features: features(v, fd, path, ctx),
      config: pci ? config(v, fd, regions, path, ctx, dev) : null,
      ...(ctx.readRegion === null ? {} : { regionDump: regionDump(v, fd, regions, path, ctx) }),
      ...(dev.mdev === undefined ? {} : { gfx: gfx(v, fd, path, ctx) }),
      raw: info.value.raw,
    },
  }
}

function gfx(v: Vfio, fd: number, path: string, ctx: Ctx): NonNullable<VfioDeviceView['gfx']> {
  const r = v.gfxPlanes(fd, path)
  return r.ok ? r : failed(r.error, ctx)
}

function config(v: Vfio, fd: number, regions: readonly RegionEntry[], path: string, ctx: Ctx, dev: DeviceCtx): VfioDeviceView['config'] {
  const e = regions[PCI_REGION.config]?.info
  if (ctx.configBytes === 0 || e === undefined || !('ok' in e) || !e.ok) return null
  const r = readConfig(v, fd, e.value, ctx.configBytes, dev.sysfsConfig, path)
  return r.ok ? r : failed(r.error, ctx)
}

/** --read-region INDEX[:OFFSET[:LENGTH]]: refused for regions without READ, clipped to the region. */
function regionDump(v: Vfio, fd: number, regions: readonly RegionEntry[], path: string, ctx: Ctx): NonNullable<VfioDeviceView['regionDump']> {
  const want = ctx.readRegion
  const op = `pread region ${want?.index ?? '?'}`
  const e = want === null ? undefined : regions[want.index]?.info
  const refuse = (why: string): { ok: false; error: ProbeError } => ({ ok: false, error: errnoError(op, 'EINVAL', path, why) })
  if (want === null || e === undefined) return refuse(`the device has no region ${want?.index ?? '?'}`)
  if (!('ok' in e) || !e.ok) return refuse('its region info could not be read')
  const r = e.value
  if (!r.flagNames.includes('read')) return refuse('the region has no READ flag: the kernel does not allow reading it')
  if (want.offset >= r.size) return refuse(`offset 0x${want.offset.toString(16)} is past the region's size 0x${r.size.toString(16)}`)
  const len = Math.min(want.length, Number(r.size - want.offset))
  const b = v.read(fd, r.offset + want.offset, len, op, path)
  return b.ok ? { ok: true, value: { index: want.index, offset: want.offset, bytes: b.value } } : failed(b.error, ctx)
}

function regionEntry(v: Vfio, fd: number, i: number, pci: boolean, path: string, ctx: Ctx): RegionEntry {
  const r = v.regionInfo(fd, i, path)
  let name = (pci ? pciRegionName(i) : null) ?? `region ${i}`
  if (r.ok) {
    const t = r.value.caps.find((c) => c.kind === 'type')
    if (t !== undefined && t.kind === 'type') name = `${t.typeName}/${t.subtypeName}`
    return { index: i, name, info: r }
  }
  if (pci && i === PCI_REGION.vga && r.error.code === 'EINVAL') {
    return { index: i, name, info: quirk(r.error, 'no VGA region: not a VGA device, or VGA support disabled in vfio-pci') }
  }
  return { index: i, name, info: failed(r.error, ctx) }
}

function irqEntry(v: Vfio, fd: number, i: number, pci: boolean, mdev: boolean, path: string, ctx: Ctx): IrqEntry {
  const r = v.irqInfo(fd, i, path)
  const name = (pci ? pciIrqName(i) : null) ?? `irq ${i}`
  if (r.ok) return { index: i, name, info: r }
  // mdev drivers count every vfio-pci IRQ index but answer only the ones they emulate (mtty: INTx, MSI)
  if (mdev && r.error.code === 'EINVAL') return { index: i, name, info: quirk(r.error, 'not emulated by this mediated device\'s driver') }
  if (pci && i === PCI_IRQ.err && r.error.code === 'EINVAL') {
    return { index: i, name, info: quirk(r.error, 'no error interrupt: conventional PCI device (not PCI Express)') }
  }
  return { index: i, name, info: failed(r.error, ctx) }
}

function hotReset(v: Vfio, fd: number, path: string, ctx: Ctx, mdev: boolean): VfioDeviceView['hotReset'] {
  const r = v.hotResetInfo(fd, path, bdf)
  if (r.ok) return r
  if (mdev && r.error.code === 'ENOTTY') return quirk(r.error, 'a mediated device has no PCI bus or slot to reset')
  if (r.error.code === 'ENODEV') return quirk(r.error, 'no slot or bus reset possible (e.g. an integrated endpoint on the root bus)')
  return failed(r.error, ctx)
}

/** A snapshot recorded before lsvfio asked the ids it has no name for (feature12, ext11 …) has no
 * answer to them (ENODATA): the question is left out, not shown as a failure. VFIO answers these
 * ioctls with a value, ENOTTY or EINVAL, never ENODATA. */
const unasked = (code: string, name: string): boolean => code === 'ENODATA' && /^(feature|ext)\d+$/.test(name)

function features(v: Vfio, fd: number, path: string, ctx: Ctx): FeatureProbe[] {
  return FEATURE_IDS.flatMap((id): FeatureProbe[] => {
    const p = v.featureProbe(fd, id, path)
    const base = { id, name: featureName(id) }
    if (!p.ok && unasked(p.error.code, base.name)) return []
    if (!p.ok) return [{ ...base, supported: false, error: withHint(p.error, ctx) }]
    if (p.value.code !== null) return [{ ...base, supported: false, code: p.value.code }]
    if (id !== FEATURE.migration) return [{ ...base, supported: true }]
    const m = v.migrationFlags(fd, path)
    return [m.ok ? { ...base, supported: true, detail: m.value } : { ...base, supported: true, error: withHint(m.error, ctx) }]
  })
}
