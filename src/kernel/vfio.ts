// The typed VFIO API over the Sys seam: one method per ioctl, two-pass argsz for capability chains,
// errno always kept. Returns Probe values; never throws for kernel answers.
import type { HwInfoData } from '../model/hw-info.js'
import type { GfxPlanes, GroupStatus, HotResetInfo, HwInfo, InfoCap, RawReply, IommuInfo, Irq, Probe, ProbeError, Region } from '../model/types.js'
import { walkCaps } from './abi/caps.js'
import { encodeGfxPlaneProbe } from './abi/gfx.js'
import {
  deviceFlagNames,
  hwCapabilityNames,
  hwInfoTypeName,
  hotResetFlagNames,
  iommuInfoFlagNames,
  irqFlagNames,
  migrationFlagNames,
  regionFlagNames,
} from './abi/flags.js'
import {
  decodeDeviceInfo,
  decodeFeatureMigration,
  decodeGroupStatus,
  decodeHotResetInfo,
  decodeIommuType1Info,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeDeviceInfo,
  encodeFeature,
  encodeGroupStatus,
  encodeHotResetInfo,
  encodeInt32,
  encodeIommuType1Info,
  encodeIrqInfo,
  encodeRegionInfo,
} from './abi/structs.js'
import { decodeHwInfoData } from './abi/hw-info.js'
import { decodeBindIommufd, decodeHwInfo, encodeBindIommufd, encodeHwInfo, HW_INFO_DATA_MAX } from './abi/structs-iommufd.js'
import * as U from './abi/vfio-uapi.js'
import { errnoName } from './errno.js'
import { rawHotReset, rawReply } from './raw.js'
import { closeLater, ioctlLater, type IoctlArg, type Step, type Sys } from './sys.js'

export interface DeviceInfo {
  flags: number
  flagNames: string[]
  numRegions: number
  numIrqs: number
  caps: InfoCap[]
}

// A reply larger than this is nonsense: refuse to allocate it (a kernel or snapshot that lies). Real
// replies are well under 4 KiB (a few sparse-mmap areas or IOVA ranges of 16 bytes each), so a claim
// costs at most 64 KiB, not the 4 GiB an argsz can name.
export const MAX_ARGSZ = 64 * 1024
// More region or IRQ indexes than this is nonsense too (vfio-pci has 9 + a few device-specific
// regions): without a bound, a lying reply of 0xffffffff regions meant 4 billion queries.
export const MAX_INDEXES = 1024
const EPROTO = 71

export function fail(op: string, errno: number, path: string): { ok: false; error: ProbeError } {
  return { ok: false, error: { op, errno, code: errnoName(errno), path } }
}

function bad(op: string, path: string, why: string): { ok: false; error: ProbeError } {
  return { ok: false, error: { op, errno: EPROTO, code: 'EPROTO', path, hint: `the kernel's reply makes no sense (${why}); please report it with --save` } }
}

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value }
}

export class Vfio {
  /** keepRaw false: replies are decoded but not kept as labelled bytes (only --hexdump and the JSON
   * byte modes show them; kept for 150,000 replies of a big host they were most of the heap). */
  constructor(
    private readonly sys: Sys,
    private readonly keepRaw = true,
  ) {}

  private raw(make: () => RawReply): RawReply | undefined {
    return this.keepRaw ? make() : undefined
  }

  open(path: string): Probe<number> {
    const fd = this.sys.open(path, 'rw')
    return fd < 0 ? fail('open', -fd, path) : ok(fd)
  }

  close(fd: number): void {
    this.sys.close(fd)
  }

  apiVersion(fd: number, path: string): Probe<number> {
    const r = this.sys.ioctl(fd, U.VFIO_GET_API_VERSION, { kind: 'none' })
    return r < 0 ? fail('VFIO_GET_API_VERSION', -r, path) : ok(r)
  }

