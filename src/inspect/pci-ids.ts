// Vendor, device and class names from the system's pci.ids (as lspci uses). A run names a handful of
// IDs, so parsing the whole file, or even reading it into one fresh buffer, would be most of the
// start-up (`npm run bench` measures it). So lookups are native byte searches over a chunk at a time in
// one reused buffer, and every answer is cached.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'

export interface NameDb {
  vendor(v: number): string | null
  device(v: number, d: number): string | null
  /** classCode is 24-bit: base<<16 | sub<<8 | prog-if */
  className(classCode: number): string | null
  /** The name pci.ids gives subsystem sv:sd of device v:d (its "\t\tsv sd  name" line), or null. */
  subsystem?(v: number, d: number, sv: number, sd: number): string | null
}

/** Where lspci's builds look (Debian: misc; Fedora, Arch: hwdata; pciutils' own install: share), each
 * also gzip-compressed. */
export const PCI_IDS_PATHS = ['/usr/share/misc', '/usr/share/hwdata', '/usr/share'].flatMap((d) => [`${d}/pci.ids`, `${d}/pci.ids.gz`])

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0')
const CHUNK = 1 << 18
const BISECT_WINDOW = 4096
/** The classes (about 12 KB at the end of pci.ids) are looked for in this much of the end first. */
const CLASS_TAIL = 64 * 1024
const NL = 10
/** A line that starts with one of these ends a vendor's block (the next vendor, or the classes). */
const BLOCK_ENDS = [...'0123456789abcdefC'].map((c) => Buffer.from('\n' + c, 'latin1'))
const VENDOR_STARTS = BLOCK_ENDS.slice(0, 16)

/** Reads up to buf.length bytes at pos; returns the count. */
export type ReadAt = (buf: Uint8Array, pos: number) => number

/** A file opened for the duration of one lookup: no fd outlives it. */
export interface IdsFile {
  size: number
  open(): { readAt: ReadAt; close(): void }
}

export class PciIds implements NameDb {
  private readonly file: IdsFile
  private readonly size: number
  /** the file, while a lookup runs */
  private reader: ReturnType<IdsFile['open']> | null = null
  private readonly buf = Buffer.allocUnsafe(CHUNK)
  private vendorAt = new Map<number, number>()
  /** a vendor's block of device lines, read once: the next lookup of its devices searches memory */
  private blocks = new Map<number, Buffer>()
  private names = new Map<string, string | null>()
  private classes: Map<string, string> | null = null
  /** the bisection's probes: each vendor's search starts with the same ones */
  private probes = new Map<string, { at: number; id: number } | null>()

