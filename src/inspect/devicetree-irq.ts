// A node's interrupts as Linux resolves them (drivers/of/irq.c): of_irq_parse_one takes entry i of
// `interrupts-extended` (phandle + that controller's #interrupt-cells) or of `interrupts` (the
// interrupt parent's #interrupt-cells; the parent is `interrupt-parent`, inherited up the tree), then
// of_irq_parse_raw follows interrupt-map nexus nodes (interrupt-map-mask over the child's unit
// address + specifier) until a node with `interrupt-controller`. The GIC's specifiers are decoded;
// other controllers' cells stay raw with the controller named. The kernel's mapping is looked up in
// /sys/kernel/irq after the opens (withKernelIrqs; vfio-platform maps a device's interrupts on open).
import type { GicInterrupt, KernelIrq, OfInterrupt } from '../model/types.js'
import { available, busCells, cellsOf, DT_BASE, dtPath, findPhandle, has, nodeName, parentOf, strings, u32 } from './devicetree-props.js'
import { FsError, type FsReader } from './fs.js'

const MAX_PHANDLE_ARGS = 16
const MAX_HOPS = 64

/** of_irq_find_parent: interrupt-parent, else the parent node, until a node with #interrupt-cells. */
function findParent(fs: FsReader, child: string): string | null {
  let c: string | null = child
  for (let hops = 0; c !== null && hops < MAX_HOPS; hops++) {
    const ph = u32(fs, `${c}/interrupt-parent`)
    const p: string | null = ph === null ? parentOf(c) : findPhandle(fs, ph)
    if (p === null || has(fs, `${p}/#interrupt-cells`)) return p
    c = p
  }
  return null
}

interface Resolved {
  controller: string
  args: number[]
  nexus: string[]
}
type Parse = { ok: true; r: Resolved } | { ok: false; why: string }

/** of_irq_parse_raw: from (np, args) through any interrupt-map to an interrupt-controller. */
function parseRaw(fs: FsReader, addr: readonly number[] | null, np: string, args0: readonly number[]): Parse {
  let ipar: string | null = np
  let intsize = 0
  for (let hops = 0; ipar !== null && hops < MAX_HOPS; hops++) {
    const n = u32(fs, `${ipar}/#interrupt-cells`)
    if (n !== null) {
      intsize = n
      break
    }
    ipar = findParent(fs, ipar)
  }
  if (ipar === null) return { ok: false, why: 'no interrupt parent with #interrupt-cells' }
  if (args0.length !== intsize) return { ok: false, why: `${dtPath(ipar)} takes ${intsize} cells, the specifier has ${args0.length}` }
  // "the old linux trick": #address-cells from the parent itself, else up the tree, default 2
  let addrsize = 2
  for (let n: string | null = ipar; n !== null; n = parentOf(n)) {
    const v = u32(fs, `${n}/#address-cells`)
    if (v !== null) {
      addrsize = v
      break
    }
  }
  if (addrsize + intsize > MAX_PHANDLE_ARGS) return { ok: false, why: `${dtPath(ipar)}: #address-cells + #interrupt-cells over ${MAX_PHANDLE_ARGS}` }
  let match: number[] = [...Array.from({ length: addrsize }, (_, i) => addr?.[i] ?? 0), ...args0]
  let args = [...args0]
  const nexus: string[] = []
  for (let hops = 0; ipar !== null && hops < MAX_HOPS; hops++) {
    if (has(fs, `${ipar}/interrupt-controller`)) return { ok: true, r: { controller: ipar, args, nexus } }
    if (addrsize > 0 && addr === null) return { ok: false, why: `${dtPath(ipar)} maps by unit address and the node has no reg` }
    const imap = cellsOf(fs, `${ipar}/interrupt-map`)
    if (imap === null) {
      ipar = findParent(fs, ipar)
      continue
    }
    const mask = cellsOf(fs, `${ipar}/interrupt-map-mask`)
    let at = 0
    let found: { par: string; addr: number[]; spec: number[] } | null = null
    while (imap.length - at > addrsize + intsize + 1 && found === null) {
      let hit = true
      for (let i = 0; i < addrsize + intsize; i++) hit &&= (((match[i] ?? 0) ^ (imap[at + i] ?? 0)) & (mask?.[i] ?? 0xffffffff)) === 0
      at += addrsize + intsize
      const par = findPhandle(fs, imap[at] ?? 0)
      at++
      if (par === null) return { ok: false, why: `${dtPath(ipar)} interrupt-map names phandle ${imap[at - 1] ?? 0}, which no node has` }
      if (!available(fs, par)) hit = false
      const nint = u32(fs, `${par}/#interrupt-cells`)
      if (nint === null) return { ok: false, why: `${dtPath(par)} (in ${dtPath(ipar)} interrupt-map) has no #interrupt-cells` }
      const naddr = u32(fs, `${par}/#address-cells`) ?? 0
      if (naddr + nint > MAX_PHANDLE_ARGS || imap.length - at < naddr + nint) return { ok: false, why: `${dtPath(ipar)} interrupt-map is malformed` }
      if (hit) found = { par, addr: imap.slice(at, at + naddr), spec: imap.slice(at + naddr, at + naddr + nint) }
      at += naddr + nint
    }
    if (found === null) return { ok: false, why: `no entry of ${dtPath(ipar)} interrupt-map matches` }
    nexus.push(dtPath(ipar))
    match = [...found.addr, ...found.spec]
    args = found.spec
    intsize = found.spec.length
    addrsize = found.addr.length
    ipar = found.par
  }
  return { ok: false, why: 'no interrupt-controller at the end of the interrupt tree' }
}