  checkExtension(fd: number, id: number, path: string): Probe<number> {
    const r = this.sys.ioctl(fd, U.VFIO_CHECK_EXTENSION, { kind: 'int', value: id })
    return r < 0 ? fail(`VFIO_CHECK_EXTENSION ${id}`, -r, path) : ok(r)
  }

  groupStatus(fd: number, path: string): Probe<GroupStatus> {
    const buf = encodeGroupStatus()
    const r = this.sys.ioctl(fd, U.VFIO_GROUP_GET_STATUS, { kind: 'buf', buf })
    if (r < 0) return fail('VFIO_GROUP_GET_STATUS', -r, path)
    const { flags } = decodeGroupStatus(buf)
    return ok({
      flags,
      viable: (flags & U.VFIO_GROUP_FLAGS_VIABLE) !== 0,
      containerSet: (flags & U.VFIO_GROUP_FLAGS_CONTAINER_SET) !== 0,
      raw: this.raw(() => rawReply('VFIO_GROUP_GET_STATUS', 'vfio_group_status', buf)),
    })
  }

  setContainer(groupFd: number, containerFd: number, path: string): Probe<true> {
    const r = this.sys.ioctl(groupFd, U.VFIO_GROUP_SET_CONTAINER, { kind: 'buf', buf: encodeInt32(containerFd) })
    return r < 0 ? fail('VFIO_GROUP_SET_CONTAINER', -r, path) : ok(true)
  }

  setIommu(containerFd: number, type: number, path: string): Probe<true> {
    const r = this.sys.ioctl(containerFd, U.VFIO_SET_IOMMU, { kind: 'int', value: type })
    return r < 0 ? fail(`VFIO_SET_IOMMU ${type}`, -r, path) : ok(true)
  }

