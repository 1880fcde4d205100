// The read-only guarantee, enforced at the seam: every ioctl is checked against an allowlist keyed by
// the kind of fd it goes to (the same number means different things on different fds, docs/vfio-abi.md, Request numbers).
import { InternalError } from '../errors.js'
import { gfxPlaneFlags } from './abi/gfx.js'
import { HW_INFO_DATA_MAX } from './abi/structs-iommufd.js'
import * as U from './abi/vfio-uapi.js'
import { FdTable, namingArg, type FdKind } from './fd-table.js'
import { closeLater, ioctlLater, type IoctlArg, type Sys } from './sys.js'

// Container attach steps are allowed: GET_DEVICE_FD needs SET_CONTAINER + SET_IOMMU (docs/vfio-abi.md, Group).
const ALLOWED: Record<FdKind, readonly number[]> = {
  container: [U.VFIO_GET_API_VERSION, U.VFIO_CHECK_EXTENSION, U.VFIO_SET_IOMMU, U.VFIO_IOMMU_GET_INFO],
  group: [U.VFIO_GROUP_GET_STATUS, U.VFIO_GROUP_SET_CONTAINER, U.VFIO_GROUP_UNSET_CONTAINER, U.VFIO_GROUP_GET_DEVICE_FD],
  device: [U.VFIO_DEVICE_GET_INFO, U.VFIO_DEVICE_GET_REGION_INFO, U.VFIO_DEVICE_GET_IRQ_INFO, U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, U.VFIO_DEVICE_FEATURE, U.VFIO_DEVICE_QUERY_GFX_PLANE],
  cdev: [U.VFIO_DEVICE_BIND_IOMMUFD, U.VFIO_DEVICE_GET_INFO, U.VFIO_DEVICE_GET_REGION_INFO, U.VFIO_DEVICE_GET_IRQ_INFO, U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, U.VFIO_DEVICE_FEATURE, U.VFIO_DEVICE_QUERY_GFX_PLANE],
  iommufd: [U.IOMMU_GET_HW_INFO],
  other: [],
}

/** A feature request is read-only when it only probes, or GETs the static MIGRATION flags. */
function featureReadOnly(arg: IoctlArg): boolean {
  if (arg.kind !== 'buf' || arg.buf.length < 8) return false
  const flags = new DataView(arg.buf.buffer, arg.buf.byteOffset, 8).getUint32(4, true)
  if ((flags & U.VFIO_DEVICE_FEATURE_SET) !== 0) return false
  if ((flags & U.VFIO_DEVICE_FEATURE_PROBE) !== 0) return true
  return flags === (U.VFIO_DEVICE_FEATURE_GET | U.VFIO_DEVICE_FEATURE_MIGRATION)
}

/** QUERY_GFX_PLANE only as a PROBE: the drivers answer it before looking at the plane (a plain query
 * would create dma-buf state in mbochs/GVT-g). */
function gfxProbeOnly(arg: IoctlArg): boolean {
  if (arg.kind !== 'buf') return false
  const flags = gfxPlaneFlags(arg.buf)
  return flags !== null && (flags & U.VFIO_GFX_PLANE_TYPE_PROBE) !== 0
}

/** A second buffer goes only to GET_HW_INFO, through its data_uptr (16), and no other argument carries
 * a user pointer: a plain buffer with a non-zero data_len or data_uptr would let the kernel write
 * wherever that number points. */
function pointerSafe(request: number, arg: IoctlArg): boolean {
  if (arg.kind === 'bufptr') return request === U.IOMMU_GET_HW_INFO && arg.ptrAt === 16 && arg.buf.length >= 24 && arg.data.length <= HW_INFO_DATA_MAX && hwInfoDataLen(arg.buf) === arg.data.length && hwInfoDataPtr(arg.buf) === 0n
  if (request === U.IOMMU_GET_HW_INFO) return arg.kind === 'buf' && arg.buf.length >= 24 && hwInfoDataLen(arg.buf) === 0 && hwInfoDataPtr(arg.buf) === 0n
  return true
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength)
const hwInfoDataLen = (b: Uint8Array): number => view(b).getUint32(12, true)
const hwInfoDataPtr = (b: Uint8Array): bigint => view(b).getBigUint64(16, true)

export class ReadOnlySys implements Sys {
  private fds = new FdTable()
  /** Every ioctl let through, kept only when asked (the read-only test): a big host issues 150,000. */
  readonly issued: { kind: FdKind; request: number }[] = []

  constructor(
    private readonly inner: Sys,
    private readonly log = false,
  ) {}

  open(path: string, mode: 'r' | 'rw'): number {
    const fd = this.inner.open(path, mode)
    if (fd >= 0) this.fds.opened(fd, path)
    return fd
  }

  close(fd: number): void {
    this.fds.closed(fd)
    this.inner.close(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    this.allow(fd, request, arg)
    const given = namingArg(request, arg)
    const r = this.inner.ioctl(fd, request, arg)
    this.fds.after(fd, request, given, r)
    return r
  }

  /** Checked as ioctl() is, before anything is sent; the fd table learns the answer when it comes. */
  ioctlAsync(fd: number, request: number, arg: IoctlArg): Promise<number> {
    this.allow(fd, request, arg)
    const given = namingArg(request, arg)
    return ioctlLater(this.inner, fd, request, arg).then((r) => {
      this.fds.after(fd, request, given, r)
      return r
    })
  }

  closeAsync(fd: number): Promise<void> {
    this.fds.closed(fd)
    return closeLater(this.inner, fd)
  }

  private allow(fd: number, request: number, arg: IoctlArg): void {
    const kind = this.fds.kindOf(fd)
    const allowed =
      ALLOWED[kind].includes(request) && (request !== U.VFIO_DEVICE_FEATURE || featureReadOnly(arg)) && (request !== U.VFIO_DEVICE_QUERY_GFX_PLANE || gfxProbeOnly(arg)) && pointerSafe(request, arg)
    if (!allowed) {
      throw new InternalError(`refused ioctl 0x${request.toString(16)} on a ${kind} fd: lsvfio is read-only and never issues it; please report this bug`)
    }
    if (this.log) this.issued.push({ kind, request })
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    return this.inner.pread(fd, buf, pos)
  }
}
