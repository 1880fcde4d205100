// The snapshot document as held in memory (version 1, flat) and the helpers every version shares:
// what format.ts (parse, check) and compact.ts (version 2) both build on.
import { EnvironmentError } from '../errors.js'
import type { IoctlArg } from '../kernel/sys.js'

export const SNAPSHOT_FORMAT = 'lsvfio-snapshot'
/** Version 1 is the flat form below, as held in memory and as early files were written; --save writes
 * version 2 (compact.ts), which expands to it. */
export const FLAT_VERSION = 1

/** Result of one FsReader call. `e` is an error code (EACCES …); absent paths are `null` values. */
export type FsEntry = { v: string | null } | { e: string }

export interface IoctlEntry {
  /** the result: ≥ 0, or -errno */
  r: number
  /** the argument buffer after the call, hex (kind 'buf'; for 'bufptr' the struct then the data buffer) */
  out?: string
}

export interface SnapshotDoc {
  format: typeof SNAPSHOT_FORMAT
  version: number
  tool: string
  created: string
  argv: string[]
  /** key "op path" (op: text, bytes (hex), link, list (JSON), stat (JSON)) → result */
  fs: Record<string, FsEntry>
  /** key "open path mode" → fd or -errno */
  open: Record<string, number>
  /** key "fdname request kind argument" → reply. fdname is the opened path, or "path#name" for device fds. */
  ioctl: Record<string, IoctlEntry>
  /** key "fdname offset length" → hex bytes or -errno */
  pread: Record<string, string | number>
}

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

export function fromHex(s: string, where: string): Uint8Array {
  // Buffer's decoder stops at the first character that is not hex: a short result is the check.
  const b = Buffer.from(s, 'hex')
  if (b.length * 2 !== s.length) throw new EnvironmentError(`snapshot is corrupt: ${where} is not a hex string; capture it again with --save`)
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** The one line for any defect of a snapshot file. */
export function unusable(file: string, why: string): never {
  throw new EnvironmentError(`${file}: not a usable lsvfio snapshot (${why}); capture one with: lsvfio --save FILE`)
}

/** The descriptive fields every version carries; missing ones get neutral values. */
export function snapshotHeader(x: Record<string, unknown>): { format: typeof SNAPSHOT_FORMAT; tool: string; created: string; argv: string[] } {
  return {
    format: SNAPSHOT_FORMAT,
    tool: typeof x.tool === 'string' ? x.tool : 'unknown',
    created: typeof x.created === 'string' ? x.created : '',
    argv: Array.isArray(x.argv) ? x.argv.map(String) : [],
  }
}

export function argKey(arg: IoctlArg): string {
  switch (arg.kind) {
    case 'none':
      return 'none'
    case 'int':
      return `int ${arg.value}`
    case 'buf':
      return `buf ${toHex(arg.buf)}`
    case 'str':
      return `str ${arg.value}`
    case 'bufptr':
      // The data buffer goes in as zeros: its length is the question.
      return `bufptr ${toHex(arg.buf)} ${arg.data.length}`
  }
}
