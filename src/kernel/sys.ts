// THE KERNEL SEAM. Everything that talks to /dev/vfio goes through this interface, so a fake, a
// recorder (--save) or a replayer (--from) can stand in for the real kernel.

/** How the third ioctl argument is passed. VFIO uses all four kinds (docs/vfio-abi.md, Request numbers). */
export type IoctlArg =
  | { kind: 'none' }
  /** integer by value: VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU */
  | { kind: 'int'; value: number }
  /** pointer to bytes the kernel reads and writes in place: info structs, pointer-to-int */
  | { kind: 'buf'; buf: Uint8Array }
  /** NUL-terminated string: VFIO_GROUP_GET_DEVICE_FD */
  | { kind: 'str'; value: string }
  /** a struct (`buf`) whose __u64 at `ptrAt` is a user pointer to a second buffer (`data`) the kernel
   * fills: IOMMU_GET_HW_INFO's data_uptr. The seam puts the address there only for the call, so `buf`
   * holds 0 at `ptrAt` before and after and a recording never holds an address. */
  | { kind: 'bufptr'; buf: Uint8Array; ptrAt: number; data: Uint8Array }

export interface Sys {
  /** Returns an fd ≥ 0, or -errno. */
  open(path: string, mode: 'r' | 'rw'): number
  close(fd: number): void
  /** Returns the ioctl's result ≥ 0, or -errno. A 'buf' argument (and a 'bufptr' argument's
   * two buffers) is updated in place, even on failure. */
  ioctl(fd: number, request: number, arg: IoctlArg): number
  /** Reads up to buf.length bytes at pos. Returns the count, or -errno. */
  pread(fd: number, buf: Uint8Array, pos: bigint): number
  /** Optional: the same ioctl on a worker thread, for the ones that block (opening a vfio-pci device
   * resets it: an FLR sleeps 100 ms). Seams without it are called synchronously. */
  ioctlAsync?(fd: number, request: number, arg: IoctlArg): Promise<number>
  /** Optional: close on a worker thread (closing a vfio-pci device resets it again). */
  closeAsync?(fd: number): Promise<void>
}

/** The ioctl on the seam's worker thread where it has one, else synchronously. */
export function ioctlLater(sys: Sys, fd: number, request: number, arg: IoctlArg): Promise<number> {
  return sys.ioctlAsync !== undefined ? sys.ioctlAsync(fd, request, arg) : Promise.resolve(sys.ioctl(fd, request, arg))
}

/** close on the seam's worker thread where it has one, else synchronously. */
export function closeLater(sys: Sys, fd: number): Promise<void> {
  if (sys.closeAsync !== undefined) return sys.closeAsync(fd)
  sys.close(fd)
  return Promise.resolve()
}

/** A call that may block: run now, or started on a worker thread (only where the seam can). */
export interface Step<R> {
  run(): R
  start(): Promise<R>
}
