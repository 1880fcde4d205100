// A device's device-tree node beyond path and compatible: its `reg` entries (bus address, size, CPU
// address through every `ranges` level) and its interrupt specifiers (devicetree-irq.ts).
// vfio-platform region i is the node's resource i and IRQ index i its interrupt i; vfio-amba has
// reg 0 and interrupts 0..n. Everything is read through FsReader under /sys/firmware/devicetree/base,
// so --save/--from record and replay it. Address translation is Linux's __of_translate_address
// (drivers/of/address.c): the bus types it matches, their cell counts and flags, empty ranges as
// identity, a missing `ranges` or an address no window covers as untranslatable.
import type { OfInterrupt, OfReg } from '../model/types.js'
import { readInterrupts } from './devicetree-irq.js'
import { busCells, cellsOf, DT_BASE, dtPath, joinCells, nodeName, parentOf, strings } from './devicetree-props.js'
import { FsError, type FsReader } from './fs.js'

export { DT_BASE } from './devicetree-props.js'

type BusKind = NonNullable<OfReg['bus']>

const IORESOURCE_IO = 0x100
const IORESOURCE_MEM = 0x200

/** of_match_bus: PCI (device_type, or a node named pcie), ISA (named isa), 3 address cells, default. */
function matchBus(fs: FsReader, np: string): BusKind {
  const type = strings(fs, `${np}/device_type`)?.[0]
  if (type === 'pci' || type === 'pciex' || type === 'vci' || type === 'ht' || nodeName(np) === 'pcie') return 'pci'
  if (nodeName(np) === 'isa') return 'isa'
  if (busCells(fs, np, '#address-cells') === 3) return 'default-flags'
  return 'default'
}

const flagCells = (b: BusKind): number => (b === 'default' ? 0 : 1)

/** count_cells of the bus `bus` for its child `dev`: PCI 3/2 and ISA 2/1 are fixed; others of_n_*_cells. */
function countCells(fs: FsReader, bus: BusKind, dev: string): [number, number] {
  if (bus === 'pci') return [3, 2]
  if (bus === 'isa') return [2, 1]
  const p = parentOf(dev) ?? dev
  return [busCells(fs, p, '#address-cells'), busCells(fs, p, '#size-cells')]
}

const countsOk = (na: number, ns: number): boolean => na > 0 && na <= 4 && ns > 0

/** get_flags: the resource type Linux gives an address of this bus. */
function busFlags(bus: BusKind, first: number): number {
  if (bus === 'default') return IORESOURCE_MEM
  if (bus === 'default-flags') return first
  if (bus === 'isa') return first & 1 ? IORESOURCE_IO : IORESOURCE_MEM
  const space = (first >>> 24) & 3
  return space === 1 ? IORESOURCE_IO : space >= 2 ? IORESOURCE_MEM : 0
}

/** bus->map: the offset of `addr` in one ranges entry, or null when the entry does not cover it. */
function mapOne(bus: BusKind, addr: readonly number[], range: readonly number[], na: number, ns: number, pna: number): bigint | null {
  if (bus === 'default-flags' && addr[0] !== range[0]) return null
  if (bus === 'isa' && ((addr[0] ?? 0) ^ (range[0] ?? 0)) & 1) return null
  if (bus === 'pci' && (busFlags('pci', addr[0] ?? 0) ^ busFlags('pci', range[0] ?? 0)) & (IORESOURCE_MEM | IORESOURCE_IO)) return null
  const fna = flagCells(bus)
  const cp = joinCells(range.slice(fna, na))
  const s = joinCells(range.slice(na + pna, na + pna + ns))
  const da = joinCells(addr.slice(fna, na))
  if (da < cp || da >= BigInt.asUintN(64, cp + s)) return null
  return da - cp
}

/** bus->translate: add the offset to the parent address (a flags cell is kept). */
function addOffset(bus: BusKind, addr: number[], offset: bigint, na: number): number[] {
  const fna = flagCells(bus)
  const a = BigInt.asUintN(64, joinCells(addr.slice(fna, na)) + offset)
  const out = addr.slice(0, na)
  for (let i = fna; i < na; i++) out[i] = 0
  if (na - fna > 1) out[na - 2] = Number((a >> 32n) & 0xffffffffn)
  if (na - fna > 0) out[na - 1] = Number(a & 0xffffffffn)
  return out
}

type Translation = { ok: true; address: bigint } | { ok: false; why: string }

