// Ground truth about every device bound to vfio-platform / vfio-amba, from sources other than lsvfio:
// sysfs links and uevent, the device tree under /sys/firmware/devicetree/base (decoded here, by the
// DT specification, with its own code), /proc/iomem, /sys/kernel/irq, the AMBA resource file,
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

// --- device tree, decoded by the specification (devicetree-specification v0.4, §2.3, §2.4)
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

// a child address through each ancestor's `ranges` to the root
function toCpu(node, addr) {
  let a = addr
  for (let bus = up(node); bus !== BASE; bus = up(bus)) {
    const r = prop(bus, 'ranges')
    if (r === null) return null
    if (r.length === 0) continue
    const ca = cellCount(bus, '#address-cells', 2)
    const pa = cellCount(up(bus), '#address-cells', 2)
    const sz = cellCount(bus, '#size-cells', 1)
    const c = u32s(r)
    let hit = null
    for (let i = 0; i + ca + pa + sz <= c.length; i += ca + pa + sz) {
      const child = num(c.slice(i, i + ca))
      const parent = num(c.slice(i + ca, i + ca + pa))
      const len = num(c.slice(i + ca + pa, i + ca + pa + sz))
      if (a >= child && a < child + len) {
        hit = parent + (a - child)
        break
      }
    }
    if (hit === null) return null
    a = hit
  }
  return a
}

function regOf(node) {
  const b = prop(node, 'reg')
  if (b === null) return null
  const ac = cellCount(up(node), '#address-cells', 2)
  const sc = cellCount(up(node), '#size-cells', 1)
  // PCI bus binding: phys.hi/mid/lo and a 64-bit size, no plain address (IEEE 1275 PCI binding §2.2.1.1)
  const pci = strs(prop(up(node), 'device_type'))?.[0] === 'pci'
  const c = u32s(b)
  const names = strs(prop(node, 'reg-names'))
  const entries = []
  for (let i = 0; (i + 1) * (ac + sc) <= c.length; i++) {
    const cells = c.slice(i * (ac + sc), (i + 1) * (ac + sc))
    if (pci) {
      entries.push({ cells, name: names?.[i] ?? null, address: null, size: null, cpuAddress: null, devfn: (cells[0] >> 8) & 0xff })
      continue
    }
    const address = num(cells.slice(0, ac))
    const cpu = toCpu(node, address)
    entries.push({ cells, name: names?.[i] ?? null, address: hex(address), size: hex(num(cells.slice(ac))), cpuAddress: cpu === null ? null : hex(cpu) })
  }
  return { addressCells: ac, sizeCells: sc, entries }
}

const TRIG = { 1: 'edge-rising', 2: 'edge-falling', 3: 'edge-both', 4: 'level-high', 8: 'level-low', 0: 'none' }
function interruptsOf(node) {
  const b = prop(node, 'interrupts')
  if (b === null) return null
  // interrupt-parent, inherited from the nearest ancestor that names one (spec §2.4.1)
  let ctl = null
  for (let n = node; n.length >= BASE.length; n = up(n)) {
    const ph = prop(n, 'interrupt-parent')
    if (ph !== null) {
      ctl = phandles.get(ph.readUInt32BE(0)) ?? null
      break
    }
    if (n === BASE) break
  }
  const ic = ctl === null ? null : cellsProp(ctl, '#interrupt-cells')
  const c = u32s(b)
  const names = strs(prop(node, 'interrupt-names'))
  const gic = ctl !== null && (strs(prop(ctl, 'compatible')) ?? []).some((s) => s.includes('gic'))
  const entries = []
  for (let i = 0; ic && (i + 1) * ic <= c.length; i++) {
    const cells = c.slice(i * ic, (i + 1) * ic)
    const e = { cells, name: names?.[i] ?? null }
    if (gic) {
      const [type, n, flags] = cells
      e.kind = ['SPI', 'PPI', 'ESPI', 'EPPI'][type]
      e.number = n
      e.hwirq = [32, 16, 4096, 1056][type] + n
      e.trigger = TRIG[flags & 15]
    }
    entries.push(e)
  }
  return { controller: ctl === null ? null : ctl.slice(BASE.length), interruptCells: ic, entries }
}

// --- /proc/iomem (root sees real addresses), with nesting depth
const iomem = (text('/proc/iomem') ?? '').split('\n').filter(Boolean).map((l) => {
  const m = /^(\s*)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(l)
  return m && { depth: m[1].length / 2, start: '0x' + m[2].replace(/^0+(?=.)/, ''), end: '0x' + m[3].replace(/^0+(?=.)/, ''), name: m[4] }
}).filter(Boolean)

// --- interrupts the kernel mapped: /sys/kernel/irq/N
const kernelIrqs = readdirSync('/sys/kernel/irq').map((n) => ({
  virq: Number(n),
  hwirq: Number(text(`/sys/kernel/irq/${n}/hwirq`)),
  type: text(`/sys/kernel/irq/${n}/type`),
  chip: text(`/sys/kernel/irq/${n}/chip_name`),
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
