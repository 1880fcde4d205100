// Snapshot file version 2: the same answers as version 1, written compactly. Entries are grouped by
// directory (fs) and by fd name (ioctl, pread), so a path is written once and not once per file, and
// every hex string of 32 characters or more is written once in `blobs` and referred to as "@N" (the
// functions of an SR-IOV device answer with the same bytes). A 4,096-function host: 36 MB as version 1,
// 14 MB as version 2, and JSON.parse a third of the time. In memory both are the flat SnapshotDoc.
import { FLAT_VERSION, type FsEntry, type IoctlEntry, isRecord, SNAPSHOT_FORMAT, type SnapshotDoc, snapshotHeader, unusable } from './doc.js'

export const COMPACT_VERSION = 2

type FsValue = string | null | { e: string }
type IoctlValue = number | [number, string]

export interface CompactFile {
  format: typeof SNAPSHOT_FORMAT
  version: typeof COMPACT_VERSION
  tool: string
  created: string
  argv: string[]
  blobs: string[]
  /** directory (with its trailing "/") → "op leaf" → value, error, or null (absent) */
  fs: Record<string, Record<string, FsValue>>
  open: Record<string, number>
  /** fd name → "request argument" → result, or [result, reply] */
  ioctl: Record<string, Record<string, IoctlValue>>
  /** fd name → "offset length" → bytes or -errno */
  pread: Record<string, Record<string, string | number>>
}

const MIN_BLOB = 32
// The hex argument at the end of an ioctl key ("15212 buf 2000…", "… iommufd NAME buf 1800…").
const KEY_HEX = / buf ([0-9a-f]+)$/
const KEY_REF = / buf @(\d+)$/

const group = <V>(into: Record<string, Record<string, V>>, outer: string, inner: string, v: V): void => {
  ;(into[outer] ??= {})[inner] = v
}

/** The flat document as version 2 text. */
export function compactSnapshot(doc: SnapshotDoc): string {
  const blobs: string[] = []
  const index = new Map<string, number>()
  const ref = (hex: string): string => {
    if (hex.length < MIN_BLOB) return hex
    let i = index.get(hex)
    if (i === undefined) {
      i = blobs.push(hex) - 1
      index.set(hex, i)
    }
    return `@${i}`
  }
  const out: CompactFile = { format: SNAPSHOT_FORMAT, version: COMPACT_VERSION, tool: doc.tool, created: doc.created, argv: doc.argv, blobs, fs: {}, open: doc.open, ioctl: {}, pread: {} }
  for (const k in doc.fs) {
    const e = doc.fs[k] as FsEntry
    const sp = k.indexOf(' ')
    const op = k.slice(0, sp)
    const path = k.slice(sp + 1)
    const slash = path.lastIndexOf('/') + 1
    const v: FsValue = 'e' in e ? { e: e.e } : op === 'bytes' && e.v !== null ? ref(e.v) : e.v
    group(out.fs, path.slice(0, slash), `${op} ${path.slice(slash)}`, v)
  }
  for (const k in doc.ioctl) {
    const e = doc.ioctl[k] as IoctlEntry
    // "fdname request …": fd names have no " <digits> " in them; any split is undone exactly anyway.
    const m = / \d+ /.exec(k)
    const at = m === null ? k.lastIndexOf(' ') : m.index
    const rest = k.slice(at + 1).replace(KEY_HEX, (_, hex: string) => ` buf ${ref(hex)}`)
    group(out.ioctl, k.slice(0, at), rest, e.out === undefined ? e.r : [e.r, ref(e.out)])
  }
  for (const k in doc.pread) {
    const v = doc.pread[k] as string | number
    const at = k.lastIndexOf(' ', k.lastIndexOf(' ') - 1)
    group(out.pread, k.slice(0, at), k.slice(at + 1), typeof v === 'string' ? ref(v) : v)
  }
  return JSON.stringify(out) + '\n'
}


/** A checked version 2 file, replayed as it is (expanding 300,000 keys cost more than parsing them). */
export interface CompactDoc extends CompactFile {
  /** blob → its index, for looking up a key whose argument bytes were written as "@N" */
  blobIndex: Map<string, number>
}

