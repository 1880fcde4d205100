// The real file-system reader, rooted: tests and benchmarks point it at a generated tree
// (--sysfs-root), production at "/".
import { closeSync, constants, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs'
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
function readInto(fd: number, path: string, max: number): number {
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
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW

/** A readlink: the target, or the errno (EINVAL: not a link). */
interface LinkRead {
  target: string | null
  code: string | null
}

export class NodeFs implements FsReader {
  /** Below a root: each directory of a path → where it really is, every link on the way resolved. */
  private readonly dirs = new Map<string, string>()
  /** Directories as given → where they really are, for those resolved whole. */
  private readonly whole = new Map<string, string>()
  /** sysfs links and directories as first read: nothing lsvfio does moves them during a run, and the
   * scan and the judgement read some of them again (a device's driver, group, physfn). */
  private readonly links = new Map<string, LinkRead>()
  private readonly lists = new Map<string, string[] | null>()

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
    const seen = { links: 0 }
    // The directory once per run (a device's dozen files share it), then the last part.
    const slash = path.lastIndexOf('/')
    const part = path.slice(slash + 1)
    if (slash > 0 && part !== '' && part !== '.' && part !== '..') {
      const parent = path.slice(0, slash)
      let dir = this.whole.get(parent)
      if (dir === undefined) {
        const r = this.resolve(parent, true, seen)
        if (r.whole) this.whole.set(parent, r.path)
        dir = r.whole ? r.path : undefined
      }
      if (dir !== undefined) return this.root + (this.step(dir === '/' ? '' : dir, part, last, seen) ?? `${dir}/${part}`)
    }
    return this.root + this.resolve(path, last, seen).path
  }

  /** `part` in the real directory `at`: where it really is, or null when it is not there. */
  private step(at: string, part: string, last: boolean, seen: { links: number }): string | null {
    const next = `${at}/${part}`
    if (!last) return next
    const known = this.dirs.get(next)
    if (known !== undefined) return known
    // lstat, not readlink: a readlink of what is not a link fails, and a failed call costs Node a thrown error
    let st
    try {
      st = lstatSync(this.root + next, { throwIfNoEntry: false })
    } catch {
      st = undefined // ENOTDIR, EACCES …: the read that follows says so
    }
    if (st === undefined) return null
    let real = next
    if (st.isSymbolicLink()) {
      const r = this.link(this.root + next)
      if (r.code !== null || r.target === null) return null
      if (++seen.links > MAX_LINKS) throw Object.assign(new Error('ELOOP'), { code: 'ELOOP' })
      real = this.resolve(r.target.startsWith('/') ? r.target : `${at}/${r.target}`, true, seen).path
    }
    this.dirs.set(next, real)
    return real
  }

  /** `whole`: false when a part is absent (or unreadable); the rest is then appended unresolved. */
  private resolve(path: string, last: boolean, seen: { links: number }): { path: string; whole: boolean } {
    const parts = path.split('/').filter((x) => x !== '' && x !== '.')
    let at = ''
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      if (part === '..') {
        at = at.slice(0, at.lastIndexOf('/'))
        continue
      }
      const real = this.step(at, part, last || i < parts.length - 1, seen)
      if (real === null) return { path: [`${at}/${part}`, ...parts.slice(i + 1)].join('/'), whole: false }
      at = real
    }
    return { path: at === '' ? '/' : at, whole: true }
  }

  /** readlink of a host path; under /sys kept for the run, by the path it really is (a device's driver
   * link is read through /sys/devices/… and through /sys/bus/pci/devices/…). */
  private link(full: string): LinkRead {
    const known = this.links.get(full)
    if (known !== undefined) return known
    let r: LinkRead
    try {
      r = { target: readlinkSync(full), code: null }
    } catch (e: unknown) {
      r = { target: null, code: code(e) }
    }
    if (this.sys(full) && (r.code === null || r.code === 'EINVAL' || absent(r))) this.links.set(full, r)
    return r
  }

  private sys(full: string): boolean {
    return full.startsWith('/sys/', this.root.length) && full.startsWith(this.root)
  }

  /** Opens a file for reading. Under a root, the last part is opened without following a link (a
   * file's, almost always), which spares resolving it; only a link there is resolved first. */
  private open(path: string): number {
    if (this.root === '') return openSync(path, 'r')
    try {
      return openSync(this.p(path, false), NO_FOLLOW)
    } catch (e: unknown) {
      if (code(e) !== 'ELOOP') throw e
    }
    return openSync(this.p(path), 'r')
  }

  readText(path: string): string | null {
    try {
      const n = readInto(this.open(path), path, Infinity) // first: it may replace the scratch buffer
      return scratch.toString('utf8', 0, n)
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }

  readBytes(path: string, max?: number): Uint8Array | null {
    try {
      const n = readInto(this.open(path), path, max ?? Infinity)
      return Buffer.from(scratch.subarray(0, n)) // a copy: the scratch buffer is reused
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }

  readLink(path: string): string | null {
    let r: LinkRead
    try {
      r = this.link(this.p(path, false))
    } catch (e: unknown) {
      throw new FsError(code(e), path) // ELOOP on the way
    }
    if (r.code === null) return r.target
    if (r.code === 'EINVAL' || absent(r)) return null
    throw new FsError(r.code, path)
  }

  list(dir: string): string[] | null {
    let full: string
    let v: string[] | null
    try {
      full = this.p(dir)
      const known = this.lists.get(full)
      if (known !== undefined) return known === null ? null : known.slice()
      v = readdirSync(full).sort()
    } catch (e: unknown) {
      if (!absent(e)) throw new FsError(code(e), dir)
      return null
    }
    if (this.sys(full)) this.lists.set(full, v.slice())
    return v
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