/** __of_translate_address(dev, in_addr, "ranges"): up to the root, one `ranges` level at a time. */
export function translateAddress(fs: FsReader, node: string, inAddr: readonly number[]): Translation {
  let dev = node
  let parent = parentOf(dev)
  if (parent === null) return { ok: false, why: 'the root has no parent bus' }
  let bus = matchBus(fs, parent)
  let [na, ns] = countCells(fs, bus, dev)
  if (!countsOk(na, ns)) return { ok: false, why: `bad cell count under ${dtPath(parent)} (#address-cells ${na}, #size-cells ${ns})` }
  let addr = inAddr.slice(0, na)
  for (;;) {
    dev = parent
    parent = parentOf(dev)
    if (parent === null) return { ok: true, address: joinCells(addr) }
    const pbus = matchBus(fs, parent)
    const [pna, pns] = countCells(fs, pbus, dev)
    if (!countsOk(pna, pns)) return { ok: false, why: `bad cell count under ${dtPath(parent)} (#address-cells ${pna}, #size-cells ${pns})` }
    const raw = fs.readBytes(`${dev}/ranges`)
    if (raw === null) return { ok: false, why: `${dtPath(dev)} has no ranges (not translatable)` }
    let offset: bigint | null = null
    let next: number[] = []
    if (raw.length === 0) {
      offset = joinCells(addr)
      next = new Array<number>(pna).fill(0)
    } else {
      const ranges = cellsOf(fs, `${dev}/ranges`) ?? []
      const rone = na + pna + ns
      for (let i = 0; i + rone <= ranges.length && offset === null; i += rone) {
        offset = mapOne(bus, addr, ranges.slice(i, i + rone), na, ns, pna)
        if (offset !== null) next = ranges.slice(i + na, i + na + pna)
      }
      if (offset === null) return { ok: false, why: `no window of ${dtPath(dev)} ranges covers it${bus === 'default' ? '' : ` (${bus} bus: the flags must match too)`}` }
    }
    addr = addOffset(pbus, next, offset, pna)
    na = pna
    ns = pns
    bus = pbus
  }
}

function readReg(fs: FsReader, node: string): OfReg[] | null {
  const reg = cellsOf(fs, `${node}/reg`)
  const parent = parentOf(node)
  if (reg === null || parent === null) return null
  const bus = matchBus(fs, parent)
  const [na, ns] = countCells(fs, bus, node)
  const width = na + ns
  if (width === 0 || na > 4) return null
  const names = strings(fs, `${node}/reg-names`)
  const out: OfReg[] = []
  let resources = true // of_address_count: entries up to the first that fails
  for (let i = 0; (i + 1) * width <= reg.length; i++) {
    const cells = reg.slice(i * width, (i + 1) * width)
    const fna = flagCells(bus)
    // A PCI child's reg is phys.hi/mid/lo naming the function; its BARs are in assigned-addresses.
    const address = bus !== 'pci' && na - fna <= 2 ? joinCells(cells.slice(fna, na)) : null
    const size = bus !== 'pci' && ns <= 2 ? joinCells(cells.slice(na)) : null
    const t = translateAddress(fs, node, cells)
    const type = busFlags(bus, cells[0] ?? 0)
    resources &&= bus !== 'pci' && t.ok && (type & (IORESOURCE_MEM | IORESOURCE_IO)) !== 0
    out.push({
      index: i,
      name: names?.[i] ?? null,
      cells,
      address,
      size,
      cpuAddress: t.ok ? t.address : null,
      bus,
      flags: fna === 1 ? (cells[0] ?? null) : null,
      untranslatable: t.ok ? null : t.why,
      resource: resources,
      source: 'devicetree',
    })
  }
  return out
}

/** of_device_make_bus_id names an OF platform/AMBA device "<reg 0 translated>.<node name>": the kernel's word on reg 0. */
function withKernelName(reg: OfReg[] | null, deviceName: string | undefined, node: string): OfReg[] | null {
  const m = deviceName === undefined ? null : /^([0-9a-f]+)\.(.+)$/.exec(deviceName)
  const first = reg?.[0]
  if (reg === null || m === null || first === undefined || !(m[2] ?? '').startsWith(nodeName(node))) return reg
  const kernel = BigInt(`0x${m[1] ?? ''}`)
  return [{ ...first, cpuAddress: kernel, untranslatable: null, source: 'kernel' }, ...reg.slice(1)]
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

/**
 * reg and interrupts of the node at `node`, an absolute /sys/firmware/devicetree/base/... path.
 * `deviceName` (dev_name of a platform/AMBA device) lets the kernel's own translation of reg 0 win.
 */
export function readDtResources(fs: FsReader, node: string, deviceName?: string): { reg: OfReg[] | null; interrupts: OfInterrupt[] | null } {
  if (!node.startsWith(DT_BASE)) return { reg: null, interrupts: null }
  return {
    reg: guarded(() => withKernelName(readReg(fs, node), deviceName, node)),
    interrupts: guarded(() => readInterrupts(fs, node)),
  }
}
