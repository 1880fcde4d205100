// The real file-system reader, rooted: tests and benchmarks point it at a generated tree
// (--sysfs-root), production at "/".
import { closeSync, lstatSync, openSync, readFileSync, readSync, readdirSync, readlinkSync } from 'node:fs'
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

// The first `max` bytes: a sysfs config file is 4 KiB, of which a listing compares 256.
function readHead(path: string, max: number): Uint8Array {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(max)
    let n = 0
    for (let r = 1; n < max && r > 0; n += r) r = readSync(fd, buf, n, max - n, n)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

export class NodeFs implements FsReader {
  constructor(private readonly root: string = '') {}

  private p(path: string): string {
    return this.root === '' || this.root === '/' ? path : this.root + path
  }

  readText(path: string): string | null {
    const b = this.readBytes(path)
    return b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')
  }

  readBytes(path: string, max?: number): Uint8Array | null {
    try {
      return max === undefined ? readFileSync(this.p(path)) : readHead(this.p(path), max)
    } catch (e: unknown) {
      if (absent(e)) return null
      throw new FsError(code(e), path)
    }
  }

  readLink(path: string): string | null {
    try {
      return readlinkSync(this.p(path))
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
      const s = lstatSync(this.p(path))
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
