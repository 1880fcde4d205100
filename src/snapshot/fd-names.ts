// Snapshot keys for ioctl replies, shared by recorder and replayer: by what an fd IS (its name in the
// fd table) rather than by its number.
import * as U from '../kernel/abi/vfio-uapi.js'
import { FdTable, fdAt } from '../kernel/fd-table.js'
import type { IoctlArg } from '../kernel/sys.js'
import { argKey } from './doc.js'

/** Replies keyed by fd name: the fd table of kernel/fd-table.ts plus the snapshot's key format. */
export class FdNames extends FdTable {
  key(fd: number, request: number, arg: IoctlArg): string {
    const [name, rest] = this.keyParts(fd, request, arg)
    return `${name} ${rest}`
  }

  /** The key as [fd name, "request argument"]: the compact snapshot files replies under the fd name. */
  keyParts(fd: number, request: number, arg: IoctlArg): [string, string] {
    // BIND_IOMMUFD carries the iommufd's number at offset 8: key it by name, keep the other bytes.
    const ifd = request === U.VFIO_DEVICE_BIND_IOMMUFD ? fdAt(arg, 8) : null
    if (ifd !== null && arg.kind === 'buf') {
      const rest = arg.buf.slice()
      rest.fill(0, 8, 12)
      return [this.nameOf(fd), `${request} iommufd ${this.nameOf(ifd)} ${argKey({ kind: 'buf', buf: rest })}`]
    }
    // SET_CONTAINER passes a pointer to the container's fd number: key it by that fd's name instead.
    const cfd = request === U.VFIO_GROUP_SET_CONTAINER ? fdAt(arg, 0) : null
    if (cfd !== null) return [this.nameOf(fd), `${request} fd ${this.nameOf(cfd)}`]
    return [this.nameOf(fd), `${request} ${argKey(arg)}`]
  }
}
