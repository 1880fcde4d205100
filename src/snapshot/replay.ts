// --from: a Host built from a snapshot. Answers exactly what was recorded; anything else is ENODATA,
// never an invented value.
import type { FsReader, NodeStat } from '../inspect/fs.js'
import { FsError } from '../inspect/fs.js'
import type { IoctlArg, Sys } from '../kernel/sys.js'
import { type CompactDoc, compactRest, deref } from './compact.js'
import { namingArg } from '../kernel/fd-table.js'
import { FdNames } from './fd-names.js'
import { type FsEntry, fromHex, type IoctlEntry, type SnapshotDoc } from './doc.js'

const ENODATA = 61

/** The recorded answers, from a flat (version 1) or a compact (version 2) document; bytes decoded. */
interface Answers {
  fs(op: string, path: string): FsEntry | undefined
  open(key: string): number | undefined
  ioctl(name: string, rest: string): { r: number; out?: Uint8Array } | undefined
  pread(name: string, rest: string): Uint8Array | number | undefined
  /** The longest recorded ioctl reply, in bytes: a request buffer longer than it has no answer. */
  longestReply(): number
}

const reply = (e: IoctlEntry | undefined, bytes: (hex: string) => Uint8Array): ReturnType<Answers['ioctl']> =>
  e === undefined ? undefined : e.out === undefined ? { r: e.r } : { r: e.r, out: bytes(e.out) }

function answers(doc: SnapshotDoc | CompactDoc): Answers {
  if (!('blobIndex' in doc)) {
    const bytes = (hex: string): Uint8Array => fromHex(hex, 'a recorded reply')
    return {
      fs: (op, path) => doc.fs[`${op} ${path}`],
      open: (key) => doc.open[key],
      ioctl: (name, rest) => reply(doc.ioctl[`${name} ${rest}`], bytes),
      pread: (name, rest) => {
        const v = doc.pread[`${name} ${rest}`]
        return typeof v === 'string' ? bytes(v) : v
      },
      longestReply: () => {
        let n = 0
        for (const k in doc.ioctl) n = Math.max(n, (doc.ioctl[k]?.out?.length ?? 0) / 2)
        return n
      },
    }
  }
  // A blob is decoded once: the functions of an SR-IOV device share their replies. Callers copy out of
  // these bytes and never write into them.
  const decoded: (Uint8Array | undefined)[] = []
  const bytes = (s: string): Uint8Array => {
    if (s[0] !== '@') return fromHex(s, 'a recorded reply')
    const i = Number(s.slice(1))
    return (decoded[i] ??= fromHex(deref(doc, s), `blob ${s}`))
  }
  return {
    fs: (op, path) => {
      const slash = path.lastIndexOf('/') + 1
      const v = doc.fs[path.slice(0, slash)]?.[`${op} ${path.slice(slash)}`]
      if (v === undefined || v === null) return v === null ? { v: null } : undefined
      return typeof v === 'string' ? { v: op === 'bytes' ? deref(doc, v) : v } : v
    },
    open: (key) => doc.open[key],
    ioctl: (name, rest) => {
      const v = doc.ioctl[name]?.[compactRest(doc, rest)]
      return v === undefined ? undefined : typeof v === 'number' ? { r: v } : { r: v[0], out: bytes(v[1]) }
    },
    pread: (name, rest) => {
      const v = doc.pread[name]?.[rest]
      return typeof v === 'string' ? bytes(v) : v
    },
    longestReply: () => {
      let n = 0
      for (const fd in doc.ioctl) {
        const replies = doc.ioctl[fd] ?? {}
        for (const k in replies) {
          const v = replies[k]
          if (typeof v !== 'number' && v !== undefined) n = Math.max(n, (v[1][0] === '@' ? (doc.blobs[Number(v[1].slice(1))]?.length ?? 0) : v[1].length) / 2)
        }
      }
      return n
    },
  }
}

export class ReplayFs implements FsReader {
  private readonly a: Answers

  constructor(doc: SnapshotDoc | CompactDoc) {
    this.a = answers(doc)
  }

  private get(op: string, path: string): string | null {
    const e = this.a.fs(op, path)
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
  private readonly a: Answers
  private longest: number | null = null

  constructor(doc: SnapshotDoc | CompactDoc) {
    this.a = answers(doc)
  }

  open(path: string, mode: 'r' | 'rw'): number {
    const r = this.a.open(`${path} ${mode}`)
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
    // A recorded reply is as long as its request: a longer request (a reply that claimed a huge argsz)
    // has no answer, found without hex-encoding the request into a key.
    const asked = arg.kind === 'buf' ? arg.buf.length : arg.kind === 'bufptr' ? arg.buf.length + arg.data.length : 0
    if (asked > (this.longest ??= this.a.longestReply())) return -ENODATA
    const e = this.a.ioctl(...this.names.keyParts(fd, request, arg))
    if (e === undefined) return -ENODATA
    // Name new fds from the arguments as given, before the recorded reply (with its fd numbers) lands.
    const given = namingArg(request, arg)
    if (arg.kind === 'buf' && e.out !== undefined) arg.buf.set(e.out.subarray(0, arg.buf.length))
    if (arg.kind === 'bufptr' && e.out !== undefined) {
      arg.buf.set(e.out.subarray(0, arg.buf.length))
      arg.data.set(e.out.subarray(arg.buf.length, arg.buf.length + arg.data.length))
    }
    let r = e.r
    // A recorded new fd (GET_DEVICE_FD) becomes a fresh number of ours.
    if (r >= 0 && arg.kind === 'str') r = this.next++
    this.names.after(fd, request, given, r)
    return r
  }

  pread(fd: number, buf: Uint8Array, pos: bigint): number {
    const e = this.a.pread(this.names.nameOf(fd), `${pos} ${buf.length}`)
    if (e === undefined) return -ENODATA
    if (typeof e === 'number') return e
    buf.set(e.subarray(0, buf.length))
    return Math.min(e.length, buf.length)
  }
}
