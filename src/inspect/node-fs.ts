// The real file-system reader, rooted: tests and benchmarks point it at a generated tree
// (--sysfs-root), production at "/".
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs'
import { FsError, type FsReader, type NodeStat } from './fs.js'

function code(e: unknown): string {
  const c = (e as { code?: unknown }).code
  return typeof c === 'string' ? c : 'EIO'
}

// ENOENT and ENOTDIR mean "absent"; anything else (EACCES, EIO …) is a real failure.
function absent(e: unknown): boolean {
  const c = code(e)
  return c === 'ENOENT' || c === 'ENOTDIR'
}

// One scratch buffer for every read: readFileSync costs an fstat and a fresh buffer per file, and a
// listing reads a dozen small files per device.
let scratch = Buffer.allocUnsafe(1 << 16)

/** Reads up to `max` bytes from the start into the scratch buffer; returns the count. sysfs hands an
 * attribute out whole in one read, so a short read there is the end; elsewhere (/proc's seq files may
 * return less than asked) it reads until 0. */
function readInto(real: string, path: string, max: number): number {
  const fd = openSync(real, 'r')
  try {
    const whole = path.startsWith('/sys/')
    let n = 0
    while (n < max) {
      if (n === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2)
        scratch.copy(bigger, 0, 0, n)
        scratch = bigger
      }
      const r = readSync(fd, scratch, n, Math.min(scratch.length, max) - n, null)
      if (r === 0) break
      n += r
      if (whole && n < scratch.length) break
    }
    return n
  } finally {
    closeSync(fd)
  }
}

const MAX_LINKS = 40 // as the kernel's path walk (ELOOP)

export class NodeFs implements FsReader {
  /** Below a root: each directory of a path → where it really is, every link on the way resolved. */
  private readonly dirs = new Map<string, string>()

  constructor(private readonly root: string = '') {
    if (root === '/') this.root = ''
  }

  /**
   * The host path of `path`. Under a root, the kernel would follow an absolute link (sysfs links are
   * relative, a copied or hand-made tree's often absolute) out of the root to the real /sys: every
   * link is resolved here instead, an absolute target inside the root and ".." no higher than it, as
   * chroot does. `last`: whether a link at the end is followed too (not for readLink and stat).
   */
  private p(path: string, last = true): string {
    if (this.root === '') return path
    return this.root + this.resolve(path, last, { links: 0 })
  }

  private resolve(path: string, last: boolean, seen: { links: number }): string {
    const parts = path.split('/').filter((x) => x !== '' && x !== '.')
    let at = ''
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      if (part === '..') {
        at = at.slice(0, at.lastIndexOf('/'))
        continue
      }
      const next = `${at}/${part}`
      if (i === parts.length - 1 && !last) return next
      const known = this.dirs.get(next)
      if (known !== undefined) {
        at = known
        continue
      }
      let target: string | null = null
      try {
        target = readlinkSync(this.root + next)
      } catch (e: unknown) {
        // EINVAL: not a link; ENOENT/ENOTDIR: absent, and the read that follows says so
        if (code(e) !== 'EINVAL') return [next, ...parts.slice(i + 1)].join('/')
      }
      let real = next
      if (target !== null) {
        if (++seen.links > MAX_LINKS) throw Object.assign(new Error('ELOOP'), { code: 'ELOOP' })
        real = this.resolve(target.startsWith('/') ? target : `${at}/${target}`, true, seen)
      }
      this.dirs.set(next, real)
      at = real
    }
    return at === '' ? '/' : at
  }

  readText(path: string): string | null {
    try {
      const n = readInto(this.p(path), path, Infinity) // first: it may replace the scratch buffer
      return scratch.toString('utf8', 0, n)
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }

  readBytes(path: string, max?: number): Uint8Array | null {
    try {
      const n = readInto(this.p(path), path, max ?? Infinity)
      return Buffer.from(scratch.subarray(0, n)) // a copy: the scratch buffer is reused
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }

  readLink(path: string): string | null {
    try {
      return readlinkSync(this.p(path, false))
    } catch (e: unknown) {
      if (absent(e) || code(e) === 'EINVAL') return null
      throw new FsError(code(e), path)
    }
  }

  list(dir: string): string[] | null {
    try {
      return readdirSync(this.p(dir)).sort()
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), dir)
    }
  }

  stat(path: string): NodeStat | null {
    try {
      const s = lstatSync(this.p(path, false))
      const kind = s.isCharacterDevice()
        ? 'char'
        : s.isBlockDevice()
          ? 'block'
          : s.isDirectory()
            ? 'dir'
            : s.isFile()
              ? 'file'
              : s.isSymbolicLink()
                ? 'link'
                : 'other'
      const dev = kind === 'char' || kind === 'block' ? `${Math.floor(s.rdev / 256) & 0xfff}:${(s.rdev & 0xff) | ((s.rdev >> 12) & 0xfff00)}` : ''
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, rdev: dev, kind }
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }
}
