// Ground truth about every device bound to vfio-platform / vfio-amba, from sources other than lsvfio:
// sysfs links and uevent, the device tree under /sys/firmware/devicetree/base (decoded here, by the
// rules of Linux's drivers/of/address.c and irq.c, with its own code), /proc/iomem, /sys/kernel/irq
// (which IRQs lsvfio's opens created), the AMBA resource file,
// /sys/kernel/iommu_groups and /dev/vfio. Plain Node, no imports from the repository. JSON on stdout.
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync, existsSync } from 'node:fs'
import { release } from 'node:os'

const BASE = '/sys/firmware/devicetree/base'
const hex = (n) => '0x' + n.toString(16)
const tryRead = (p) => {
  try {
    return readFileSync(p)
  } catch {
    return null
  }
}
const text = (p) => tryRead(p)?.toString('utf8').trim() ?? null

// --- device tree, decoded by the specification (devicetree-specification v0.4, §2.3, §2.4) as Linux reads it
const prop = (node, name) => tryRead(`${node}/${name}`)
const u32s = (buf) => {
  const out = []
  for (let o = 0; o + 4 <= buf.length; o += 4) out.push(buf.readUInt32BE(o))
  return out
}
const strs = (buf) => (buf === null ? null : buf.toString('latin1').replace(/\0$/, '').split('\0'))
const up = (node) => node.slice(0, node.lastIndexOf('/'))
const cellsProp = (node, name) => {
  const b = prop(node, name)
  return b === null ? null : u32s(b)[0]
}
// #address-cells/#size-cells apply to the children of the node that has them; search upwards as Linux does
function cellCount(bus, name, dflt) {
  for (let n = bus; n.length >= BASE.length; n = up(n)) {
    const v = cellsProp(n, name)
    if (v !== undefined && v !== null) return v
    if (n === BASE) break
  }
  return dflt
}
const num = (cells) => cells.reduce((a, c) => a * 0x100000000n + BigInt(c), 0n)

// walk every node once: phandle -> path
const phandles = new Map()
;(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue
    const p = `${dir}/${e.name}`
    const ph = prop(p, 'phandle')
    if (ph !== null) phandles.set(ph.readUInt32BE(0), p)
    walk(p)
  }
})(BASE)
const baseName = (n) => n.slice(n.lastIndexOf('/') + 1).split('@')[0]
const okStatus = (n) => ['okay', 'ok', undefined].includes(strs(prop(n, 'status'))?.[0])
const dtp = (n) => n.slice(BASE.length) || '/'
const own = (n, name) => (prop(n, name) === null ? null : u32s(prop(n, name))[0])
const low64 = (x) => x & 0xffffffffffffffffn

