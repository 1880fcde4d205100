// Linux errno numbers ↔ names ↔ short messages (asm-generic/errno-base.h + errno.h: the numbering of
// x86-64, arm64, riscv64 and s390x; alpha, mips, parisc and sparc differ and are not supported).
// Messages follow glibc's strerror(). Checked against node's os.constants.errno in test/abi/errno.test.ts.
import type { ProbeError } from '../model/types.js'

const TABLE: readonly (readonly [number, string, string])[] = [
  [1, 'EPERM', 'Operation not permitted'],
  [2, 'ENOENT', 'No such file or directory'],
  [3, 'ESRCH', 'No such process'],
  [4, 'EINTR', 'Interrupted system call'],
  [5, 'EIO', 'Input/output error'],
  [6, 'ENXIO', 'No such device or address'],
  [7, 'E2BIG', 'Argument list too long'],
  [8, 'ENOEXEC', 'Exec format error'],
  [9, 'EBADF', 'Bad file descriptor'],
  [10, 'ECHILD', 'No child processes'],
  [11, 'EAGAIN', 'Resource temporarily unavailable'],
  [12, 'ENOMEM', 'Cannot allocate memory'],
  [13, 'EACCES', 'Permission denied'],
  [14, 'EFAULT', 'Bad address'],
  [15, 'ENOTBLK', 'Block device required'],
  [16, 'EBUSY', 'Device or resource busy'],
  [17, 'EEXIST', 'File exists'],
  [18, 'EXDEV', 'Invalid cross-device link'],
  [19, 'ENODEV', 'No such device'],
  [20, 'ENOTDIR', 'Not a directory'],
  [21, 'EISDIR', 'Is a directory'],
  [22, 'EINVAL', 'Invalid argument'],
  [23, 'ENFILE', 'Too many open files in system'],
  [24, 'EMFILE', 'Too many open files'],
  [25, 'ENOTTY', 'Inappropriate ioctl for device'],
  [26, 'ETXTBSY', 'Text file busy'],
  [27, 'EFBIG', 'File too large'],
  [28, 'ENOSPC', 'No space left on device'],
  [29, 'ESPIPE', 'Illegal seek'],
  [30, 'EROFS', 'Read-only file system'],
  [31, 'EMLINK', 'Too many links'],
  [32, 'EPIPE', 'Broken pipe'],
  [33, 'EDOM', 'Numerical argument out of domain'],
  [34, 'ERANGE', 'Numerical result out of range'],
  [35, 'EDEADLK', 'Resource deadlock avoided'],
  [36, 'ENAMETOOLONG', 'File name too long'],
  [37, 'ENOLCK', 'No locks available'],
  [38, 'ENOSYS', 'Function not implemented'],
  [39, 'ENOTEMPTY', 'Directory not empty'],
  [40, 'ELOOP', 'Too many levels of symbolic links'],
  [42, 'ENOMSG', 'No message of desired type'],
  [43, 'EIDRM', 'Identifier removed'],
  [61, 'ENODATA', 'No data available'],
  [62, 'ETIME', 'Timer expired'],
  [67, 'ENOLINK', 'Link has been severed'],
  [71, 'EPROTO', 'Protocol error'],
  [74, 'EBADMSG', 'Bad message'],
  [75, 'EOVERFLOW', 'Value too large for defined data type'],
  [77, 'EBADFD', 'File descriptor in bad state'],
  [84, 'EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  [90, 'EMSGSIZE', 'Message too long'],
  [95, 'EOPNOTSUPP', 'Operation not supported'],
  [105, 'ENOBUFS', 'No buffer space available'],
  [110, 'ETIMEDOUT', 'Connection timed out'],
  [125, 'ECANCELED', 'Operation canceled'],
  [133, 'EHWPOISON', 'Memory page has hardware error'],
]

/** Other names for the same numbers (accepted by errnoNumber, never returned by errnoName). */
const ALIASES: Readonly<Record<string, number>> = { EWOULDBLOCK: 11, EDEADLOCK: 35, ENOTSUP: 95 }

const BY_NUMBER = new Map<number, readonly [number, string, string]>(TABLE.map((e) => [e[0], e]))
const BY_NAME = new Map<string, number>([...TABLE.map((e): [string, number] => [e[1], e[0]]), ...Object.entries(ALIASES)])

/** Accepts a positive errno or the negative value a syscall wrapper returns. Unknown → "E<n>". */
export function errnoName(n: number): string {
  const e = Math.abs(n)
  return BY_NUMBER.get(e)?.[1] ?? `E${e}`
}

/** Short strerror() text; unknown → "Unknown error <n>" (glibc's wording). */
export function errnoMessage(n: number): string {
  const e = Math.abs(n)
  return BY_NUMBER.get(e)?.[2] ?? `Unknown error ${e}`
}

/** errno number for a name ("EBUSY", "ENOTSUP" …), or the number inside "E<n>"; null when unknown. */
export function errnoNumber(name: string): number | null {
  const known = BY_NAME.get(name.toUpperCase())
  if (known !== undefined) return known
  const m = /^E(\d+)$/i.exec(name)
  return m?.[1] !== undefined ? Number(m[1]) : null
}

/** Every errno this table names, ascending. */
export const ERRNO_NUMBERS: readonly number[] = Object.freeze(TABLE.map((e) => e[0]))

/** A failure lsvfio decides itself in the kernel's terms (a refused request, a missing backend): the
 * errno comes from its name, so no caller writes a number. */
export function errnoError(op: string, code: 'EINVAL' | 'ENODEV', path: string, hint: string): ProbeError {
  return { op, errno: errnoNumber(code) ?? 0, code, path, hint }
}
