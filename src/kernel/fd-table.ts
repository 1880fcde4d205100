// The one record of the fds a run holds: what kind each is (the read-only allow-list keys on it) and
// a stable name for it (a group, the container attached to group 12, device 0000:01:00.0), which the
// snapshot recorder and replayer key replies by instead of fd numbers. Fed by every seam that wraps Sys.
import * as U from './abi/vfio-uapi.js'
import type { IoctlArg } from './sys.js'

export type FdKind = 'container' | 'group' | 'device' | 'cdev' | 'iommufd' | 'other'

export function kindOfPath(path: string): FdKind {
  if (path === '/dev/vfio/vfio') return 'container'
  if (/^\/dev\/vfio\/(noiommu-)?\d+$/.test(path)) return 'group'
  if (/^\/dev\/vfio\/devices\/vfio\d+$/.test(path)) return 'cdev'
  if (path === '/dev/iommu') return 'iommufd'
  return 'other'
}

/** The argument as given, for naming after the call: a copy of the buffers that carry an fd number
 * (the seam may write into them); the others are not read after the call and are not copied. */
export function namingArg(request: number, arg: IoctlArg): IoctlArg {
  const carriesFd = request === U.VFIO_GROUP_SET_CONTAINER || request === U.VFIO_DEVICE_BIND_IOMMUFD
  return carriesFd && arg.kind === 'buf' ? { kind: 'buf', buf: arg.buf.slice() } : arg
}

/** The int at `offset` of a buffer argument: the fd number SET_CONTAINER (0) and BIND_IOMMUFD (8) carry. */
export function fdAt(arg: IoctlArg, offset: number): number | null {
  if (arg.kind !== 'buf' || arg.buf.length < offset + 4) return null
  return new DataView(arg.buf.buffer, arg.buf.byteOffset).getInt32(offset, true)
}

export class FdTable {
  private fds = new Map<number, { kind: FdKind; name: string }>()

  opened(fd: number, path: string): void {
    this.fds.set(fd, { kind: kindOfPath(path), name: path })
  }

  closed(fd: number): void {
    this.fds.delete(fd)
  }

  kindOf(fd: number): FdKind {
    return this.fds.get(fd)?.kind ?? 'other'
  }

  nameOf(fd: number): string {
    return this.fds.get(fd)?.name ?? `fd${fd}`
  }

  private rename(fd: number, name: string): void {
    this.fds.set(fd, { kind: this.kindOf(fd), name })
  }

  /** Called after every ioctl with its result (and the argument as given, see namingArg), to record
   * the fds it created and name the ones it tied together. */
  after(fd: number, request: number, arg: IoctlArg, result: number): void {
    if (result < 0) return
    if (request === U.VFIO_GROUP_GET_DEVICE_FD) this.fds.set(result, { kind: 'device', name: `${this.nameOf(fd)}#${arg.kind === 'str' ? arg.value : '?'}` })
    const cfd = request === U.VFIO_GROUP_SET_CONTAINER ? fdAt(arg, 0) : null
    if (cfd !== null) this.rename(cfd, `${this.nameOf(cfd)}>${this.nameOf(fd)}`)
    const ifd = request === U.VFIO_DEVICE_BIND_IOMMUFD ? fdAt(arg, 8) : null
    if (ifd !== null) this.rename(ifd, `${this.nameOf(ifd)}>${this.nameOf(fd)}`)
  }
}