// --- addresses. Linux (drivers/of/address.c) picks a bus type by the PARENT node: "pci" by
// device_type (pci, pciex, vci, ht) or a node called pcie (3 address + 2 size cells, phys.hi space
// bits 25:24 must agree); "isa" by name (2 + 1, bit 0 of the first cell must agree); any bus with
// #address-cells 3 carries a flags cell that must be equal; else plain. Translation fails without
// `ranges`, with no covering window, or with a cell count outside 1..4 / size 0.
function busOf(parent) {
  const dt = strs(prop(parent, 'device_type'))?.[0]
  if (['pci', 'pciex', 'vci', 'ht'].includes(dt) || baseName(parent) === 'pcie') return { kind: 'pci', ac: 3, sc: 2, flag: 1 }
  if (baseName(parent) === 'isa') return { kind: 'isa', ac: 2, sc: 1, flag: 1 }
  const ac = cellCount(parent, '#address-cells', 2)
  const sc = cellCount(parent, '#size-cells', 1)
  return ac === 3 ? { kind: 'default-flags', ac, sc, flag: 1 } : { kind: 'default', ac, sc, flag: 0 }
}
const pciSpace = (hi) => [0, 0x100, 0x200, 0x200][(hi >>> 24) & 3]
function sameKind(kind, a, r) {
  if (kind === 'default-flags') return a === r
  if (kind === 'isa') return (a & 1) === (r & 1)
  if (kind === 'pci') return pciSpace(a) === pciSpace(r)
  return true
}
// cells: the address in `child`'s parent's space; returns { cells in the next space } or a reason
function upOne(child, cells) {
  const bus = up(child) // the node whose ranges map its children's addresses
  const here = busOf(bus)
  const above = busOf(up(bus))
  if (!(above.ac >= 1 && above.ac <= 4 && above.sc > 0)) return { why: 'cells' }
  const raw = prop(bus, 'ranges')
  if (raw === null) return { why: 'no-ranges' }
  const value = num(cells.slice(here.flag))
  if (raw.length === 0) {
    const v = low64(num(cells))
    return { cells: place(new Array(above.ac).fill(0), above.flag, v) }
  }
  const r = u32s(raw)
  const w = here.ac + above.ac + here.sc
  for (let i = 0; i + w <= r.length; i += w) {
    const childStart = num(r.slice(i + here.flag, i + here.ac))
    const len = num(r.slice(i + here.ac + above.ac, i + w))
    if (!sameKind(here.kind, cells[0], r[i])) continue
    if (value < childStart || value >= low64(childStart + len)) continue
    const parentCells = r.slice(i + here.ac, i + here.ac + above.ac)
    const base = num(parentCells.slice(above.flag))
    return { cells: place(parentCells.slice(), above.flag, low64(base + value - childStart)) }
  }
  return { why: 'no-window' }
}
// write v into the last cells after `skip` flag cells (at most 2 cells, as the kernel's u64)
function place(cells, skip, v) {
  for (let i = skip; i < cells.length; i++) cells[i] = 0
  if (cells.length - skip >= 1) cells[cells.length - 1] = Number(v & 0xffffffffn)
  if (cells.length - skip >= 2) cells[cells.length - 2] = Number((v >> 32n) & 0xffffffffn)
  return cells
}
function cpuOf(node, cells) {
  const b = busOf(up(node))
  if (!(b.ac >= 1 && b.ac <= 4 && b.sc > 0)) return { why: 'cells' }
  let at = node
  let c = cells.slice(0, b.ac)
  while (up(at) !== BASE) {
    const r = upOne(at, c)
    if (r.why) return r
    c = r.cells
    at = up(at)
  }
  return { address: low64(num(c)) }
}

function regOf(node) {
  const b = prop(node, 'reg')
  if (b === null) return null
  const bus = busOf(up(node))
  const { ac, sc } = bus
  const c = u32s(b)
  const names = strs(prop(node, 'reg-names'))
  const entries = []
  let stillResources = true
  for (let i = 0; (i + 1) * (ac + sc) <= c.length; i++) {
    const cells = c.slice(i * (ac + sc), (i + 1) * (ac + sc))
    const t = cpuOf(node, cells)
    const kind = bus.kind === 'default' ? 0x200 : bus.kind === 'default-flags' ? cells[0] : bus.kind === 'isa' ? (cells[0] & 1 ? 0x100 : 0x200) : pciSpace(cells[0])
    stillResources = stillResources && bus.kind !== 'pci' && t.address !== undefined && (kind & 0x300) !== 0
    const e = { cells, name: names?.[i] ?? null, bus: bus.kind, flags: bus.flag ? cells[0] : null, cpuAddress: t.address === undefined ? null : hex(t.address), untranslatable: t.why ?? null, resource: stillResources }
    if (bus.kind === 'pci') Object.assign(e, { address: null, size: null, devfn: (cells[0] >> 8) & 0xff })
    else Object.assign(e, { address: hex(num(cells.slice(bus.flag, ac))), size: hex(num(cells.slice(ac))) })
    entries.push(e)
  }
  return { addressCells: ac, sizeCells: sc, entries }
}