/** of_parse_phandle_with_args(np, "interrupts-extended", "#interrupt-cells", index). */
function extendedEntry(fs: FsReader, ext: readonly number[], index: number): { np: string; args: number[] } | { why: string } | null {
  let i = 0
  for (let k = 0; i < ext.length; k++) {
    const ph = ext[i] ?? 0
    const np = ph === 0 ? null : findPhandle(fs, ph)
    if (ph !== 0 && np === null) return { why: `interrupts-extended names phandle ${ph}, which no node has` }
    const n = np === null ? 0 : u32(fs, `${np}/#interrupt-cells`)
    if (n === null || np === null && ph !== 0) return { why: `${np === null ? '?' : dtPath(np)} has no #interrupt-cells` }
    if (i + 1 + n > ext.length) return { why: 'interrupts-extended ends inside an entry' }
    if (k === index) return np === null ? { why: 'an empty interrupts-extended entry' } : { np, args: ext.slice(i + 1, i + 1 + n) }
    i += 1 + n
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

const isGic = (compat: readonly string[]): boolean => compat.some((c) => /^arm,(.*-)?gic(-v\d|-\d+)?$/.test(c) || c === 'arm,pl390' || c === 'qcom,msm-qgic2' || c === 'qcom,msm-8660-qgic')

/** The Arm GIC bindings: <type number flags>; GICv2 has SPI/PPI only, GICv3 adds ESPI/EPPI. */
function decodeGic(compat: readonly string[], cells: readonly number[]): GicInterrupt | null {
  if (!isGic(compat) || cells.length < 3) return null
  const type = cells[0] ?? -1
  if (type > 1 && !compat.includes('arm,gic-v3')) return null
  const k = GIC_KINDS[type]
  if (k === undefined) return null
  const n = cells[1] ?? 0
  const t = (cells[2] ?? 0) & 0xf
  return { kind: k.kind, number: n, hwirq: k.base + n, trigger: TRIGGERS[t] ?? `0x${t.toString(16)}` }
}

// ------------------------------------------------------------------ the kernel's word: /sys/kernel/irq

interface IrqDesc extends KernelIrq {
  actions: string[]
}
const kernelIrqs = new WeakMap<FsReader, IrqDesc[]>()

function readKernelIrqs(fs: FsReader): IrqDesc[] {
  const known = kernelIrqs.get(fs)
  if (known !== undefined) return known
  const out: IrqDesc[] = []
  try {
    collect(fs, out)
  } catch (e: unknown) {
    // unreadable (or a snapshot from before it was recorded): no mapping is known
    if (!(e instanceof FsError)) throw e
    out.length = 0
  }
  kernelIrqs.set(fs, out)
  return out
}

function collect(fs: FsReader, out: IrqDesc[]): void {
  for (const n of fs.list('/sys/kernel/irq') ?? []) {
    if (!/^\d+$/.test(n)) continue
    const hw = fs.readText(`/sys/kernel/irq/${n}/hwirq`)?.trim()
    if (hw === undefined || !/^\d+$/.test(hw)) continue
    const chip = fs.readText(`/sys/kernel/irq/${n}/chip_name`)?.trim() ?? ''
    const actions = (fs.readText(`/sys/kernel/irq/${n}/actions`)?.trim() ?? '').split(',').filter((x) => x !== '')
    const virq = Number(n)
    out.push({ virq, hwirq: Number(hw), type: fs.readText(`/sys/kernel/irq/${n}/type`)?.trim() || null, chip: chip === '' ? null : chip, actions })
  }
}

/** Whether a chip name can be this controller's: GIC chips are GIC*, not the MSI domains on top of it. */
function chipFits(name: string | null | undefined, controller: string, compat: readonly string[], gic: boolean): boolean {
  if (name === null || name === undefined) return true
  if (gic) return /^GIC/.test(name) && !/MSI|ITS|v2m/i.test(name)
  const base = controller.slice(controller.lastIndexOf('/') + 1)
  const unit = base.includes('@') ? base.slice(base.indexOf('@') + 1) : ''
  const nm = nodeName(controller)
  return name === nm || name === `${unit}.${nm}` || compat.some((c) => c.slice(c.indexOf(',') + 1) === name)
}

/**
 * The kernel's IRQ for a decoded (controller, hwirq), or null. hwirq numbers are per controller and
 * /sys/kernel/irq does not name the domain, so a claim needs evidence: an IRQ whose handler names the
 * device (vfio-platform's "vfio-irq[N](device)" while it is open), or, on a GIC, the one IRQ with that
 * ID (16 and up: no SGI) whose chip name, where given, is the GIC's. (/proc/interrupts lists only IRQs
 * with a handler, and a snapshot keeps only its chip names.)
 */
function kernelMapping(fs: FsReader, device: string, controller: string, compat: readonly string[], hwirq: number, gic: boolean): KernelIrq | null {
  const all = readKernelIrqs(fs).filter((k) => k.hwirq === hwirq)
  const fits = (k: IrqDesc): boolean => chipFits(k.chip, controller, compat, gic)
  const named = all.filter((k) => fits(k) && k.actions.some((a) => a.endsWith(`(${device})`)))
  const c = named.length > 0 ? named : gic && hwirq >= 16 ? all.filter(fits) : []
  const one = c.length === 1 ? c[0] : undefined
  return one === undefined ? null : { virq: one.virq, hwirq: one.hwirq, type: one.type, chip: one.chip }
}

/**
 * The device's DT interrupts with the kernel's mapping attached. Called after the VFIO opens:
 * vfio-platform maps a device's interrupts when it is opened, so a scan before would miss them.
 */
export function withKernelIrqs(fs: FsReader, device: string, irqs: readonly OfInterrupt[]): OfInterrupt[] {
  return irqs.map((q) => {
    if (q.controller === null || q.unresolved != null) return q
    const ctl = q.controller === '/' ? DT_BASE : DT_BASE + q.controller
    const compat = q.controllerCompatible ?? []
    const cells = q.controllerCells ?? q.cells
    // the GIC's ID from its binding; other one- and two-cell bindings put the line number first
    const hwirq = q.gic !== null ? q.gic.hwirq : isGic(compat) ? null : (cells[0] ?? null)
    const kernel = hwirq === null ? null : kernelMapping(fs, device, ctl, compat, hwirq, isGic(compat))
    return { ...q, kernel, source: kernel === null ? 'devicetree' : 'kernel' }
  })
}

// ------------------------------------------------------------------------------------------ entries

/** The node's reg for interrupt-map lookups; unreadable counts as absent (only a map by unit address needs it). */
function regCells(fs: FsReader, node: string): number[] | null {
  try {
    return cellsOf(fs, `${node}/reg`)
  } catch (e: unknown) {
    if (e instanceof FsError) return null
    throw e
  }
}

/** of_irq_parse_one(node, index): null when there is no entry `index`. */
function parseOne(fs: FsReader, node: string, index: number): { raw: number[]; np: string | null; parse: Parse } | null {
  const addr = regCells(fs, node)
  const ext = cellsOf(fs, `${node}/interrupts-extended`)
  if (ext !== null) {
    const e = extendedEntry(fs, ext, index)
    if (e !== null && 'np' in e) return { raw: e.args, np: e.np, parse: parseRaw(fs, addr, e.np, e.args) }
    // a failed interrupts-extended lookup falls back to `interrupts`, as the kernel does
  }
  const raw = cellsOf(fs, `${node}/interrupts`)
  if (raw === null) return null
  const p = findParent(fs, node)
  const n = p === null ? null : u32(fs, `${p}/#interrupt-cells`)
  if (p === null || n === null) return index === 0 ? { raw, np: p, parse: { ok: false, why: 'no interrupt parent with #interrupt-cells' } } : null
  if ((index + 1) * n > raw.length || n === 0) return null
  const args = raw.slice(index * n, (index + 1) * n)
  return { raw: args, np: p, parse: parseRaw(fs, addr, p, args) }
}

export function readInterrupts(fs: FsReader, node: string): OfInterrupt[] | null {
  if (!has(fs, `${node}/interrupts-extended`) && !has(fs, `${node}/interrupts`)) return null
  const names = strings(fs, `${node}/interrupt-names`)
  const out: OfInterrupt[] = []
  for (let i = 0; i < 1024; i++) {
    const one = parseOne(fs, node, i)
    if (one === null) break
    const name = names?.[i] ?? null
    if (!one.parse.ok) {
      const ctl = one.np === null ? null : dtPath(one.np)
      out.push({ index: i, name, controller: ctl, cells: one.raw, gic: null, nexus: [], controllerCells: one.raw, unresolved: one.parse.why, kernel: null, source: 'devicetree' })
      continue
    }
    const { controller, args, nexus } = one.parse.r
    const compat = strings(fs, `${controller}/compatible`) ?? []
    const gic = decodeGic(compat, args)
    out.push({ index: i, name, controller: dtPath(controller), cells: one.raw, gic, controllerCompatible: compat, nexus, controllerCells: args, unresolved: null, kernel: null, source: 'devicetree' })
  }
  return out
}

