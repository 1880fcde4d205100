// A device's device-tree node beyond path and compatible: its `reg` entries (bus address, size, CPU
// address through the ancestors' `ranges`) and its interrupt specifiers (controller, cells, GIC
// decoding). vfio-platform region i is the node's reg entry i and IRQ index i its interrupt i
// (platform_get_resource / platform_get_irq order); vfio-amba has reg 0 and interrupts 0..n.
// Everything is read through FsReader under /sys/firmware/devicetree/base, so --save/--from record
// and replay it. The rules follow Linux's of_address.c and of_irq.c.
import { posix } from 'node:path'
import type { GicInterrupt, OfInterrupt, OfReg } from '../model/types.js'
import { FsError, type FsReader } from './fs.js'

export const DT_BASE = '/sys/firmware/devicetree/base'

/** A property as big-endian u32 cells; null when absent or not a whole number of cells. */
function cellsOf(fs: FsReader, path: string): number[] | null {
  const raw = fs.readBytes(path)
  if (raw === null || raw.length % 4 !== 0) return null
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const out: number[] = []
  for (let i = 0; i < raw.length; i += 4) out.push(v.getUint32(i, false))
  return out
}

function u32(fs: FsReader, path: string): number | null {
  const c = cellsOf(fs, path)
  return c !== null && c.length === 1 ? (c[0] ?? null) : null
}

function strings(fs: FsReader, path: string): string[] | null {
  const raw = fs.readBytes(path)
  return raw === null ? null : Buffer.from(raw).toString('latin1').split('\0').slice(0, -1)
}

function parentOf(node: string): string | null {
  return node === DT_BASE ? null : posix.dirname(node)
}

/** of_bus_n_addr_cells / of_bus_n_size_cells: the nearest node from `from` up that has the property. */
function busCells(fs: FsReader, from: string | null, prop: '#address-cells' | '#size-cells'): number {
  for (let n = from; n !== null; n = parentOf(n)) {
    const v = u32(fs, `${n}/${prop}`)
    if (v !== null) return v
  }
  return prop === '#address-cells' ? 2 : 1 // OF_ROOT_NODE_*_CELLS_DEFAULT on arm64
}

function join(cells: readonly number[]): bigint {
  return cells.reduce((acc, c) => (acc << 32n) | BigInt(c), 0n)
}

function isPciBus(fs: FsReader, node: string): boolean {
  return strings(fs, `${node}/device_type`)?.[0] === 'pci'
}

/**
 * __of_translate_address for the default bus: up through each bus's `ranges` (absent = not
 * translatable, empty = identity) to the root. null when a bus does not map the address or is PCI.
 */
function translate(fs: FsReader, node: string, addr: bigint, na: number): bigint | null {
  let bus = parentOf(node)
  let a = addr
  let childCells = na
  while (bus !== null && bus !== DT_BASE) {
    if (isPciBus(fs, bus)) return null
    const ranges = cellsOf(fs, `${bus}/ranges`)
    if (ranges === null) return null
    const up = parentOf(bus)
    const pna = busCells(fs, up, '#address-cells')
    const ns = busCells(fs, bus, '#size-cells')
    if (ranges.length > 0) {
      const width = childCells + pna + ns
      if (ranges.length % width !== 0) return null
      let mapped: bigint | null = null
      for (let i = 0; i < ranges.length && mapped === null; i += width) {
        const child = join(ranges.slice(i, i + childCells))
        const parent = join(ranges.slice(i + childCells, i + childCells + pna))
        const size = join(ranges.slice(i + childCells + pna, i + width))
        if (a >= child && a < child + size) mapped = parent + (a - child)
      }
      if (mapped === null) return null
      a = mapped
    }
    childCells = pna
    bus = up
  }
  return a
}

function readReg(fs: FsReader, node: string): OfReg[] | null {
  const reg = cellsOf(fs, `${node}/reg`)
  if (reg === null) return null
  const bus = parentOf(node)
  const na = busCells(fs, bus, '#address-cells')
  const ns = busCells(fs, bus, '#size-cells')
  const width = na + ns
  if (width === 0 || reg.length % width !== 0) return null
  const names = strings(fs, `${node}/reg-names`)
  const pci = bus !== null && isPciBus(fs, bus)
  const out: OfReg[] = []
  for (let i = 0; i * width < reg.length; i++) {
    const cells = reg.slice(i * width, (i + 1) * width)
    // A PCI child's 3 address cells are phys.hi/mid/lo, not a plain address.
    const address = !pci && na <= 2 ? join(cells.slice(0, na)) : null
    const size = !pci && ns <= 2 ? join(cells.slice(na)) : null
    out.push({ index: i, name: names?.[i] ?? null, cells, address, size, cpuAddress: address === null ? null : translate(fs, node, address, na) })
  }
  return out
}