  /** The file's text or bytes (tests), or a file to open for each lookup. */
  constructor(source: string | Uint8Array | IdsFile) {
    if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
      this.file = source
      this.size = source.size
      return
    }
    const all = typeof source === 'string' ? Buffer.from(source, 'latin1') : source
    const readAt: ReadAt = (buf, pos) => {
      const part = all.subarray(pos, pos + buf.length)
      buf.set(part)
      return part.length
    }
    this.file = { size: all.length, open: () => ({ readAt, close: () => {} }) }
    this.size = all.length
  }

  private read(pos: number, len: number): Buffer {
    try {
      this.reader ??= this.file.open()
      return this.buf.subarray(0, Math.max(0, this.reader.readAt(this.buf.subarray(0, Math.min(len, CHUNK)), pos)))
    } catch {
      return this.buf.subarray(0, 0) // the file went away: names are a nicety
    }
  }

  /** First offset in [from, to) where the needle starts, or `to`; chunks overlap by the needle's length. */
  private find(needle: Buffer, from: number, to: number): number {
    // Small reads first, growing: a match is often near (the end of a vendor's block).
    for (let pos = from, len = BISECT_WINDOW; pos < to; len = Math.min(CHUNK, len * 4)) {
      const b = this.read(pos, Math.min(len, to - pos))
      const i = b.indexOf(needle)
      if (i >= 0) return pos + i
      if (b.length < needle.length) break
      pos += b.length - needle.length + 1
    }
    return to
  }

  /** The text of the line at pos, without its newline. */
  private lineAt(pos: number): string {
    const b = this.read(pos, 1024)
    const eol = b.indexOf(NL)
    return b.toString('latin1', 0, eol < 0 ? b.length : eol)
  }

  private cached(key: string, find: () => string | null): string | null {
    const hit = this.names.get(key)
    if (hit !== undefined) return hit
    try {
      const name = find()
      this.names.set(key, name)
      return name
    } finally {
      this.release()
    }
  }

  private release(): void {
    const r = this.reader
    this.reader = null
    try {
      r?.close()
    } catch {
      // closing is best effort
    }
  }

  /** Where the vendor's line starts, or -1. In the vendor section a line that starts with hex is a vendor. */
  private vendorLine(v: number): number {
    const known = this.vendorAt.get(v)
    if (known !== undefined) return known
    // "vendor  vendor_name": with both spaces the needle is 7 bytes, which Node searches with skips.
    const id = `${hex(v, 4)}  `
    const needle = Buffer.from('\n' + id, 'latin1')
    let at = this.lineAt(0).startsWith(id) ? 0 : this.bisect(v, needle)
    // Not where the order puts it (a file not kept sorted, or no such vendor): the whole file, as before.
    if (at < 0) at = this.find(needle, 0, this.size) + 1
    if (at > this.size) at = -1
    this.vendorAt.set(v, at)
    return at
  }

  /** The first vendor line at or after pos: its offset and ID, or null before the end. */
  private nextVendor(pos: number, to: number): { at: number; id: number } | null {
    for (let p = pos, len = BISECT_WINDOW; p < to; len = Math.min(CHUNK, len * 2)) {
      const b = this.read(p, Math.min(len, to - p + 8))
      if (b.length === 0) return null
      // whole lines only, each after a newline; native searches for the lines that start with hex
      for (let from = 0; ; ) {
        let i = -1
        for (const s of VENDOR_STARTS) {
          const j = b.indexOf(s, from)
          if (j >= 0 && (i < 0 || j < i)) i = j
        }
        if (i < 0 || i + 7 >= b.length) break
        const line = b.toString('latin1', i + 1, i + 7)
        if (/^[0-9a-f]{4}  $/.test(line)) return { at: p + i + 1, id: parseInt(line.slice(0, 4), 16) }
        from = i + 1
      }
      const last = b.lastIndexOf(NL)
      if (last <= 0) return null
      p += last
    }
    return null
  }

  /** Binary search over the vendor lines, which pci.ids keeps sorted: a few windows of the file instead of
   * everything before the vendor. The line's offset, or -1 when the search does not find it there. */
  private bisect(v: number, needle: Buffer): number {
    let lo = 0
    let hi = this.size
    while (hi - lo > BISECT_WINDOW) {
      const mid = lo + Math.floor((hi - lo) / 2)
      const key = `${mid} ${hi}`
      let n = this.probes.get(key)
      if (n === undefined) this.probes.set(key, (n = this.nextVendor(mid, hi)))
      if (n === null || n.id > v) hi = mid + 1
      else if (n.id === v) return n.at
      else lo = n.at
    }
    const to = Math.min(this.size, hi + needle.length)
    const at = this.find(needle, lo, to)
    return at < to ? at + 1 : -1
  }

  /** End of the vendor's block: the next vendor's line, or the classes. pci.ids keeps vendors sorted
   * ("Please keep sorted"), so the first line that starts with the smallest digit at or above this
   * vendor's own first digit ends it; one search usually finds it. (Asked once per vendor: block() keeps
   * what it bounds.) */
  private blockEnd(v: number, from: number): number {
    let end = this.size
    for (const n of BLOCK_ENDS.slice(parseInt(hex(v, 4).slice(0, 1), 16))) {
      end = this.find(n, from, this.size)
      if (end < this.size) break
    }
    return end
  }

  vendor(v: number): string | null {
    return this.cached(hex(v, 4), () => {
      const at = this.vendorLine(v)
      return at < 0 ? null : this.lineAt(at).slice(6).trim()
    })
  }

  device(v: number, d: number): string | null {
    return this.cached(hex(v, 4) + hex(d, 4), () => {
      const at = this.vendorLine(v)
      if (at < 0) return null
      const block = this.block(v, at)
      // "<tab>device  device_name"
      const hit = block.indexOf(`\n\t${hex(d, 4)}  `, 0, 'latin1')
      if (hit < 0) return null
      const eol = block.indexOf(NL, hit + 1)
      return block.toString('latin1', hit + 1, eol < 0 ? block.length : eol).slice(7).trim()
    })
  }

  subsystem(v: number, d: number, sv: number, sd: number): string | null {
    return this.cached(hex(v, 4) + hex(d, 4) + hex(sv, 4) + hex(sd, 4), () => {
      const at = this.vendorLine(v)
      if (at < 0) return null
      const block = this.block(v, at)
      const hit = block.indexOf(`\n\t${hex(d, 4)}  `, 0, 'latin1')
      if (hit < 0) return null
      // The device's subsystem lines follow its own, up to the next device.
      const want = `\t\t${hex(sv, 4)} ${hex(sd, 4)}  `
      for (let pos = block.indexOf(NL, hit + 1) + 1; pos > 0 && pos < block.length; ) {
        const eol = block.indexOf(NL, pos)
        const line = block.toString('latin1', pos, eol < 0 ? block.length : eol)
        if (line.startsWith(want)) return line.slice(want.length).trim()
        if (!line.startsWith('\t\t') && !line.startsWith('#') && line !== '') return null
        pos = eol + 1
      }
      return null
    })
  }

  private block(v: number, at: number): Buffer {
    const known = this.blocks.get(v)
    if (known !== undefined) return known
    const from = at + this.lineAt(at).length
    const end = this.blockEnd(v, from)
    const out = Buffer.allocUnsafe(end - from)
    let n = 0
    while (n < out.length) {
      const b = this.read(from + n, out.length - n)
      if (b.length === 0) break
      out.set(b, n)
      n += b.length
    }
    const block = out.subarray(0, n)
    this.blocks.set(v, block)
    return block
  }

  private classTable(): Map<string, string> {
    if (this.classes !== null) return this.classes
    try {
      this.classes = this.parseClasses()
    } finally {
      this.release()
    }
    return this.classes
  }

  /** Where the classes begin: they follow the vendors, at the end of the file, so the end is searched
   * first; when no vendor line comes before the first class line found there, the whole file. */
  private classStart(): number {
    const c = Buffer.from('\nC ', 'latin1')
    const tail = Math.max(0, this.size - CLASS_TAIL)
    const at = this.find(c, tail, this.size)
    const vendor = tail > 0 && at < this.size ? this.nextVendor(tail, at) : null
    if (vendor !== null && vendor.at < at) return at + 1
    return this.find(c, 0, this.size) + 1
  }

  private parseClasses(): Map<string, string> {
    const m = new Map<string, string>()
    let cls = ''
    let sub = ''
    const start = this.classStart()
    let text = ''
    for (let pos = start; pos < this.size; ) {
      const b = this.read(pos, this.size - pos)
      if (b.length === 0) break
      text += b.toString('latin1')
      pos += b.length
    }
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue
      if (line.startsWith('C ')) {
        cls = line.slice(2, 4)
        m.set(cls, line.slice(6).trim())
      } else if (line[0] === '\t' && line[1] !== '\t') {
        sub = line.slice(1, 3)
        m.set(cls + sub, line.slice(5).trim())
      } else if (line.startsWith('\t\t')) {
        m.set(cls + sub + line.slice(2, 4), line.slice(6).trim())
      } else break
    }
    return m
  }

  className(c: number): string | null {
    const base = hex(c >> 16, 2)
    const sub = hex((c >> 8) & 0xff, 2)
    const t = this.classTable()
    return t.get(base + sub) ?? t.get(base) ?? null
  }
}

