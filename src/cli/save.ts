// Writing a --save file: mode 0600 from the first byte, through a temporary file in the target's own
// directory and a rename, so a reader never sees half a snapshot. The name is never followed when it is
// a symlink (the link itself is replaced with --force, or refused), and an existing file is replaced
// only with --force.
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { EnvironmentError } from '../errors.js'
import type { SnapshotDoc } from '../snapshot/doc.js'

const code = (e: unknown): string => (e as { code?: string }).code ?? String(e)

function fail(file: string, why: string): never {
  throw new EnvironmentError(`cannot save the snapshot to ${file}: ${why}`)
}

export function writeSnapshotFile(file: string, text: string, force: boolean): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  let fd: number
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (e: unknown) {
    return fail(file, `${code(e)} creating a file in ${dirname(file)}; give a path in a directory you can write`)
  }
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
        if (c === 'EEXIST') fail(file, 'it exists; give another name, or add --force to replace it')
        // File systems without hard links (vfat, some FUSE): check, then rename.
        if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP' && c !== 'EXDEV') throw e
        if (exists(file)) fail(file, 'it exists; give another name, or add --force to replace it')
        renameSync(tmp, file)
      }
    }
  } catch (e: unknown) {
    if (e instanceof EnvironmentError) throw e
    fail(file, `${code(e)}${code(e) === 'EISDIR' ? ' (it is a directory)' : ''}; give the path of a new file`)
  } finally {
    try {
      unlinkSync(tmp)
    } catch {
      // renamed: nothing left to remove
    }
  }
}

function exists(file: string): boolean {
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