  /** Issues an info ioctl, then again with the argsz the kernel asked for (two-pass protocol). */
  private twoPass(fd: number, req: number, op: string, path: string, make: (argsz: number) => Uint8Array): Probe<Uint8Array> {
    let buf = make(0)
    for (let pass = 0; pass < 2; pass++) {
      const r = this.sys.ioctl(fd, req, { kind: 'buf', buf })
      if (r < 0) return fail(op, -r, path)
      const want = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true)
      if (want <= buf.length) return ok(buf)
      if (want > MAX_ARGSZ) return bad(op, path, `argsz ${want}`)
      if (pass === 0) buf = make(want)
    }
    return bad(op, path, 'argsz grew on the second call')
  }

  deviceInfo(fd: number, path: string): Probe<DeviceInfo & { raw: RawReply | undefined }> {
    const p = this.twoPass(fd, U.VFIO_DEVICE_GET_INFO, 'VFIO_DEVICE_GET_INFO', path, (n) => encodeDeviceInfo(Math.max(n, 24)))
    if (!p.ok) return p
    const d = decodeDeviceInfo(p.value)
    if (d.numRegions > MAX_INDEXES || d.numIrqs > MAX_INDEXES) return bad('VFIO_DEVICE_GET_INFO', path, `${d.numRegions} regions, ${d.numIrqs} IRQs`)
    const hasCaps = (d.flags & U.VFIO_DEVICE_FLAGS_CAPS) !== 0 && d.capOffset !== 0
    return ok({
      flags: d.flags,
      flagNames: deviceFlagNames(d.flags),
      numRegions: d.numRegions,
      numIrqs: d.numIrqs,
      caps: hasCaps ? walkCaps(p.value, d.capOffset, d.argsz, 'device') : [],
      raw: this.raw(() => rawReply('VFIO_DEVICE_GET_INFO', 'vfio_device_info', p.value, hasCaps ? { ns: 'device', capOffset: d.capOffset, argsz: d.argsz } : undefined)),
    })
  }

  regionInfo(fd: number, index: number, path: string): Probe<Region> {
    const op = `VFIO_DEVICE_GET_REGION_INFO index ${index}`
    const p = this.twoPass(fd, U.VFIO_DEVICE_GET_REGION_INFO, op, path, (n) => encodeRegionInfo(index, Math.max(n, 32)))
    if (!p.ok) return p
    const d = decodeRegionInfo(p.value)
    if (d.index !== index) return bad(op, path, `reply names index ${d.index}`)
    const hasCaps = (d.flags & U.VFIO_REGION_INFO_FLAG_CAPS) !== 0 && d.capOffset !== 0
    return ok({
      index,
      flags: d.flags,
      flagNames: regionFlagNames(d.flags),
      size: d.size,
      offset: d.offset,
      caps: hasCaps ? walkCaps(p.value, d.capOffset, d.argsz, 'region') : [],
      absent: d.size === 0n && d.flags === 0,
      raw: this.raw(() => rawReply(op, 'vfio_region_info', p.value, hasCaps ? { ns: 'region', capOffset: d.capOffset, argsz: d.argsz } : undefined)),
    })
  }

  irqInfo(fd: number, index: number, path: string): Probe<Irq> {
    const op = `VFIO_DEVICE_GET_IRQ_INFO index ${index}`
    const buf = encodeIrqInfo(index)
    const r = this.sys.ioctl(fd, U.VFIO_DEVICE_GET_IRQ_INFO, { kind: 'buf', buf })
    if (r < 0) return fail(op, -r, path)
    const d = decodeIrqInfo(buf)
    if (d.index !== index) return bad(op, path, `reply names index ${d.index}`)
    return ok({ index, flags: d.flags, flagNames: irqFlagNames(d.flags), count: d.count, raw: this.raw(() => rawReply(op, 'vfio_irq_info', buf)) })
  }

  /** ENOSPC is part of the protocol: the header still carries the count needed. */
  hotResetInfo(fd: number, path: string, bdfOf: (segment: number, bus: number, devfn: number) => string): Probe<HotResetInfo> {
    const op = 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO'
    let buf = encodeHotResetInfo(12)
    let r = this.sys.ioctl(fd, U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, { kind: 'buf', buf })
    if (r === -28 /* ENOSPC */) {
      const { count } = decodeHotResetInfo(buf)
      const size = 12 + count * 8
      if (size > MAX_ARGSZ) return bad(op, path, `count ${count}`)
      buf = encodeHotResetInfo(size)
      r = this.sys.ioctl(fd, U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, { kind: 'buf', buf })
    }
    if (r < 0) return fail(op, -r, path)
    const d = decodeHotResetInfo(buf)
    if (d.devices.length !== d.count) return bad(op, path, `count ${d.count} but ${d.devices.length} entries fit`)
    return ok({
      flags: d.flags,
      flagNames: hotResetFlagNames(d.flags),
      devices: d.devices.map((e) => ({ groupOrDevid: e.groupOrDevid, address: bdfOf(e.segment, e.bus, e.devfn) })),
      raw: this.raw(() => rawHotReset(op, buf)),
    })
  }

  /** VFIO_DEVICE_FEATURE with PROBE only: asks whether a feature exists, changes nothing. `code` is
   * the errno name of a "no" (ENOTTY: the driver has no such feature; EINVAL from older kernels for
   * unknown ids), null for a yes. */
  featureProbe(fd: number, id: number, path: string): Probe<{ supported: boolean; code: string | null }> {
    const r = this.sys.ioctl(fd, U.VFIO_DEVICE_FEATURE, { kind: 'buf', buf: encodeFeature(U.VFIO_DEVICE_FEATURE_PROBE | id) })
    if (r >= 0) return ok({ supported: true, code: null })
    if (r === -25 || r === -22) return ok({ supported: false, code: errnoName(-r) })
    return fail(`VFIO_DEVICE_FEATURE PROBE ${id}`, -r, path)
  }

  /** VFIO_DEVICE_QUERY_GFX_PLANE with the PROBE flag, once per plane kind: 0 = offered, EINVAL = not
   * that kind; ENOTTY on both = the driver has no display (null). Nothing is created by a probe. */
  gfxPlanes(fd: number, path: string): Probe<GfxPlanes | null> {
    const ask = (kind: 'dmabuf' | 'region'): number => this.sys.ioctl(fd, U.VFIO_DEVICE_QUERY_GFX_PLANE, { kind: 'buf', buf: encodeGfxPlaneProbe(kind) })
    const d = ask('dmabuf')
    const r = ask('region')
    if (d === -25 && r === -25) return ok(null)
    for (const [kind, v] of [['dmabuf', d], ['region', r]] as const) {
      if (v < 0 && v !== -22) return fail(`VFIO_DEVICE_QUERY_GFX_PLANE PROBE ${kind}`, -v, path)
    }
    return ok({ dmabuf: d === 0, region: r === 0 })
  }

  /** GET of the MIGRATION feature returns static capability flags, not device state. */
  migrationFlags(fd: number, path: string): Probe<string[]> {
    const buf = encodeFeature(U.VFIO_DEVICE_FEATURE_GET | U.VFIO_DEVICE_FEATURE_MIGRATION, 8)
    const r = this.sys.ioctl(fd, U.VFIO_DEVICE_FEATURE, { kind: 'buf', buf })
    if (r < 0) return fail('VFIO_DEVICE_FEATURE GET MIGRATION', -r, path)
    return ok(migrationFlagNames(decodeFeatureMigration(buf).flags))
  }

  iommuInfo(fd: number, path: string): Probe<IommuInfo> {
    const p = this.twoPass(fd, U.VFIO_IOMMU_GET_INFO, 'VFIO_IOMMU_GET_INFO', path, (n) => encodeIommuType1Info(Math.max(n, 24)))
    if (!p.ok) return p
    const d = decodeIommuType1Info(p.value)
    const hasCaps = (d.flags & U.VFIO_IOMMU_INFO_CAPS) !== 0 && d.capOffset !== 0
    const caps = hasCaps ? walkCaps(p.value, d.capOffset, d.argsz, 'iommu') : []
    let iovaRanges: IommuInfo['iovaRanges'] = null
    let dmaAvail: number | null = null
    let migration: IommuInfo['migration'] = null
    for (const c of caps) {
      if (c.kind === 'iova-range') iovaRanges = c.ranges
      else if (c.kind === 'dma-avail') dmaAvail = c.avail
      else if (c.kind === 'migration') migration = { flags: c.flags, pgsizeBitmap: c.pgsizeBitmap, maxDirtyBitmapSize: c.maxDirtyBitmapSize }
    }
    const raw = this.raw(() => rawReply('VFIO_IOMMU_GET_INFO', 'vfio_iommu_type1_info', p.value, hasCaps ? { ns: 'iommu', capOffset: d.capOffset, argsz: d.argsz } : undefined))
    return ok({ flags: d.flags, flagNames: iommuInfoFlagNames(d.flags), pageSizes: d.iovaPgsizes, iovaRanges, dmaAvail, migration, caps, raw })
  }

  getDeviceFd(groupFd: number, name: string, path: string): Probe<number> {
    return this.deviceFdStep(groupFd, name, path).run()
  }

  /** GET_DEVICE_FD as a step that may run on a worker thread: vfio-pci enables the device here and
   * resets it (an FLR sleeps 100 ms), so independent groups can wait for it together. */
  deviceFdStep(groupFd: number, name: string, path: string): Step<Probe<number>> {
    const arg: IoctlArg = { kind: 'str', value: name }
    const done = (r: number): Probe<number> => (r < 0 ? fail(`VFIO_GROUP_GET_DEVICE_FD ${name}`, -r, path) : ok(r))
    const sys = this.sys
    return {
      run: () => done(sys.ioctl(groupFd, U.VFIO_GROUP_GET_DEVICE_FD, arg)),
      start: () => ioctlLater(sys, groupFd, U.VFIO_GROUP_GET_DEVICE_FD, arg).then(done),
    }
  }

  /** Closing a device fd as a step: vfio-pci resets the device again on its last close. */
  closeStep(fd: number): Step<void> {
    const sys = this.sys
    return {
      run: () => sys.close(fd),
      start: () => closeLater(sys, fd),
    }
  }

  /** cdev path: binds the device to an iommufd (this opens, and so resets, the device). */
  bindIommufd(cdevFd: number, iommufd: number, path: string): Probe<number> {
    return this.bindStep(cdevFd, iommufd, path).run()
  }

  /** BIND_IOMMUFD as a step that may run on a worker thread: on the cdev path vfio-pci opens the device
   * here, resetting it. */
  bindStep(cdevFd: number, iommufd: number, path: string): Step<Probe<number>> {
    const buf = encodeBindIommufd(iommufd)
    const arg: IoctlArg = { kind: 'buf', buf }
    const done = (r: number): Probe<number> => (r < 0 ? fail('VFIO_DEVICE_BIND_IOMMUFD', -r, path) : ok(decodeBindIommufd(buf).outDevid))
    const sys = this.sys
    return {
      run: () => done(sys.ioctl(cdevFd, U.VFIO_DEVICE_BIND_IOMMUFD, arg)),
      start: () => ioctlLater(sys, cdevFd, U.VFIO_DEVICE_BIND_IOMMUFD, arg).then(done),
    }
  }

  /** IOMMU_GET_HW_INFO twice, as the uapi describes: with data_len 0 for the type, the capabilities and
   * the length of the type-specific data, then with a buffer of that length for the data itself. */
  hwInfo(iommufd: number, devid: number, path: string): Probe<HwInfo> {
    const buf = encodeHwInfo(devid)
    const r = this.sys.ioctl(iommufd, U.IOMMU_GET_HW_INFO, { kind: 'buf', buf })
    if (r < 0) return fail('IOMMU_GET_HW_INFO', -r, path)
    const d = decodeHwInfo(buf)
    const info: HwInfo = {
      type: d.outDataType,
      typeName: hwInfoTypeName(d.outDataType),
      capabilities: d.outCapabilities,
      capabilityNames: hwCapabilityNames(d.outCapabilities),
      maxPasidLog2: d.outMaxPasidLog2,
      dataLen: d.dataLen,
    }
    if (d.dataLen > 0) info.data = this.hwInfoData(iommufd, devid, d.outDataType, d.dataLen, path)
    return ok(info)
  }

  private hwInfoData(iommufd: number, devid: number, type: number, asked: number, path: string): Probe<HwInfoData> {
    const op = 'IOMMU_GET_HW_INFO data'
    if (asked > HW_INFO_DATA_MAX) return bad(op, path, `data_len ${asked} is over ${HW_INFO_DATA_MAX} bytes`)
    const buf = encodeHwInfo(devid, asked)
    const data = new Uint8Array(asked)
    const r = this.sys.ioctl(iommufd, U.IOMMU_GET_HW_INFO, { kind: 'bufptr', buf, ptrAt: 16, data })
    if (r < 0) return fail(op, -r, path)
    const d = decodeHwInfo(buf)
    if (d.outDataType !== type) return bad(op, path, `type ${d.outDataType}, ${type} when asked without data`)
    // The kernel copies min(asked, its length) and zeroes the rest: only its own length is data.
    const filled = Math.min(asked, d.dataLen)
    const bytes = data.slice(0, filled)
    return ok({ asked, kernelLen: d.dataLen, bytes, ...decodeHwInfoData(type, bytes, filled) })
  }

  /** pread through the device fd: config space and --read-region. Short reads are returned as they are. */
  read(fd: number, offset: bigint, length: number, op: string, path: string): Probe<Uint8Array> {
    const buf = new Uint8Array(length)
    const r = this.sys.pread(fd, buf, offset)
    return r < 0 ? fail(op, -r, path) : ok(buf.subarray(0, r))
  }
}