// --- interrupts. Linux (drivers/of/irq.c): entry i of interrupts-extended (phandle + that node's
// #interrupt-cells), else of `interrupts` read with the interrupt parent's #interrupt-cells (the
// parent: interrupt-parent, else the parent node, repeated until a node with #interrupt-cells).
// Then, until a node with interrupt-controller: a node with interrupt-map looks up
// (unit address ++ specifier) & interrupt-map-mask, the unit address having the map node's
// #address-cells (inherited, default 2) and the next level the target's own (default 0).
function irqParent(n) {
  for (let hops = 0; n !== null && hops < 64; hops++) {
    const ph = own(n, 'interrupt-parent')
    const p = ph === null ? (n === BASE ? null : up(n)) : phandles.get(ph) ?? null
    if (p === null || prop(p, '#interrupt-cells') !== null) return p
    n = p
  }
  return null
}
function follow(start, spec, unit) {
  let at = start
  while (at !== null && own(at, '#interrupt-cells') === null) at = irqParent(at)
  if (at === null || own(at, '#interrupt-cells') !== spec.length) return { why: 'no parent' }
  let acN = at
  while (own(acN, '#address-cells') === null && acN !== BASE) acN = up(acN)
  let key = [...Array.from({ length: own(acN, '#address-cells') ?? 2 }, (_, i) => unit?.[i] ?? 0), ...spec]
  let cur = spec
  const nexus = []
  for (let hops = 0; at !== null && hops < 64; hops++) {
    if (prop(at, 'interrupt-controller') !== null) return { controller: at, cells: cur, nexus }
    const map = prop(at, 'interrupt-map')
    if (map === null) {
      at = irqParent(at)
      continue
    }
    const m = u32s(map)
    const mask = prop(at, 'interrupt-map-mask') === null ? null : u32s(prop(at, 'interrupt-map-mask'))
    let hit = null
    for (let i = 0; i < m.length && hit === null; ) {
      const mine = m.slice(i, i + key.length)
      const target = phandles.get(m[i + key.length])
      if (target === undefined) return { why: 'bad phandle' }
      const tAc = own(target, '#address-cells') ?? 0
      const tIc = own(target, '#interrupt-cells')
      const next = i + key.length + 1 + tAc + tIc
      if (okStatus(target) && key.every((k, j) => ((k ^ mine[j]) & (mask?.[j] ?? 0xffffffff)) === 0)) hit = { target, tail: m.slice(i + key.length + 1, next), tAc }
      i = next
    }
    if (hit === null) return { why: 'no map entry' }
    nexus.push(dtp(at))
    key = hit.tail
    cur = hit.tail.slice(hit.tAc)
    at = hit.target
  }
  return { why: 'no controller' }
}

const TRIG = { 1: 'edge-rising', 2: 'edge-falling', 3: 'edge-both', 4: 'level-high', 8: 'level-low', 0: 'none' }
function interruptsOf(node) {
  const names = strs(prop(node, 'interrupt-names'))
  const unit = prop(node, 'reg') === null ? null : u32s(prop(node, 'reg'))
  const raw = []
  const ext = prop(node, 'interrupts-extended')
  if (ext !== null) {
    const c = u32s(ext)
    for (let i = 0; i < c.length; ) {
      const ctl = phandles.get(c[i])
      const n = own(ctl, '#interrupt-cells')
      raw.push({ from: ctl, spec: c.slice(i + 1, i + 1 + n) })
      i += 1 + n
    }
  } else if (prop(node, 'interrupts') !== null) {
    const p = irqParent(node)
    const n = p === null ? 0 : own(p, '#interrupt-cells')
    const c = u32s(prop(node, 'interrupts'))
    for (let i = 0; n > 0 && i + n <= c.length; i += n) raw.push({ from: p, spec: c.slice(i, i + n) })
  } else return null
  const entries = raw.map(({ from, spec }, i) => {
    const r = follow(from, spec, unit)
    const e = { cells: spec, name: names?.[i] ?? null, controller: r.controller ? dtp(r.controller) : null, nexus: r.nexus ?? [], controllerCells: r.cells ?? null, why: r.why ?? null }
    const compat = r.controller ? strs(prop(r.controller, 'compatible')) ?? [] : []
    e.controllerCompatible = compat
    if (compat.includes('arm,cortex-a15-gic') || compat.includes('arm,gic-v3') || compat.includes('arm,gic-400')) {
      const [type, n, flags] = r.cells
      e.kind = ['SPI', 'PPI', 'ESPI', 'EPPI'][type]
      e.number = n
      e.hwirq = [32, 16, 4096, 1056][type] + n
      e.trigger = TRIG[flags & 15]
    } else if (r.cells) {
      // gpio-pl061 and the other two-cell controllers: <line flags> (irq_domain_xlate_twocell)
      e.hwirq = r.cells[0]
      e.trigger = TRIG[(r.cells[1] ?? 0) & 15]
    }
    return e
  })
  return { entries }
}

