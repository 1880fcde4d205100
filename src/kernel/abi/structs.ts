// Encoders and decoders for the VFIO structs lsvfio exchanges with the kernel. Offsets match LAYOUTS
// (layouts.ts), which native/vfio-abi-check.c checks against the real header.
//
// Conventions:
// - VFIO structs are host-endian; lsvfio supports little-endian hosts only (asserted below, at load).
// - u64 fields decode to bigint; u32/u16/u8 to number (u32 as unsigned).
// - Decoders never throw. On a buffer shorter than the fields they decode, fields that do not fit read
//   as 0 (0n) and `truncated` is true, so a caller can report EPROTO instead of trusting zeros.
// - Encoders allocate max(argsz, bytes they write) so that a deliberately small argsz can still be sent;
//   they throw RangeError for an argsz that is not an integer in [0, 16 MiB] (a caller bug, not a reply).

export { LAYOUTS } from './layouts.js'
export type { FieldLayout, StructLayout } from './layouts.js'

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('lsvfio: big-endian hosts are not supported (VFIO structs are host-endian)')
}

export const MAX_ENCODE_ARGSZ = 1 << 24

/** Bounds-checked little-endian reads over a byte buffer: out-of-range reads give 0 and are counted. */
export class Reader {
  private readonly dv: DataView
  readonly length: number
  /** Set once any read fell outside the buffer. */
  short = false

  constructor(buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    this.length = buf.byteLength
  }

  fits(off: number, size: number): boolean {
    return off >= 0 && off + size <= this.length
  }

  private ok(off: number, size: number): boolean {
    if (this.fits(off, size)) return true
    this.short = true
    return false
  }

  u8(off: number): number {
    return this.ok(off, 1) ? this.dv.getUint8(off) : 0
  }

  u16(off: number): number {
    return this.ok(off, 2) ? this.dv.getUint16(off, true) : 0
  }

  u32(off: number): number {
    return this.ok(off, 4) ? this.dv.getUint32(off, true) : 0
  }

  i32(off: number): number {
    return this.ok(off, 4) ? this.dv.getInt32(off, true) : 0
  }

  u64(off: number): bigint {
    return this.ok(off, 8) ? this.dv.getBigUint64(off, true) : 0n
  }
}

/** Allocates an argsz-sized request (at least `min` bytes) and returns it with a writer view. */
export function alloc(argsz: number, min: number): { buf: Uint8Array; dv: DataView } {
  if (!Number.isInteger(argsz) || argsz < 0 || argsz > MAX_ENCODE_ARGSZ) {
    throw new RangeError(`argsz ${argsz} out of range [0, ${MAX_ENCODE_ARGSZ}]`)
  }
  const buf = new Uint8Array(Math.max(argsz, min, 4))
  const dv = new DataView(buf.buffer)
  dv.setUint32(0, argsz, true)
  return { buf, dv }
}

/** "ssss:bb:dd.f" from a dependent-device entry (devfn = slot << 3 | function). */
export function pciAddress(segment: number, bus: number, devfn: number): string {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0')
  return `${h(segment & 0xffff, 4)}:${h(bus & 0xff, 2)}:${h((devfn >> 3) & 0x1f, 2)}.${devfn & 7}`
}

// ---- vfio_group_status (8) ----

export function encodeGroupStatus(): Uint8Array {
  return alloc(8, 8).buf
}

export function decodeGroupStatus(b: Uint8Array): { argsz: number; flags: number; truncated: boolean } {
  const r = new Reader(b)
  return { argsz: r.u32(0), flags: r.u32(4), truncated: r.short }
}

// ---- vfio_device_info (24; 20 in 6.1 headers: pad is never decoded) ----

export function encodeDeviceInfo(argsz = 24): Uint8Array {
  return alloc(argsz, 4).buf
}

export interface DeviceInfoReply {
  argsz: number
  flags: number
  numRegions: number
  numIrqs: number
  capOffset: number
  truncated: boolean
}

export function decodeDeviceInfo(b: Uint8Array): DeviceInfoReply {
  const r = new Reader(b)
  return { argsz: r.u32(0), flags: r.u32(4), numRegions: r.u32(8), numIrqs: r.u32(12), capOffset: r.u32(16), truncated: r.short }
}

// ---- vfio_region_info (32) ----

export function encodeRegionInfo(index: number, argsz = 32): Uint8Array {
  const { buf, dv } = alloc(argsz, 12)
  dv.setUint32(8, index >>> 0, true)
  return buf
}