/** Checks every entry's shape and every blob reference, without building anything. */
export function checkCompact(x: Record<string, unknown>, file: string): CompactDoc {
  const bad = (why: string): never => unusable(file, why)
  const blobs = x.blobs
  if (!Array.isArray(blobs) || !blobs.every((b) => typeof b === 'string')) return bad('"blobs" is missing or not a list of strings')
  // (a character test first: this runs for every entry of a big host)
  const refOk = (s: string): boolean => s.charCodeAt(0) !== 0x40 || (/^@\d+$/.test(s) && Number(s.slice(1)) < blobs.length)
  for (const k of ['fs', 'open', 'ioctl', 'pread'] as const) if (!isRecord(x[k])) bad(`"${k}" is missing or not an object`)
  const each = (section: string, check: (k: string, v: unknown) => boolean): void => {
    const outer = x[section] as Record<string, unknown>
    for (const o in outer) {
      const entries = outer[o]
      if (!isRecord(entries)) bad(`${section} entry "${o}" is not an object`)
      for (const k in entries as Record<string, unknown>) if (!check(k, (entries as Record<string, unknown>)[k])) bad(`${section} entry "${o}${section === 'fs' ? '' : ' '}${k}" is malformed`)
    }
  }
  each('fs', (k, v) => k.includes(' ') && (v === null || (typeof v === 'string' && (!k.startsWith('bytes ') || refOk(v))) || (isRecord(v) && typeof v.e === 'string')))
  each('ioctl', (k, v) => {
    const at = k.lastIndexOf(' buf @')
    if (at >= 0 && !refOk(k.slice(at + 5))) return false
    return Number.isSafeInteger(v) || (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && refOk(v[1]))
  })
  each('pread', (_, v) => Number.isSafeInteger(v) || (typeof v === 'string' && refOk(v)))
  const open = x.open as Record<string, unknown>
  for (const k in open) if (!Number.isSafeInteger(open[k])) bad(`open entry "${k}" is not an integer`)
  return {
    ...snapshotHeader(x),
    version: COMPACT_VERSION,
    blobs: blobs as string[],
    fs: x.fs as CompactFile['fs'],
    open: x.open as CompactFile['open'],
    ioctl: x.ioctl as CompactFile['ioctl'],
    pread: x.pread as CompactFile['pread'],
    blobIndex: new Map((blobs as string[]).map((b, i) => [b, i])),
  }
}

/** A blob reference's bytes (a checked document's references are all in range). */
export const deref = (doc: CompactFile, s: string): string => (s[0] === '@' ? (doc.blobs[Number(s.slice(1))] ?? '') : s)

/** The "request argument" part of an ioctl key as the compact file writes it. */
export function compactRest(doc: CompactDoc, rest: string): string {
  // " buf HEX" ends the key of every buffer argument (fd-names.ts)
  const at = rest.lastIndexOf(' buf ')
  if (at < 0 || rest.length - (at + 5) < MIN_BLOB) return rest
  const i = doc.blobIndex.get(rest.slice(at + 5))
  return i === undefined ? rest : `${rest.slice(0, at)} buf @${i}`
}

/** A parsed version 2 file to the flat document (tests, tools); checked first, as for replay. */
export function expandSnapshot(x: Record<string, unknown>, file: string): SnapshotDoc {
  const c = checkCompact(x, file)
  const doc: SnapshotDoc = { ...snapshotHeader(x), version: FLAT_VERSION, fs: {}, open: { ...c.open }, ioctl: {}, pread: {} }
  for (const dir in c.fs) {
    const entries = c.fs[dir] ?? {}
    for (const k in entries) {
      const v = entries[k] as FsValue
      const sp = k.indexOf(' ')
      const op = k.slice(0, sp)
      doc.fs[`${op} ${dir}${k.slice(sp + 1)}`] = v === null ? { v: null } : typeof v === 'string' ? { v: op === 'bytes' ? deref(c, v) : v } : { e: v.e }
    }
  }
  for (const fd in c.ioctl) {
    const entries = c.ioctl[fd] ?? {}
    for (const k in entries) {
      const v = entries[k] as IoctlValue
      doc.ioctl[`${fd} ${k.replace(KEY_REF, (s) => ` buf ${deref(c, s.slice(5))}`)}`] = typeof v === 'number' ? { r: v } : { r: v[0], out: deref(c, v[1]) }
    }
  }
  for (const fd in c.pread) {
    const entries = c.pread[fd] ?? {}
    for (const k in entries) {
      const v = entries[k] as string | number
      doc.pread[`${fd} ${k}`] = typeof v === 'string' ? deref(c, v) : v
    }
  }
  return doc
}
