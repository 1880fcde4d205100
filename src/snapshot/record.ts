// --save: wraps the real seams and writes down the answers they give, as privacy.ts allows: a snapshot
// is meant to be shared, so what lsvfio reads of /proc and /etc is reduced here to what it needs.
import type { FsReader, NodeStat } from '../inspect/fs.js'
import { FsError } from '../inspect/fs.js'
import { closeLater, ioctlLater, type IoctlArg, type Sys } from '../kernel/sys.js'
import { namingArg } from '../kernel/fd-table.js'
import { FdNames } from './fd-names.js'
import { FLAT_VERSION, SNAPSHOT_FORMAT, toHex, type SnapshotDoc } from './doc.js'
import { finish, shareable, shareableArgv } from './privacy.js'

export class Recording {
  readonly doc: SnapshotDoc

  constructor(tool: string, argv: string[], now: Date) {
    this.doc = { format: SNAPSHOT_FORMAT, version: FLAT_VERSION, tool, created: now.toISOString(), argv: shareableArgv(argv), fs: {}, open: {}, ioctl: {}, pread: {} }
  }

  /** The document to write: with the reductions that need the whole run (privacy.ts finish). */
  shareable(): SnapshotDoc {
    return finish(this.doc)
  }
}

export class RecordingFs implements FsReader {
  constructor(
    private readonly inner: FsReader,
    private readonly rec: Recording,
  ) {}

  private wrap<T>(op: string, path: string, f: () => T, enc: (v: T) => string | null): T {
    try {
      const v = f()
      const kept = shareable(op, path, v === null ? null : enc(v))
      if (kept.keep) this.rec.doc.fs[`${op} ${path}`] = { v: kept.v }
      return v
    } catch (e: unknown) {
      if (e instanceof FsError && shareable(op, path, null).keep) this.rec.doc.fs[`${op} ${path}`] = { e: e.code }
      throw e
    }
  }

  readText(path: string): string | null {
    return this.wrap('text', path, () => this.inner.readText(path), (v) => v)
  }
  readBytes(path: string, max?: number): Uint8Array | null {
    const before = this.rec.doc.fs[`bytes ${path}`]
    const v = this.wrap('bytes', path, () => this.inner.readBytes(path, max), (v) => (v === null ? null : toHex(v)))
    // A shorter read of the same file (a head) must not replace a longer one already recorded.
    if (before !== undefined && 'v' in before && before.v !== null && v !== null && before.v.length > v.length * 2) this.rec.doc.fs[`bytes ${path}`] = before
    return v
  }
  readLink(path: string): string | null {
    return this.wrap('link', path, () => this.inner.readLink(path), (v) => v)
  }
  list(dir: string): string[] | null {
    return this.wrap('list', dir, () => this.inner.list(dir), (v) => JSON.stringify(v))
  }
  stat(path: string): NodeStat | null {
    return this.wrap('stat', path, () => this.inner.stat(path), (v) => JSON.stringify(v))
  }
}

/** The reply as recorded: the buffer after the call; for 'bufptr' the struct, then the data buffer. */
const entry = (arg: IoctlArg, r: number): { r: number; out?: string } =>
  arg.kind === 'buf' ? { r, out: toHex(arg.buf) } : arg.kind === 'bufptr' ? { r, out: toHex(arg.buf) + toHex(arg.data) } : { r }

export class RecordingSys implements Sys {
  private names = new FdNames()

  constructor(
    private readonly inner: Sys,
    private readonly rec: Recording,
  ) {}

  open(path: string, mode: 'r' | 'rw'): number {
    const fd = this.inner.open(path, mode)
    this.rec.doc.open[`${path} ${mode}`] = fd
    if (fd >= 0) this.names.opened(fd, path)
    return fd
  }

  close(fd: number): void {
    this.names.closed(fd)
    this.inner.close(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const key = this.names.key(fd, request, arg)
    // New fds are named from the argument as given: the seam below may write into the buffer.
    const given = namingArg(request, arg)
    const r = this.inner.ioctl(fd, request, arg)
    this.rec.doc.ioctl[key] = entry(arg, r)
    this.names.after(fd, request, given, r)
    return r
  }

  /** Recorded when the answer comes, under the key of the fd as it was named when asked. */
  ioctlAsync(fd: number, request: number, arg: IoctlArg): Promise<number> {
    const key = this.names.key(fd, request, arg)
    const given = namingArg(request, arg)
    return ioctlLater(this.inner, fd, request, arg).then((r) => {
      this.rec.doc.ioctl[key] = entry(arg, r)
      this.names.after(fd, request, given, r)
      return r
    })
  }

  closeAsync(fd: number): Promise<void> {
    this.names.closed(fd)
    return closeLater(this.inner, fd)
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const r = this.inner.pread(fd, buf, pos)
    this.rec.doc.pread[`${this.names.nameOf(fd)} ${pos} ${buf.length}`] = r < 0 ? r : toHex(buf.subarray(0, r))
    return r
  }
}