/** A gzip file (pci.ids.gz): read and inflated on the first lookup, so a run that names nothing does
 * not pay for node:zlib. */
function gzipIds(p: string): NameDb {
  let db: PciIds | null = null
  const load = (): PciIds => {
    if (db !== null) return db
    try {
      const zlib = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib')
      db = new PciIds(zlib.gunzipSync(readFileSync(p)))
    } catch {
      db = new PciIds('') // unreadable or corrupt: names are a nicety
    }
    return db
  }
  return {
    vendor: (v) => load().vendor(v),
    device: (v, d) => load().device(v, d),
    className: (c) => load().className(c),
    subsystem: (v, d, sv, sd) => load().subsystem(v, d, sv, sd),
  }
}

function isGzip(p: string): boolean {
  const fd = openSync(p, 'r')
  try {
    const b = Buffer.alloc(2)
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b
  } finally {
    closeSync(fd)
  }
}

/** pci.ids at path p, plain or gzip-compressed (told by its first bytes, as lspci -i takes either).
 * Throws when it cannot be read. Each lookup of a plain file opens and closes it: no fd outlives one. */
export function openPciIds(p: string): NameDb {
  const size = statSync(p).size
  if (isGzip(p)) return gzipIds(p)
  return new PciIds({
    size,
    open: () => {
      const fd = openSync(p, 'r')
      return { readAt: (buf, pos) => readSync(fd, buf, 0, buf.length, pos), close: () => closeSync(fd) }
    },
  })
}

/** The first readable pci.ids of lspci's search path, or null: names are a nicety and never fail a run. */
export function loadSystemPciIds(paths: readonly string[] = PCI_IDS_PATHS): NameDb | null {
  for (const p of paths) {
    try {
      return openPciIds(p)
    } catch {
      // try the next location
    }
  }
  return null
}