export interface RegionInfoReply {
  argsz: number
  flags: number
  index: number
  capOffset: number
  size: bigint
  offset: bigint
  truncated: boolean
}

export function decodeRegionInfo(b: Uint8Array): RegionInfoReply {
  const r = new Reader(b)
  return {
    argsz: r.u32(0),
    flags: r.u32(4),
    index: r.u32(8),
    capOffset: r.u32(12),
    size: r.u64(16),
    offset: r.u64(24),
    truncated: r.short,
  }
}

// ---- vfio_irq_info (16) ----

export function encodeIrqInfo(index: number, argsz = 16): Uint8Array {
  const { buf, dv } = alloc(argsz, 12)
  dv.setUint32(8, index >>> 0, true)
  return buf
}

export function decodeIrqInfo(b: Uint8Array): { argsz: number; flags: number; index: number; count: number; truncated: boolean } {
  const r = new Reader(b)
  return { argsz: r.u32(0), flags: r.u32(4), index: r.u32(8), count: r.u32(12), truncated: r.short }
}

// ---- vfio_iommu_type1_info (24; pad at 20 is never decoded) ----

export function encodeIommuType1Info(argsz = 24): Uint8Array {
  return alloc(argsz, 4).buf
}

export interface IommuType1InfoReply {
  argsz: number
  flags: number
  iovaPgsizes: bigint
  capOffset: number
  truncated: boolean
}

export function decodeIommuType1Info(b: Uint8Array): IommuType1InfoReply {
  const r = new Reader(b)
  return { argsz: r.u32(0), flags: r.u32(4), iovaPgsizes: r.u64(8), capOffset: r.u32(16), truncated: r.short }
}

// ---- vfio_pci_hot_reset_info (12) + count x vfio_pci_dependent_device (8) ----

export function encodeHotResetInfo(argsz = 12): Uint8Array {
  return alloc(argsz, 4).buf
}

export interface DependentDevice {
  /** group_id on the group path; devid with VFIO_PCI_HOT_RESET_FLAG_DEV_ID (0xffffffff = not owned). */
  groupOrDevid: number
  segment: number
  bus: number
  devfn: number
}

export interface HotResetInfoReply {
  argsz: number
  flags: number
  count: number
  /** Only the entries that fit in the buffer: fewer than `count` after ENOSPC. */
  devices: DependentDevice[]
  truncated: boolean
}

export function decodeHotResetInfo(b: Uint8Array): HotResetInfoReply {
  const r = new Reader(b)
  const argsz = r.u32(0)
  const flags = r.u32(4)
  const count = r.u32(8)
  const truncated = r.short
  const devices: DependentDevice[] = []
  for (let i = 0, off = 12; i < count && r.fits(off, 8); i++, off += 8) {
    devices.push({ groupOrDevid: r.u32(off), segment: r.u16(off + 4), bus: r.u8(off + 6), devfn: r.u8(off + 7) })
  }
  return { argsz, flags, count, devices, truncated }
}

// ---- vfio_device_feature (8 + payload) ----

/** flags = feature id | GET/SET/PROBE bits; argsz = 8 + payloadLen. */
export function encodeFeature(flags: number, payloadLen = 0): Uint8Array {
  const { buf, dv } = alloc(8 + payloadLen, 8)
  dv.setUint32(4, flags >>> 0, true)
  return buf
}

/** Payload of a GET of VFIO_DEVICE_FEATURE_MIGRATION (vfio_device_feature_migration at offset 8). */
export function decodeFeatureMigration(b: Uint8Array): { flags: bigint; truncated: boolean } {
  const r = new Reader(b)
  return { flags: r.u64(8), truncated: r.short }
}

/** Payload of a GET of VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE. */
export function decodeFeatureMigState(b: Uint8Array): { deviceState: number; dataFd: number; truncated: boolean } {
  const r = new Reader(b)
  return { deviceState: r.u32(8), dataFd: r.i32(12), truncated: r.short }
}

/** Payload of a GET of VFIO_DEVICE_FEATURE_MIG_DATA_SIZE. */
export function decodeFeatureMigDataSize(b: Uint8Array): { stopCopyLength: bigint; truncated: boolean } {
  const r = new Reader(b)
  return { stopCopyLength: r.u64(8), truncated: r.short }
}

// ---- pointer-to-int argument (VFIO_GROUP_SET_CONTAINER) ----

export function encodeInt32(n: number): Uint8Array {
  const buf = new Uint8Array(4)
  new DataView(buf.buffer).setInt32(0, n | 0, true)
  return buf
}