// ------------------------------------------------------------------------------------ interrupts

/** phandle → node path, filled breadth-first from the root as lookups need it (one walk per reader). */
interface PhandleIndex {
  found: Map<number, string>
  queue: string[]
}
const indexes = new WeakMap<FsReader, PhandleIndex>()
const MAX_NODES = 4096

function findPhandle(fs: FsReader, phandle: number): string | null {
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

/** of_irq_find_parent: interrupt-parent, else the parent node, until a node with #interrupt-cells. */
function interruptParent(fs: FsReader, node: string): string | null {
  let p: string | null = node
  for (let hops = 0; p !== null && hops < 64; hops++) {
    const ph = u32(fs, `${p}/interrupt-parent`)
    p = ph === null ? parentOf(p) : findPhandle(fs, ph)
    if (p !== null && u32(fs, `${p}/#interrupt-cells`) !== null) return p
  }
  return null
}

const TRIGGERS: Record<number, string> = { 0: 'none', 1: 'edge-rising', 2: 'edge-falling', 3: 'edge-both', 4: 'level-high', 8: 'level-low' }
const GIC_KINDS = [
  { kind: 'SPI', base: 32 },
  { kind: 'PPI', base: 16 },
  { kind: 'ESPI', base: 4096 },
  { kind: 'EPPI', base: 1056 },
] as const

/** The Arm GIC binding (arm,gic.yaml / arm,gic-v3.yaml): <type number flags>. */
function decodeGic(fs: FsReader, controller: string, cells: readonly number[]): GicInterrupt | null {
  const compat = strings(fs, `${controller}/compatible`) ?? []
  if (!compat.some((c) => /^arm,.*gic/.test(c)) || cells.length < 3) return null
  const k = GIC_KINDS[cells[0] ?? -1]
  const n = cells[1] ?? 0
  if (k === undefined) return null
  const t = (cells[2] ?? 0) & 0xf
  return { kind: k.kind, number: n, hwirq: k.base + n, trigger: TRIGGERS[t] ?? `0x${t.toString(16)}` }
}

function entry(fs: FsReader, index: number, name: string | null, controller: string | null, cells: number[]): OfInterrupt {
  return {
    index,
    name,
    controller: controller === null ? null : controller.slice(DT_BASE.length) || '/',
    cells,
    gic: controller === null ? null : decodeGic(fs, controller, cells),
  }
}

function readInterrupts(fs: FsReader, node: string): OfInterrupt[] | null {
  const names = strings(fs, `${node}/interrupt-names`)
  const ext = cellsOf(fs, `${node}/interrupts-extended`)
  if (ext !== null) {
    // <phandle cells...> per entry, each with its own controller's #interrupt-cells
    const out: OfInterrupt[] = []
    for (let i = 0; i < ext.length; ) {
      const ctrl = findPhandle(fs, ext[i] ?? 0)
      const n = ctrl === null ? null : u32(fs, `${ctrl}/#interrupt-cells`)
      if (ctrl === null || n === null) return null
      out.push(entry(fs, out.length, names?.[out.length] ?? null, ctrl, ext.slice(i + 1, i + 1 + n)))
      i += 1 + n
    }
    return out
  }
  const raw = cellsOf(fs, `${node}/interrupts`)
  if (raw === null) return null
  const ctrl = interruptParent(fs, node)
  const n = ctrl === null ? null : u32(fs, `${ctrl}/#interrupt-cells`)
  if (n === null || n === 0 || raw.length % n !== 0) {
    // the controller is unknown: one entry with all cells, so nothing is hidden
    return [entry(fs, 0, names?.[0] ?? null, null, raw)]
  }
  const out: OfInterrupt[] = []
  for (let i = 0; i * n < raw.length; i++) out.push(entry(fs, i, names?.[i] ?? null, ctrl, raw.slice(i * n, (i + 1) * n)))
  return out
}

function guarded<T>(f: () => T): T | null {
  try {
    return f()
  } catch (e: unknown) {
    // An unreadable property (or a snapshot from before these were recorded) leaves the field unknown.
    if (e instanceof FsError) return null
    throw e
  }
}

/** reg and interrupts of the node at `node`, an absolute /sys/firmware/devicetree/base/... path. */
export function readDtResources(fs: FsReader, node: string): { reg: OfReg[] | null; interrupts: OfInterrupt[] | null } {
  if (!node.startsWith(DT_BASE)) return { reg: null, interrupts: null }
  return { reg: guarded(() => readReg(fs, node)), interrupts: guarded(() => readInterrupts(fs, node)) }
}
