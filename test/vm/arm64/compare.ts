// Field-by-field comparison of lsvfio's --json from the arm64 guest with guest/witness.mjs: sysfs links
// and uevent, the device tree decoded independently, /proc/iomem, /sys/kernel/irq, the AMBA resource
// file, iommu_groups and /dev/vfio. Every check is counted; every mismatch is listed.
import type { JsonDevice, JsonDocument, JsonGroup, JsonProbe, JsonQuirk } from '../../../src/render/json-types.js'

export interface WitnessReg {
  cells: number[]
  name: string | null
  /** null for a PCI child (phys.hi/mid/lo) */
  address: string | null
  size: string | null
  cpuAddress: string | null
  /** a PCI child's devfn from phys.hi */
  devfn?: number
  bus: string
  flags: number | null
  /** 'no-ranges', 'no-window', 'cells'; null when translated */
  untranslatable: string | null
  resource: boolean
}

export interface WitnessIrq {
  cells: number[]
  name: string | null
  controller: string | null
  controllerCompatible: string[]
  nexus: string[]
  controllerCells: number[] | null
  /** why it does not resolve; null when it does */
  why: string | null
  kind?: string
  number?: number
  hwirq?: number
  trigger?: string
}

export interface WitnessDevice {
  name: string
  bus: string | null
  driver: string | null
  driverOverride: string | null
  iommuGroup: number | null
  vfioDev: string[]
  dtPath: string | null
  ofFullname: string | null
  compatible: string[] | null
  ueventCompatible: string[]
  reg: { addressCells: number; sizeCells: number; entries: WitnessReg[] } | null
  interrupts: { entries: WitnessIrq[] } | null
  ambaId: string | null
  ambaResource: { start: string; end: string; flags: string }[] | null
}

export interface Arm64Witness {
  kernel: string
  devices: WitnessDevice[]
  groups: { id: number; name: string | null; type: string | null; devices: string[] }[]
  devVfio: { name: string; mode: number; rdev: string }[]
  iomem: { depth: number; start: string; end: string; name: string }[]
  /** fresh: mapped after irqs-before.txt, i.e. by lsvfio's opens */
  kernelIrqs: { virq: number; hwirq: number; type: string | null; chip: string | null; fresh: boolean }[]
}

export interface Mismatch {
  where: string
  field: string
  lsvfio: string
  witness: string
}

export class Ledger {
  checks = 0
  readonly devices = new Set<string>()
  readonly fields = new Set<string>()
  readonly mismatches: Mismatch[] = []

  eq(where: string, field: string, ours: unknown, theirs: unknown, by: string, device = true): void {
    this.checks++
    if (device) this.devices.add(where)
    this.fields.add(field)
    const a = JSON.stringify(ours)
    const b = JSON.stringify(theirs)
    if (a !== b) this.mismatches.push({ where, field, lsvfio: a, witness: `${b} (${by})` })
  }

  report(): string {
    const head = `${this.devices.size} devices × ${this.fields.size} kinds of field, ${this.checks} checks, ${this.mismatches.length} mismatches`
    return [head, ...this.mismatches.map((m) => `  ${m.where} ${m.field}: lsvfio ${m.lsvfio} != ${m.witness}`)].join('\n')
  }
}

const ok = <T>(p: JsonProbe<T> | JsonQuirk | null | undefined): T | null => (p !== null && p !== undefined && p.state === 'ok' ? p.value : null)
const big = (s: string | null | undefined): bigint | null => (s === null || s === undefined ? null : BigInt(s))
const PAGE = 4096n // CONFIG_ARM64_4K_PAGES in Debian's arm64 kernels
const LEVEL = /^level/
const TRIGGER: Record<number, string> = { 0: 'none', 1: 'edge-rising', 2: 'edge-falling', 3: 'edge-both', 4: 'level-high', 8: 'level-low' }

