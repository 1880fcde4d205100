// Encoders and decoders for the cdev/iommufd path: VFIO_DEVICE_BIND_IOMMUFD and the read-only iommufd
// queries. Same conventions as structs.ts (never-throwing decoders with `truncated`, u64 → bigint).
// iommufd structs start with `size` (not argsz) and the kernel rejects non-zero bytes it does not know,
// so encoders leave every field they do not set at zero.

import { Reader, alloc } from './structs.js'

// ---- vfio_device_bind_iommufd (24; 16 before BIND_FLAG_TOKEN) ----

/** flags stay 0 unless a VF token pointer is given: kernels before the TOKEN flag reject any flag. */
export function encodeBindIommufd(iommufd: number, opts: { tokenUuidPtr?: bigint; argsz?: number } = {}): Uint8Array {
  const withToken = opts.tokenUuidPtr !== undefined
  const { buf, dv } = alloc(opts.argsz ?? (withToken ? 24 : 16), withToken ? 24 : 16)
  dv.setUint32(4, withToken ? 1 : 0, true)
  dv.setInt32(8, iommufd | 0, true)
  if (opts.tokenUuidPtr !== undefined) dv.setBigUint64(16, opts.tokenUuidPtr, true)
  return buf
}

export function decodeBindIommufd(b: Uint8Array): { argsz: number; flags: number; iommufd: number; outDevid: number; truncated: boolean } {
  const r = new Reader(b)
  return { argsz: r.u32(0), flags: r.u32(4), iommufd: r.i32(8), outDevid: r.u32(12), truncated: r.short }
}

// ---- iommu_hw_info (40; 32 in 6.6 headers) ----

/** The most bytes of type-specific data lsvfio asks for: the vendor structs are 8 to 40 bytes, so a
 * data_len above this is a reply that makes no sense. */
export const HW_INFO_DATA_MAX = 4096

export function encodeHwInfo(devId: number, dataLen = 0, dataUptr = 0n, size = 40): Uint8Array {
  const { buf, dv } = alloc(size, 24)
  dv.setUint32(8, devId >>> 0, true)
  dv.setUint32(12, dataLen >>> 0, true)
  dv.setBigUint64(16, dataUptr, true)
  return buf
}

export interface HwInfoReply {
  size: number
  flags: number
  devId: number
  /** Out: the length of the type-specific data the kernel has. */
  dataLen: number
  dataUptr: bigint
  outDataType: number
  /** 0 on kernels before PASID reporting (the byte was reserved). */
  outMaxPasidLog2: number
  /** 0n on 6.6 kernels (the field did not exist). */
  outCapabilities: bigint
  truncated: boolean
}

export function decodeHwInfo(b: Uint8Array): HwInfoReply {
  const r = new Reader(b)
  const head = {
    size: r.u32(0),
    flags: r.u32(4),
    devId: r.u32(8),
    dataLen: r.u32(12),
    dataUptr: r.u64(16),
    outDataType: r.u32(24),
    outMaxPasidLog2: r.u8(28),
  }
  const truncated = r.short
  // out_capabilities is a later addition: a 32-byte reply is complete for a 6.6 kernel.
  const outCapabilities = r.fits(32, 8) ? r.u64(32) : 0n
  return { ...head, outCapabilities, truncated }
}

/** struct iommu_hw_info_vtd: raw VT-d CAP/ECAP registers. */
export function decodeHwInfoVtd(b: Uint8Array): { flags: number; capReg: bigint; ecapReg: bigint; truncated: boolean } {
  const r = new Reader(b)
  return { flags: r.u32(0), capReg: r.u64(8), ecapReg: r.u64(16), truncated: r.short }
}

/** struct iommu_hw_info_arm_smmuv3: raw SMMUv3 ID registers. */
export function decodeHwInfoArmSmmuv3(b: Uint8Array): { flags: number; idr: number[]; iidr: number; aidr: number; truncated: boolean } {
  const r = new Reader(b)
  const flags = r.u32(0)
  const idr = [0, 1, 2, 3, 4, 5].map((i) => r.u32(8 + 4 * i))
  return { flags, idr, iidr: r.u32(32), aidr: r.u32(36), truncated: r.short }
}

// ---- iommu_destroy (8), iommu_ioas_alloc (12) ----

export function encodeDestroy(id: number): Uint8Array {
  const { buf, dv } = alloc(8, 8)
  dv.setUint32(4, id >>> 0, true)
  return buf
}

export function encodeIoasAlloc(): Uint8Array {
  return alloc(12, 12).buf
}

export function decodeIoasAlloc(b: Uint8Array): { outIoasId: number; truncated: boolean } {
  const r = new Reader(b)
  return { outIoasId: r.u32(8), truncated: r.short }
}

// ---- iommu_ioas_iova_ranges (32) + iommu_iova_range[] (16 each, inclusive last) ----

export function encodeIoasIovaRanges(ioasId: number, numIovas: number, allowedIovasPtr: bigint): Uint8Array {
  const { buf, dv } = alloc(32, 32)
  dv.setUint32(4, ioasId >>> 0, true)
  dv.setUint32(8, numIovas >>> 0, true)
  dv.setBigUint64(16, allowedIovasPtr, true)
  return buf
}

export function decodeIoasIovaRanges(b: Uint8Array): { ioasId: number; numIovas: number; outIovaAlignment: bigint; truncated: boolean } {
  const r = new Reader(b)
  return { ioasId: r.u32(4), numIovas: r.u32(8), outIovaAlignment: r.u64(24), truncated: r.short }
}

/** The array the kernel filled through allowed_iovas: at most `count` entries, only those that fit. */
export function decodeIommuIovaRanges(b: Uint8Array, count: number): { start: bigint; last: bigint }[] {
  const r = new Reader(b)
  const out: { start: bigint; last: bigint }[] = []
  for (let i = 0, off = 0; i < count && r.fits(off, 16); i++, off += 16) out.push({ start: r.u64(off), last: r.u64(off + 8) })
  return out
}

// ---- iommu_option (24) ----

export function encodeIommuOption(optionId: number, op: number, objectId = 0, val64 = 0n): Uint8Array {
  const { buf, dv } = alloc(24, 24)
  dv.setUint32(4, optionId >>> 0, true)
  dv.setUint16(8, op & 0xffff, true)
  dv.setUint32(12, objectId >>> 0, true)
  dv.setBigUint64(16, val64, true)
  return buf
}

export function decodeIommuOption(b: Uint8Array): { optionId: number; op: number; objectId: number; val64: bigint; truncated: boolean } {
  const r = new Reader(b)
  return { optionId: r.u32(4), op: r.u16(8), objectId: r.u32(12), val64: r.u64(16), truncated: r.short }
}