// --- /proc/iomem (root sees real addresses), with nesting depth
const iomem = (text('/proc/iomem') ?? '').split('\n').filter(Boolean).map((l) => {
  const m = /^(\s*)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(l)
  return m && { depth: m[1].length / 2, start: '0x' + m[2].replace(/^0+(?=.)/, ''), end: '0x' + m[3].replace(/^0+(?=.)/, ''), name: m[4] }
}).filter(Boolean)

// --- interrupts the kernel mapped: /sys/kernel/irq/N; `fresh` = created since irqs-before.txt (taken
// before lsvfio --open: vfio-platform maps a device's interrupts when it is opened)
const before = new Set((tryRead(`${process.env.OUT ?? '/out'}/irqs-before.txt`)?.toString() ?? '').split(/\s+/).filter(Boolean).map(Number))
const kernelIrqs = readdirSync('/sys/kernel/irq').map((n) => ({
  virq: Number(n),
  hwirq: Number(text(`/sys/kernel/irq/${n}/hwirq`)),
  type: text(`/sys/kernel/irq/${n}/type`),
  chip: text(`/sys/kernel/irq/${n}/chip_name`),
  fresh: before.size > 0 && !before.has(Number(n)),
}))

// --- devices
const uevent = (p) => Object.fromEntries((text(`${p}/uevent`) ?? '').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const linkBase = (p) => {
  try {
    return readlinkSync(p).split('/').pop()
  } catch {
    return null
  }
}
const devices = []
for (const [bus, drv] of [['platform', 'vfio-platform'], ['amba', 'vfio-amba'], ['pci', 'vfio-pci']]) {
  const dir = `/sys/bus/${bus}/drivers/${drv}`
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const p = `${dir}/${name}`
    if (!existsSync(`${p}/subsystem`)) continue // bind, unbind, module, new_id …
    const ue = uevent(p)
    const of = existsSync(`${p}/of_node`) ? realpathSync(`${p}/of_node`) : null
    const group = linkBase(`${p}/iommu_group`)
    const res = bus === 'amba' ? (text(`${p}/resource`) ?? '').split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)) : null
    devices.push({
      name,
      bus: linkBase(`${p}/subsystem`),
      driver: linkBase(`${p}/driver`),
      driverOverride: text(`${p}/driver_override`),
      iommuGroup: group === null ? null : Number(group),
      vfioDev: existsSync(`${p}/vfio-dev`) ? readdirSync(`${p}/vfio-dev`) : [],
      ofNodeLink: of,
      dtPath: of === null ? null : of.slice(BASE.length) || '/',
      ofFullname: ue.OF_FULLNAME ?? null,
      compatible: of === null ? null : strs(prop(of, 'compatible')),
      ueventCompatible: Array.from({ length: Number(ue.OF_COMPATIBLE_N ?? 0) }, (_, i) => ue[`OF_COMPATIBLE_${i}`]),
      reg: of === null ? null : regOf(of),
      interrupts: of === null ? null : interruptsOf(of),
      ambaId: bus === 'amba' ? text(`${p}/id`) : null,
      ambaResource: res === null ? null : res.map(([s, e, f]) => ({ start: hex(BigInt('0x' + s)), end: hex(BigInt('0x' + e)), flags: hex(BigInt('0x' + f)) })),
    })
  }
}

const groups = readdirSync('/sys/kernel/iommu_groups').map((id) => ({
  id: Number(id),
  name: text(`/sys/kernel/iommu_groups/${id}/name`),
  type: text(`/sys/kernel/iommu_groups/${id}/type`),
  devices: readdirSync(`/sys/kernel/iommu_groups/${id}/devices`).sort(),
}))
const devVfio = readdirSync('/dev/vfio').map((n) => {
  const s = statSync(`/dev/vfio/${n}`)
  return { name: n, mode: s.mode, rdev: `${Math.floor(s.rdev / 256)}:${s.rdev % 256}` }
})

process.stdout.write(JSON.stringify({ kernel: release(), devices, groups, devVfio, iomem, kernelIrqs, phandles: Object.fromEntries([...phandles].map(([k, v]) => [k, v.slice(BASE.length)])) }, null, 1) + '\n')