/** Everything lsvfio says about the bound platform/AMBA devices, against the witness. */
export function compareArm64(doc: JsonDocument, w: Arm64Witness): Ledger {
  const led = new Ledger()
  const ours = new Map<string, { group: JsonGroup; device: JsonDevice }>()
  for (const group of doc.groups) for (const device of group.devices) ours.set(device.address, { group, device })

  led.eq('host', 'VFIO-bound devices', [...ours.values()].filter((x) => x.device.vfioDriver).map((x) => x.device.address).sort(), w.devices.map((d) => d.name).sort(), 'sysfs drivers/vfio-{platform,amba}', false)
  led.eq('host', 'ungrouped devices', doc.ungrouped.length, 0, 'every bound device has an iommu_group link', false)
  led.eq('host', 'no-IOMMU mode', doc.host.noiommuEnabled, true, 'vfio.ko enable_unsafe_noiommu_mode=1 (initramfs)', false)
  led.eq('host', 'modules vfio_platform+vfio_amba', ['vfio_platform', 'vfio_amba'].every((m) => doc.host.modules.includes(m)), true, 'insmod in /init', false)
  led.eq('host', 'kernel', doc.host.kernel, w.kernel, 'uname -r', false)

  for (const wd of w.devices) {
    const a = wd.name
    const x = ours.get(a)
    led.eq(a, 'present', x !== undefined, true, 'sysfs')
    if (x === undefined) continue
    const { group: g, device: d } = x
    led.eq(a, 'bus', d.bus, wd.bus, 'sysfs subsystem link')
    led.eq(a, 'driver', d.driver, wd.driver, 'sysfs driver link')
    led.eq(a, 'driver_override', d.driverOverride, wd.driverOverride, 'sysfs driver_override')
    led.eq(a, 'vfioDriver', d.vfioDriver, true, 'bound to vfio-platform/vfio-amba')

    // group: noiommu-N with this device alone, and its node
    led.eq(a, 'group', g.id, wd.iommuGroup, 'sysfs iommu_group link')
    const wg = w.groups.find((y) => y.id === wd.iommuGroup)
    led.eq(a, 'group is no-IOMMU', g.noiommu, wg?.name === 'vfio-noiommu', 'iommu_groups/N/name')
    led.eq(a, 'group name', g.name, `noiommu-${wd.iommuGroup}`, 'vfio naming of no-IOMMU groups')
    led.eq(a, 'group members', g.devices.map((m) => m.address).sort(), wg?.devices ?? null, 'iommu_groups/N/devices')
    const node = w.devVfio.find((n) => n.name === `noiommu-${wd.iommuGroup}`)
    // st_mode with its file-type bits; witnesses recorded before they kept them have only the
    // permission bits, and a node with an rdev is a character device (S_IFCHR) there
    const wmode = node === undefined ? null : node.mode > 0o7777 ? node.mode : (node.rdev !== '0:0' ? 0o020000 : 0) | node.mode
    led.eq(a, 'group node', g.node === null ? null : [g.node.path, g.node.rdev, g.node.mode], node === undefined ? null : [`/dev/vfio/${node.name}`, node.rdev, wmode], 'stat /dev/vfio')

    // of_node: path and compatible, two ways each
    const of = d.ofNode
    led.eq(a, 'of_node path', of?.path ?? null, wd.dtPath, 'realpath of_node')
    led.eq(a, 'compatible', of?.compatible ?? null, wd.compatible, 'of_node/compatible')
    if (d.bus !== 'pci') {
      // of_device_uevent: platform and AMBA only (pci_uevent has no OF_ keys)
      led.eq(a, 'of_node path (uevent)', of?.path ?? null, wd.ofFullname, 'uevent OF_FULLNAME')
      led.eq(a, 'compatible (uevent)', of?.compatible ?? null, wd.ueventCompatible, 'uevent OF_COMPATIBLE_n')
    }

    // reg, entry by entry
    const wr = wd.reg?.entries ?? null
    led.eq(a, 'reg count', of?.reg?.length ?? null, wr?.length ?? null, 'DT reg / (#address-cells + #size-cells)')
    for (const [i, e] of (wr ?? []).entries()) {
      const r = of?.reg?.[i]
      led.eq(a, `reg[${i}] cells`, r?.cells ?? null, e.cells, 'DT reg')
      led.eq(a, `reg[${i}] name`, r?.name ?? null, e.name, 'DT reg-names')
      led.eq(a, `reg[${i}] bus address`, r?.address ?? null, e.address, 'DT reg')
      led.eq(a, `reg[${i}] size`, r?.size ?? null, e.size, 'DT reg')
      led.eq(a, `reg[${i}] CPU address`, r?.cpuAddress ?? null, e.cpuAddress, 'DT ranges of the ancestors')
      led.eq(a, `reg[${i}] bus type`, [r?.bus ?? null, r?.flags ?? null], [e.bus, e.flags], 'parent node: device_type, name, #address-cells')
      const why = r?.untranslatable ?? null
      const kind = why === null ? null : /has no ranges/.test(why) ? 'no-ranges' : /no window/.test(why) ? 'no-window' : /cell count/.test(why) ? 'cells' : why
      led.eq(a, `reg[${i}] untranslatable`, kind, e.untranslatable, 'DT ranges of the ancestors')
      led.eq(a, `reg[${i}] resource`, r?.resource ?? null, e.resource, 'entries before the first that fails')
    }
    // the kernel matched the PCI device to its DT child by devfn (phys.hi bits 15:8)
    const bdf = /^[0-9a-f]{4}:[0-9a-f]{2}:([0-9a-f]{2})\.([0-7])$/.exec(a)
    if (d.bus === 'pci' && bdf !== null) {
      const devfn = (parseInt(bdf[1] ?? '', 16) << 3) | Number(bdf[2])
      const cell = of?.reg?.[0]?.cells[0]
      led.eq(a, 'reg[0] devfn', cell === undefined ? null : (cell >> 8) & 0xff, devfn, 'PCI address of the device')
      led.eq(a, 'reg[0] devfn (witness)', cell === undefined ? null : (cell >> 8) & 0xff, wr?.[0]?.devfn ?? null, 'DT reg phys.hi')
    }
    // of_device_make_bus_id names a platform device after reg[0]'s translated address
    const named = /^([0-9a-f]+)\./.exec(a)
    if (named !== null && d.bus !== 'pci') {
      led.eq(a, 'reg[0] CPU address (kernel)', of?.reg?.[0]?.cpuAddress ?? null, `0x${named[1]}`, 'device name from of_device_make_bus_id')
      led.eq(a, 'reg[0] source', of?.reg?.[0]?.source ?? null, 'kernel', 'the device name is the kernel\'s translation')
    }

    // interrupts, entry by entry, and the kernel's mapping of each
    const wi = wd.interrupts?.entries ?? null
    led.eq(a, 'interrupts count', of?.interrupts?.length ?? null, wi?.length ?? null, 'DT interrupts / #interrupt-cells')
    for (const [i, e] of (wi ?? []).entries()) {
      const q = of?.interrupts?.[i]
      led.eq(a, `interrupts[${i}] cells`, q?.cells ?? null, e.cells, 'DT interrupts')
      led.eq(a, `interrupts[${i}] name`, q?.name ?? null, e.name, 'DT interrupt-names')
      led.eq(a, `interrupts[${i}] controller`, q?.controller ?? null, e.controller, 'interrupt-parent / interrupts-extended / interrupt-map to an interrupt-controller')
      led.eq(a, `interrupts[${i}] controller compatible`, q?.controllerCompatible ?? null, e.controllerCompatible, 'the controller node')
      led.eq(a, `interrupts[${i}] nexus`, q?.nexus ?? null, e.nexus, 'interrupt-map nodes passed')
      led.eq(a, `interrupts[${i}] controller cells`, q?.controllerCells ?? null, e.controllerCells, 'interrupt-map translation')
      led.eq(a, `interrupts[${i}] resolves`, q?.unresolved === null, e.why === null, 'the interrupt tree')
      const gic = q?.gic ?? null
      led.eq(a, `interrupts[${i}] GIC`, gic === null ? null : [gic.kind, gic.number, gic.hwirq, gic.trigger], e.kind === undefined ? null : [e.kind, e.number, e.hwirq, e.trigger], 'GIC binding')
      // the kernel's word: the IRQ lsvfio's open made vfio-platform map (new since irqs-before.txt),
      // against lsvfio's decoding (GIC: the binding's ID; two-cell controllers: <line flags>)
      const fresh = w.kernelIrqs.filter((k) => k.fresh && k.hwirq === e.hwirq)
      // AMBA devices' interrupts are mapped when the device is added (at boot): then the one GIC IRQ with that ID
      const old = w.kernelIrqs.filter((k) => e.kind !== undefined && k.hwirq === e.hwirq && (k.chip === null || k.chip === ''))
      const mapped = fresh.length === 1 ? fresh[0] : fresh.length === 0 && old.length === 1 ? old[0] : undefined
      const cc = q?.controllerCells ?? []
      const ours = gic !== null ? [gic.hwirq, gic.trigger] : q?.controller != null && cc.length === 2 ? [cc[0], TRIGGER[(cc[1] ?? 0) & 15]] : null
      led.eq(a, `interrupts[${i}] kernel mapping`, ours === null ? null : [ours[0], LEVEL.test(String(ours[1])) ? 'level' : 'edge'], mapped === undefined ? null : [mapped.hwirq, mapped.type], 'new /sys/kernel/irq/N/{hwirq,type} after the open')
      // lsvfio names the kernel's IRQ only with evidence: on a GIC (ID 16 and up) the one IRQ with that
      // ID whose chip name, if any, is the GIC's; a gpio line's number is no evidence (SGIs share them)
      const fits = w.kernelIrqs.filter((k) => k.hwirq === e.hwirq && (k.chip === null || k.chip === '' || /^GIC/.test(k.chip) && !/MSI|ITS|v2m/i.test(k.chip)))
      const claimable = e.kind !== undefined && (e.hwirq ?? 0) >= 16 && fits.length === 1 && mapped !== undefined
      const k = q?.kernel ?? null
      led.eq(a, `interrupts[${i}] kernel mapping (lsvfio)`, k === null ? 'no claim' : [k.virq, k.hwirq, k.type], claimable ? [mapped.virq, mapped.hwirq, mapped.type] : 'no claim', '/sys/kernel/irq after the open')
      led.eq(a, `interrupts[${i}] source`, q?.source ?? null, k === null ? 'devicetree' : 'kernel', 'kernel when mapped')
    }

    // what the kernel answered through the device fd, against the DT and /proc/iomem
    const v = ok(d.vfio)
    led.eq(a, 'VFIO opened', d.vfio?.state ?? null, 'ok', 'idle noiommu group')
    if (v === null) continue
    led.eq(a, 'VFIO bus flag', v.flagNames.filter((f) => ['platform', 'amba', 'pci'].includes(f)), [d.bus], 'bus of the bound driver')
    if (d.bus === 'pci') {
      // BARs, not DT reg entries: only the fixed vfio-pci layout is checked here (the x86 suite does the rest)
      led.eq(a, 'num_regions, num_irqs', [v.numRegions, v.numIrqs], [9, 5], 'vfio-pci ABI')
      continue
    }
    const nReg = (wr ?? []).filter((e) => e.resource).length
    led.eq(a, 'num_regions', v.numRegions, d.bus === 'amba' ? Math.min(nReg, 1) : nReg, 'DT reg entries that are resources (vfio-amba: adev->res only)')
    const nIrq = (wi ?? []).findIndex((e) => e.why !== null)
    led.eq(a, 'num_irqs', v.numIrqs, nIrq < 0 ? (wi?.length ?? 0) : nIrq, 'DT interrupts entries that resolve')
    for (let i = 0; i < v.numRegions; i++) {
      const r = ok(v.regions[i]?.info)
      const e = wr?.[i]
      led.eq(a, `region ${i} size`, r?.size ?? null, e?.size ?? null, `DT reg[${i}]`)
      led.eq(a, `region ${i} offset`, r?.offset ?? null, `0x${(BigInt(i) << 40n).toString(16)}`, 'VFIO_PLATFORM_OFFSET_SHIFT')
      const start = big(e?.cpuAddress)
      const size = big(e?.size)
      const aligned = start !== null && size !== null && start % PAGE === 0n && size % PAGE === 0n
      led.eq(a, `region ${i} mmap`, r?.flagNames.includes('mmap') ?? null, aligned, 'DT reg page-aligned (4K)')
      if (d.bus === 'amba') {
        const name = wd.dtPath?.split('/').pop()
        const io = w.iomem.find((m) => m.name === name)
        led.eq(a, `region ${i} = /proc/iomem`, r === null ? null : [e?.cpuAddress, r.size], io === undefined ? null : [io.start, `0x${(BigInt(io.end) - BigInt(io.start) + 1n).toString(16)}`], `/proc/iomem "${name}"`)
        const res = wd.ambaResource?.[i]
        led.eq(a, `region ${i} = resource`, r === null ? null : [e?.cpuAddress, r.size], res === undefined ? null : [res.start, `0x${(BigInt(res.end) - BigInt(res.start) + 1n).toString(16)}`], 'amba sysfs resource')
      }
    }
    for (let i = 0; i < v.numIrqs; i++) {
      const q = ok(v.irqs[i]?.info)
      const e = wi?.[i]
      led.eq(a, `irq ${i} count`, q?.count ?? null, 1, 'one line per DT interrupt')
      const level = e?.trigger !== undefined && LEVEL.test(e.trigger)
      led.eq(a, `irq ${i} flags`, q?.flagNames ?? null, level ? ['eventfd', 'maskable', 'automasked'] : ['eventfd'], `DT trigger ${e?.trigger ?? '?'}`)
    }
  }
  return led
}
