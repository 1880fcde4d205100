// Reading device-tree properties under /sys/firmware/devicetree/base through FsReader (so --save and
// --from record and replay them): cells, strings, parents, phandles, as drivers/of/base.c reads them.
import { posix } from 'node:path'
import type { FsReader } from './fs.js'

export const DT_BASE = '/sys/firmware/devicetree/base'

/** A property as big-endian u32 cells; null when absent or not a whole number of cells. */
export function cellsOf(fs: FsReader, path: string): number[] | null {
  const raw = fs.readBytes(path)
  if (raw === null || raw.length % 4 !== 0) return null
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const out: number[] = []
  for (let i = 0; i < raw.length; i += 4) out.push(v.getUint32(i, false))
  return out
}

/** of_property_read_u32: the first cell; null when absent or shorter than one cell. */
export function u32(fs: FsReader, path: string): number | null {
  const raw = fs.readBytes(path)
  if (raw === null || raw.length < 4) return null
  return new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false)
}

export function has(fs: FsReader, path: string): boolean {
  return fs.readBytes(path) !== null
}

export function strings(fs: FsReader, path: string): string[] | null {
  const raw = fs.readBytes(path)
  return raw === null ? null : Buffer.from(raw).toString('latin1').split('\0').slice(0, -1)
}

export function parentOf(node: string): string | null {
  return node === DT_BASE ? null : posix.dirname(node)
}

/** "/soc/bus@0" for a node under DT_BASE. */
export function dtPath(node: string): string {
  return node.slice(DT_BASE.length) || '/'
}

/** The node name without its unit address ("bus" for bus@a003000), as of_node_name_eq compares. */
export function nodeName(node: string): string {
  const base = posix.basename(node)
  const at = base.indexOf('@')
  return at < 0 ? base : base.slice(0, at)
}

/** of_device_is_available: no status, or "okay"/"ok". */
export function available(fs: FsReader, node: string): boolean {
  const s = strings(fs, `${node}/status`)?.[0]
  return s === undefined || s === 'okay' || s === 'ok'
}

/** of_read_number: the cells as one number (the kernel keeps the low 64 bits; so does BigInt.asUintN). */
export function joinCells(cells: readonly number[]): bigint {
  return BigInt.asUintN(64, cells.reduce((acc, c) => (acc << 32n) | BigInt(c), 0n))
}

/** of_bus_n_addr_cells / of_bus_n_size_cells: the nearest node from `from` up that has the property. */
export function busCells(fs: FsReader, from: string | null, prop: '#address-cells' | '#size-cells'): number {
  for (let n = from; n !== null; n = parentOf(n)) {
    const v = u32(fs, `${n}/${prop}`)
    if (v !== null) return v
  }
  return prop === '#address-cells' ? 2 : 1 // OF_ROOT_NODE_*_CELLS_DEFAULT
}

/** phandle → node path, filled breadth-first from the root as lookups need it (one walk per reader). */
interface PhandleIndex {
  found: Map<number, string>
  queue: string[]
}
const indexes = new WeakMap<FsReader, PhandleIndex>()
const MAX_NODES = 4096

export function findPhandle(fs: FsReader, phandle: number): string | null {
  let ix = indexes.get(fs)
  if (ix === undefined) {
    ix = { found: new Map(), queue: [DT_BASE] }
    indexes.set(fs, ix)
  }
  let visited = 0
  while (!ix.found.has(phandle) && ix.queue.length > 0 && visited++ < MAX_NODES) {
    const dir = ix.queue.shift() as string
    for (const e of fs.list(dir) ?? []) {
      const child = `${dir}/${e}`
      const entries = fs.list(child) // null for a property file
      if (entries === null) continue
      if (entries.includes('phandle')) {
        const p = u32(fs, `${child}/phandle`)
        if (p !== null) ix.found.set(p, child)
      }
      ix.queue.push(child)
    }
  }
  return ix.found.get(phandle) ?? null
}
