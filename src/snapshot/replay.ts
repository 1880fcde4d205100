// --from: a Host built from a snapshot. Answers exactly what was recorded; anything else is ENODATA,
// never an invented value.
import type { FsReader, NodeStat } from '../inspect/fs.js'
import { FsError } from '../inspect/fs.js'
import type { IoctlArg, Sys } from '../kernel/sys.js'
import { FdNames, namingArg } from './fd-names.js'
import { fromHex, type SnapshotDoc } from './format.js'

const ENODATA = 61

export class ReplayFs implements FsReader {
  constructor(private readonly doc: SnapshotDoc) {}

  private get(op: string, path: string): string | null {
    const e = this.doc.fs[`${op} ${path}`]
    if (e === undefined) throw new FsError('ENODATA', path)
    if ('e' in e) throw new FsError(e.e, path)
    return e.v
  }

  private json<T>(op: string, path: string, check: (x: unknown) => x is T): T | null {
    const v = this.get(op, path)
    if (v === null) return null
    let x: unknown
    try {
      x = JSON.parse(v)
    } catch {
      throw new FsError('EPROTO', path)
    }
    if (!check(x)) throw new FsError('EPROTO', path)
    return x
  }

  readText(path: string): string | null {
    return this.get('text', path)
  }
  readBytes(path: string, max?: number): Uint8Array | null {
    const v = this.get('bytes', path)
    if (v === null) return null
    const b = fromHex(v, `bytes of ${path}`)
    return max === undefined || b.length <= max ? b : b.subarray(0, max)
  }
  readLink(path: string): string | null {
    return this.get('link', path)
  }
  list(dir: string): string[] | null {
    return this.json('list', dir, (x): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string'))
  }
  stat(path: string): NodeStat | null {
    return this.json('stat', path, (x): x is NodeStat => typeof x === 'object' && x !== null && typeof (x as NodeStat).mode === 'number' && typeof (x as NodeStat).kind === 'string')
  }
}

export class ReplaySys implements Sys {
  private names = new FdNames()
  private next = 1000

  constructor(private readonly doc: SnapshotDoc) {}

  open(path: string, mode: 'r' | 'rw'): number {
    const r = this.doc.open[`${path} ${mode}`]
    if (r === undefined) return -ENODATA
    if (r < 0) return r
    const fd = this.next++
    this.names.opened(fd, path)
    return fd
  }

  close(fd: number): void {
    this.names.closed(fd)
  }

  ioctl(fd: number, request: number, arg: IoctlArg): number {
    const e = this.doc.ioctl[this.names.key(fd, request, arg)]
    if (e === undefined) return -ENODATA
    // Name new fds from the arguments as given, before the recorded reply (with its fd numbers) lands.
    const given = namingArg(request, arg)
    if (arg.kind === 'buf' && e.out !== undefined) {
      const out = fromHex(e.out, `ioctl reply ${request}`)
      arg.buf.set(out.subarray(0, arg.buf.length))
    }
    let r = e.r
    // A recorded new fd (GET_DEVICE_FD) becomes a fresh number of ours.
    if (r >= 0 && arg.kind === 'str') r = this.next++
    this.names.after(fd, request, given, r)
    return r
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const e = this.doc.pread[`${this.names.nameOf(fd)} ${pos} ${buf.length}`]
    if (e === undefined) return -ENODATA
    if (typeof e === 'number') return e
    const b = fromHex(e, 'pread reply')
    buf.set(b.subarray(0, buf.length))
    return Math.min(b.length, buf.length)
  }
}
