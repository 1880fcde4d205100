// ioctl request encoding (include/uapi/asm-generic/ioctl.h). Valid for x86-64, arm64, riscv64 and s390x;
// powerpc, mips, sparc and alpha use other direction bits and sizes, so _IO() differs there (not supported).
// Every VFIO and iommufd request is a bare _IO(type, nr): no size, no direction (docs/vfio-abi.md, Request numbers).

export const VFIO_TYPE = 0x3b // ';'
export const VFIO_BASE = 100
export const IOMMUFD_TYPE = 0x3b // ';' as well: iommufd numbers start above VFIO's (0x80 vs 0x64)
export const IOMMUFD_CMD_BASE = 0x80

export const _IOC_NRBITS = 8
export const _IOC_TYPEBITS = 8
export const _IOC_SIZEBITS = 14
export const _IOC_DIRBITS = 2

export const _IOC_NRSHIFT = 0
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS

export const _IOC_NONE = 0
export const _IOC_WRITE = 1
export const _IOC_READ = 2

const mask = (bits: number): number => (1 << bits) - 1

/** Builds a request number; fields are masked to their widths, result is an unsigned 32-bit number. */
export function _IOC(dir: number, type: number, nr: number, size: number): number {
  return (
    (((dir & mask(_IOC_DIRBITS)) << _IOC_DIRSHIFT) |
      ((type & mask(_IOC_TYPEBITS)) << _IOC_TYPESHIFT) |
      ((nr & mask(_IOC_NRBITS)) << _IOC_NRSHIFT) |
      ((size & mask(_IOC_SIZEBITS)) << _IOC_SIZESHIFT)) >>>
    0
  )
}

export function _IO(type: number, nr: number): number {
  return _IOC(_IOC_NONE, type, nr, 0)
}

export function _IOR(type: number, nr: number, size: number): number {
  return _IOC(_IOC_READ, type, nr, size)
}

export function _IOW(type: number, nr: number, size: number): number {
  return _IOC(_IOC_WRITE, type, nr, size)
}

export function _IOWR(type: number, nr: number, size: number): number {
  return _IOC(_IOC_READ | _IOC_WRITE, type, nr, size)
}

/** Splits a request number into its fields (for hexdumps and snapshot listings). */
export function iocDecode(request: number): { dir: number; type: number; nr: number; size: number } {
  const r = request >>> 0
  return {
    dir: (r >>> _IOC_DIRSHIFT) & mask(_IOC_DIRBITS),
    type: (r >>> _IOC_TYPESHIFT) & mask(_IOC_TYPEBITS),
    nr: (r >>> _IOC_NRSHIFT) & mask(_IOC_NRBITS),
    size: (r >>> _IOC_SIZESHIFT) & mask(_IOC_SIZEBITS),
  }
}
