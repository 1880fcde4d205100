// Stable names for fds, shared by recorder and replayer, so replies are keyed by what an fd IS
// (a group, the container attached to group 12, device 0000:01:00.0) rather than by its number.
import * as U from '../kernel/abi/vfio-uapi.js'
import type { IoctlArg } from '../kernel/sys.js'
import { argKey } from './doc.js'

/** The argument as given, for naming after the call: a copy of the buffers that carry an fd number
 * (the seam may write into them); the others are not read after the call and are not copied. */
export function namingArg(request: number, arg: IoctlArg): IoctlArg {
  const carriesFd = request === U.VFIO_GROUP_SET_CONTAINER || request === U.VFIO_DEVICE_BIND_IOMMUFD
  return carriesFd && arg.kind === 'buf' ? { kind: 'buf', buf: arg.buf.slice() } : arg
}

export class FdNames {
  private names = new Map<number, string>()

  opened(fd: number, path: string): void {
    this.names.set(fd, path)
  }

  closed(fd: number): void {
    this.names.delete(fd)
  }

  nameOf(fd: number): string {
    return this.names.get(fd) ?? `fd${fd}`
  }

  private fdAt(arg: IoctlArg, offset: number): number | null {
    if (arg.kind !== 'buf' || arg.buf.length < offset + 4) return null
    return new DataView(arg.buf.buffer, arg.buf.byteOffset).getInt32(offset, true)
  }

  key(fd: number, request: number, arg: IoctlArg): string {
    const [name, rest] = this.keyParts(fd, request, arg)
    return `${name} ${rest}`
  }

  /** The key as [fd name, "request argument"]: the compact snapshot files replies under the fd name. */
  keyParts(fd: number, request: number, arg: IoctlArg): [string, string] {
    // BIND_IOMMUFD carries the iommufd's number at offset 8: key it by name, keep the other bytes.
    const ifd = request === U.VFIO_DEVICE_BIND_IOMMUFD ? this.fdAt(arg, 8) : null
    if (ifd !== null && arg.kind === 'buf') {
      const rest = arg.buf.slice()
      rest.fill(0, 8, 12)
      return [this.nameOf(fd), `${request} iommufd ${this.nameOf(ifd)} ${argKey({ kind: 'buf', buf: rest })}`]
    }
    // SET_CONTAINER passes a pointer to the container's fd number: key it by that fd's name instead.
    if (request === U.VFIO_GROUP_SET_CONTAINER && arg.kind === 'buf' && arg.buf.length >= 4) {
      const cfd = new DataView(arg.buf.buffer, arg.buf.byteOffset, 4).getInt32(0, true)
      return [this.nameOf(fd), `${request} fd ${this.nameOf(cfd)}`]
    }
    return [this.nameOf(fd), `${request} ${argKey(arg)}`]
  }

  /** Called after every ioctl with its result, to name the fds it created or changed. */
  after(fd: number, request: number, arg: IoctlArg, result: number): void {
    if (result < 0) return
    if (request === U.VFIO_GROUP_GET_DEVICE_FD && arg.kind === 'str') this.names.set(result, `${this.nameOf(fd)}#${arg.value}`)
    if (request === U.VFIO_GROUP_SET_CONTAINER && arg.kind === 'buf' && arg.buf.length >= 4) {
      const cfd = new DataView(arg.buf.buffer, arg.buf.byteOffset, 4).getInt32(0, true)
      this.names.set(cfd, `${this.nameOf(cfd)}>${this.nameOf(fd)}`)
    }
    const ifd = request === U.VFIO_DEVICE_BIND_IOMMUFD ? this.fdAt(arg, 8) : null
    if (ifd !== null) this.names.set(ifd, `${this.nameOf(ifd)}>${this.nameOf(fd)}`)
  }
}
