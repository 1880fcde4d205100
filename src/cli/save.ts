// Writing a --save file: mode 0600 from the first byte, through a temporary file in the target's own
// directory and a rename, so a reader never sees half a snapshot. The name is never followed when it is
// a symlink (the link itself is replaced with --force, or refused), and an existing file is replaced
// only with --force.
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import type { SnapshotDoc } from '../snapshot/doc.js'

const code = (e: unknown): string => (e as { code?: string }).code ?? String(e)

/** Thrown with the errno name main.ts words the one line from (EEXIST: a file is there, no --force). */
const refuse = (file: string): never => {
  const dir = (() => {
    try {
      return lstatSync(file).isDirectory()
    } catch {
      return false
    }
  })()
  throw Object.assign(new Error(dir ? 'is a directory' : 'exists'), { code: dir ? 'EISDIR' : 'EEXIST' })
}

export function writeSnapshotFile(file: string, text: string, force: boolean): void {
  const tmp = join(dirname(file), `.${basename(file)}.${tmpSuffix()}.tmp`)
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  try {
    try {
      const buf = Buffer.from(text, 'utf8')
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    if (force) renameSync(tmp, file)
    else {
      // link() never replaces anything (EEXIST, also for a dangling symlink): the atomic "create if absent".
      try {
        linkSync(tmp, file)
      } catch (e: unknown) {
        const c = code(e)
        if (c === 'EEXIST') refuse(file)
        // File systems without hard links (vfat, some FUSE): check, then rename.
        if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP' && c !== 'EXDEV') throw e
        if (present(file)) refuse(file)
        renameSync(tmp, file)
      }
    }
  } finally {
    try {
      unlinkSync(tmp)
    } catch {
      // renamed: nothing left to remove
    }
  }
}

function present(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}

/** The line said after saving: what the file holds, so nobody attaches it unaware. */
export function savedLine(file: string, doc: SnapshotDoc): string {
  const n = Object.keys(doc.fs).length + Object.keys(doc.ioctl).length + Object.keys(doc.pread).length
  const holders = new Set(Object.keys(doc.fs).flatMap((k) => /^link \/proc\/(\d+)\/fd\/\d+$/.exec(k)?.[1] ?? []))
  return (
    `saved ${n} answers to ${file} (mode 0600): sysfs, the kernel's VFIO replies and config space (which can carry serial numbers), ` +
    `${holders.size === 0 ? 'no holder' : `${holders.size} holder(s) as pid, name, user and VM name`}, the IOMMU/VFIO kernel parameters; ` +
    'no other command lines, fds, files or environment'
  )
}

/** Six random bytes in hex. node:crypto is loaded here, when a file is written: loaded with the rest it
 * would cost every run its start-up (it brings the stream modules). */
function tmpSuffix(): string {
  const { randomBytes } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  return randomBytes(6).toString('hex')
}
