// Field-by-field comparison of lsvfio's --json with witnesses that are not ours: sysfs (read in the
// guest by witness.mjs) and pciutils' lspci -vvv. Every check is counted; every mismatch is listed.
import type { JsonDevice, JsonDocument, JsonGroup, JsonProbe, JsonQuirk, JsonRegion, JsonVfioDevice } from '../../src/render/json-types.js'
import type { LsEntry, LspciDevice } from './witness.js'
import type { Witness, WitnessDevice } from './witness.js'

export interface Mismatch {
  where: string
  field: string
  lsvfio: string
  witness: string
}

export class Ledger {
  checks = 0
  readonly devices = new Set<string>()
  readonly mismatches: Mismatch[] = []

  eq(where: string, field: string, ours: unknown, theirs: unknown, by = 'sysfs'): void {
    this.checks++
    if (where.includes(':')) this.devices.add(where)
    const a = show(ours)
    const b = show(theirs)
    if (a !== b) this.mismatches.push({ where, field, lsvfio: a, witness: `${b} (${by})` })
  }

  report(): string {
    const head = `${this.devices.size} devices, ${this.checks} fields checked, ${this.mismatches.length} mismatches`
    return [head, ...this.mismatches.map((m) => `  ${m.where} ${m.field}: lsvfio ${m.lsvfio} != ${m.witness}`)].join('\n')
  }
}

function show(x: unknown): string {
  return typeof x === 'bigint' ? `0x${x.toString(16)}` : JSON.stringify(x, (_, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))
}

const big = (s: string): bigint => BigInt(s)
const ok = <T>(p: JsonProbe<T> | JsonQuirk | null | undefined): T | null => (p !== null && p !== undefined && p.state === 'ok' ? p.value : null)

export function devicesOf(doc: JsonDocument): { group: JsonGroup; device: JsonDevice }[] {
  return doc.groups.flatMap((group) => group.devices.map((device) => ({ group, device })))
}

/** Groups, members, drivers, viability, nodes: everything sysfs alone can confirm. */
export function compareTopology(led: Ledger, doc: JsonDocument, w: Witness): void {
  const ours = new Map(doc.groups.map((g) => [g.id, g.devices.map((d) => d.address).sort()]))
  for (const g of w.groups) led.eq(`group ${g.id}`, 'members', ours.get(g.id) ?? null, [...g.devices].sort())
  led.eq('host', 'group count', doc.groups.length, w.groups.length)
  const byAddr = new Map(w.devices.map((d) => [d.address, d]))
  for (const { group, device } of devicesOf(doc)) {
    const wd = byAddr.get(device.address)
    if (wd === undefined) {
      led.eq(device.address, 'present', true, false)
      continue
    }
    compareIdentity(led, device, wd)
    // The kernel's viability rule applied to the witness's drivers (docs/vfio-abi.md, Group).
    const blockers = w.groups
      .find((g) => g.id === group.id)
      ?.devices.map((a) => byAddr.get(a))
      .filter((m): m is WitnessDevice => m !== undefined && m.driver !== null && !/^vfio|pci-stub|pcieport/.test(m.driver))
      .map((m) => m.address)
    led.eq(`group ${group.id}`, 'viable (predicted)', group.viability.viable, (blockers ?? []).length === 0)
    const st = ok(group.status)
    if (st !== null) led.eq(`group ${group.id}`, 'viable (kernel) vs predicted', st.viable, group.viability.viable, 'lsvfio prediction')
  }
  const nodes = new Map(w.devVfio.map((n) => [`/dev/vfio/${n.name}`, n]))
  for (const g of doc.groups) {
    if (g.node === null) continue
    const n = nodes.get(g.node.path)
    led.eq(`group ${g.id}`, 'node', n === undefined ? null : [g.node.uid, g.node.gid, g.node.rdev], n === undefined ? null : [n.uid, n.gid, n.rdev], 'ls /dev/vfio')
  }
}

function compareIdentity(led: Ledger, d: JsonDevice, w: WitnessDevice): void {
  const a = d.address
  led.eq(a, 'driver', d.driver, w.driver)
  led.eq(a, 'driver_override', d.driverOverride, w.driverOverride)
  led.eq(a, 'reset_method', d.resetMethods ?? [], w.resetMethods)
  if (d.pci !== null) {
    led.eq(a, 'vendor:device', [d.pci.vendorId, d.pci.deviceId], [w.vendorId, w.deviceId])
    led.eq(a, 'class', d.pci.classCode, w.classCode)
    led.eq(a, 'revision', d.pci.revision, w.revision)
    led.eq(a, 'subsystem', [d.pci.subsystemVendorId, d.pci.subsystemDeviceId], [w.subsystemVendorId, w.subsystemDeviceId])
  }
  const ours = d.resources.map((r) => [r.index, big(r.start), big(r.end), big(r.flags)])
  const theirs = w.resources.map((r) => [r.index, r.start, r.end, BigInt(r.flags)])
  led.eq(a, 'resource lines', ours, theirs)
  // sysfs prints -1 for "no NUMA node"; the schema's unknown is null
  if (w.numaNode !== undefined) led.eq(a, 'numaNode', d.numaNode, w.numaNode === null || w.numaNode === '-1' ? null : Number(w.numaNode))
}

/** "crw-rw----" as st_mode: the file-type bits and the permissions. */
export function lsMode(s: string): number {
  const type: Record<string, number> = { c: 0o020000, b: 0o060000, d: 0o040000, l: 0o120000, '-': 0o100000 }
  let mode = type[s[0] ?? ''] ?? 0
  for (let i = 0; i < 9; i++) if (s[i + 1] !== '-') mode |= 1 << (8 - i)
  return mode
}

/** st_mode of every /dev/vfio node lsvfio shows, against ls -ln (type bits included: c, not -). */
export function compareNodeModes(led: Ledger, doc: JsonDocument, ls: LsEntry[]): void {
  const byName = new Map(ls.map((e) => [`/dev/vfio/${e.name}`, e]))
  const nodes = [...doc.groups.map((g) => g.node), doc.host.containerNode].filter((n): n is NonNullable<typeof n> => n !== null)
  for (const n of nodes) {
    const e = byName.get(n.path)
    led.eq(n.path, 'mode', n.mode.toString(8), e === undefined ? null : lsMode(e.mode).toString(8), 'ls -ln /dev/vfio')
  }
}

/** The iommufd finding gives "modprobe iommufd" only when the module file is there and not loaded;
 * every feature id 0-15 and extension id 1-16 is asked, each with an answer. */
export function compareIommufdAndProbes(led: Ledger, doc: JsonDocument, w: Witness): void {
  const f = doc.diagnostics?.readiness.findings.find((x) => x.id === 'iommufd')
  if (w.iommufd !== undefined && f !== undefined) {
    const canLoad = !w.iommufd.sysModule && w.iommufd.moduleFile && w.devIommu === null
    led.eq('host', 'iommufd advice: modprobe', f.fix.some((x) => x.includes('modprobe iommufd')) || f.text.includes('modprobe'), canLoad, 'iommufd module file and /sys/module')
  }
  for (const g of doc.groups) {
    const c = ok(g.container)
    if (c !== null) led.eq(`group ${g.id}`, 'extension ids asked', c.extensions.map((e) => e.id), Array.from({ length: 16 }, (_, i) => i + 1), 'VFIO_CHECK_EXTENSION: 1-16')
  }
  for (const { device } of devicesOf(doc)) {
    const v = ok(device.vfio)
    if (v === null) continue
    led.eq(device.address, 'feature ids probed', v.features.map((x) => x.id), Array.from({ length: 16 }, (_, i) => i), 'VFIO_DEVICE_FEATURE: 0-15')
    led.eq(device.address, 'every "no" has its errno', v.features.filter((x) => !x.supported && x.error === null && x.code === null).map((x) => x.id), [], 'VFIO_DEVICE_FEATURE PROBE')
  }
}

/** What the kernel said through the device fd, against sysfs and lspci. */
export function compareVfio(led: Ledger, doc: JsonDocument, w: Witness, lspci: LspciDevice[], opts: { kernel: string }): void {
  const byAddr = new Map(w.devices.map((d) => [d.address, d]))
  const ls = new Map(lspci.map((d) => [d.address, d]))
  for (const { device } of devicesOf(doc)) {
    const v = ok(device.vfio)
    const wd = byAddr.get(device.address)
    const ld = ls.get(device.address)
    if (v === null || wd === undefined || ld === undefined) continue
    const a = device.address
    led.eq(a, 'flags has pci', v.flagNames.includes('pci'), true, 'bound to vfio-pci')
    led.eq(a, 'num_regions, num_irqs', [v.numRegions, v.numIrqs], [9, 5], 'vfio-pci ABI')
    compareRegions(led, a, v, wd, ld)
    compareIrqs(led, a, v, ld, opts)
    if (v.flagNames.includes('reset')) led.eq(a, 'RESET flag implies a reset_method', wd.resetMethods.length > 0, true)
    compareHotReset(led, a, v, w)
  }
}

function region(v: JsonVfioDevice, i: number): JsonRegion | null {
  return ok(v.regions[i]?.info)
}

function compareRegions(led: Ledger, a: string, v: JsonVfioDevice, wd: WitnessDevice, ld: LspciDevice): void {
  for (let i = 0; i <= 6; i++) {
    const r = region(v, i)
    const res = wd.resources[i]
    const sysSize = res === undefined || (res.start === 0n && res.end === 0n) ? 0n : res.end - res.start + 1n
    const name = i === 6 ? 'ROM' : `BAR${i}`
    led.eq(a, `${name} size`, r === null ? null : big(r.size), sysSize)
    const lr = ld.regions.find((x) => x.index === i)
    led.eq(a, `${name} size`, r === null ? null : big(r.size), lr?.size ?? 0n, 'lspci')
    if (r === null || lr === undefined) continue
    // I/O BARs are never mmap-able; memory BARs of a page or more are (vfio_pci_core bar_mmap_supported).
    if (lr.kind === 'io') led.eq(a, `${name} mmap`, r.flagNames.includes('mmap'), false, 'lspci: I/O port BAR')
    if (lr.kind === 'mem' && (lr.size ?? 0n) >= 4096n) led.eq(a, `${name} mmap`, r.flagNames.includes('mmap'), true, 'lspci: memory BAR >= 4K')
    if (i === 6) led.eq(a, 'ROM flags', r.flagNames, ['read'], 'vfio-pci ABI')
  }
  const cfg = region(v, 7)
  const pcie = ld.capabilities?.some((c) => c.express !== undefined) ?? false
  led.eq(a, 'CONFIG size', cfg === null ? null : big(cfg.size), wd.config === null ? (pcie ? 4096n : 256n) : BigInt(wd.config.length), 'sysfs config')
  const msix = ld.capabilities?.find((c) => c.msix !== undefined)?.msix
  const mappable = [0, 1, 2, 3, 4, 5].filter((i) => region(v, i)?.caps.some((c) => c.kind === 'msix-mappable'))
  led.eq(a, 'MSI-X table BAR (msix-mappable cap)', mappable, msix?.table ? [msix.table.bar] : [], 'lspci')
}

function compareIrqs(led: Ledger, a: string, v: JsonVfioDevice, ld: LspciDevice, opts: { kernel: string }): void {
  const irq = (i: number): number | null => ok(v.irqs[i]?.info)?.count ?? null
  const msi = ld.capabilities?.find((c) => c.msi !== undefined)?.msi
  const msix = ld.capabilities?.find((c) => c.msix !== undefined)?.msix
  const pcie = ld.capabilities?.some((c) => c.express !== undefined) ?? false
  led.eq(a, 'INTx count', irq(0), ld.interrupt === null ? 0 : 1, 'lspci Interrupt pin')
  led.eq(a, 'MSI count', irq(1), msi?.max ?? 0, 'lspci MSI Count')
  led.eq(a, 'MSI-X count', irq(2), msix?.count ?? 0, 'lspci MSI-X Count')
  // ERR: count 1 on PCIe; conventional PCI gets EINVAL before 7.x and count 1 after (docs/vfio-abi.md, Device).
  const err = v.irqs[3]?.info
  const errSeen = err === undefined ? 'missing' : err.state === 'ok' ? `count ${err.value.count}` : err.state
  const expected = pcie || opts.kernel.startsWith('7.') ? 'count 1' : 'unavailable'
  led.eq(a, 'ERR irq', errSeen, expected, pcie ? 'lspci: PCI Express' : 'lspci: conventional PCI')
  led.eq(a, 'REQ count', irq(4), 1, 'vfio-pci ABI')
}

function compareHotReset(led: Ledger, a: string, v: JsonVfioDevice, w: Witness): void {
  const wd = w.devices.find((d) => d.address === a)
  if (wd === undefined || v.hotReset === null) return
  // The bus a secondary-bus reset hits: every function under the same parent bridge.
  if (wd.parent === null) {
    led.eq(a, 'hot reset', v.hotReset.state, 'unavailable', 'root bus: no bus reset (ENODEV)')
    return
  }
  const siblings = w.devices.filter((d) => d.parent === wd.parent).map((d) => d.address).sort()
  const hr = ok(v.hotReset)
  led.eq(a, 'hot reset devices', hr === null ? v.hotReset.state : hr.devices.map((d) => d.address).sort(), siblings, 'sysfs: functions under the same bridge')
  // On the cdev path the entries carry iommufd devids (DEV_ID flag), not group ids.
  if (hr !== null && !hr.flagNames.includes('dev-id')) {
    const groups = [...new Set(siblings.map((s) => w.devices.find((d) => d.address === s)?.iommuGroup))].sort()
    led.eq(a, 'hot reset groups', [...new Set(hr.devices.map((d) => d.groupOrDevid))].sort(), groups, 'sysfs iommu_group of each')
  }
}

/** The IOVA ranges the container reports must avoid every reserved region of the group (msi, reserved, direct). */
export function compareIova(led: Ledger, doc: JsonDocument, w: Witness): void {
  for (const g of doc.groups) {
    const c = ok(g.container)
    const info = c === null ? null : ok(c.iommuInfo)
    if (info === null || info.iovaRanges === null) continue
    const reserved = w.groups.find((x) => x.id === g.id)?.reservedRegions.filter((r) => r.type !== 'direct-relaxable') ?? []
    const overlaps = info.iovaRanges.flatMap((r) => reserved.filter((x) => big(r.start) <= x.end && x.start <= big(r.end)).map((x) => `${r.start}-${r.end} overlaps ${x.type} 0x${x.start.toString(16)}`))
    led.eq(`group ${g.id}`, 'IOVA ranges avoid reserved_regions', overlaps, [], 'sysfs reserved_regions')
  }
}

/**
 * lsvfio -xxx fed to pciutils (lspci -F): the virtualized config must decode to the same identity and
 * the same standard capability list as lspci on the live device (issue 4's round trip).
 */
export function compareLspciDecode(led: Ledger, doc: JsonDocument, fromDump: LspciDevice[], live: LspciDevice[]): void {
  const dumped = new Map(fromDump.map((d) => [d.address, d]))
  const liveBy = new Map(live.map((d) => [d.address, d]))
  for (const { device } of devicesOf(doc)) {
    if (device.vfio?.state !== 'ok') continue
    const a = device.address
    const f = dumped.get(a)
    const l = liveBy.get(a)
    led.eq(a, 'decoded by lspci -F', f !== undefined, true, 'lspci -F of lsvfio -xxx')
    if (f === undefined || l === undefined) continue
    const by = 'lspci -F (lsvfio -xxx) vs live lspci'
    led.eq(a, 'vendor:device', [f.vendorId, f.deviceId], [l.vendorId, l.deviceId], by)
    led.eq(a, 'class', f.classCode, l.classCode, by)
    led.eq(a, 'revision', f.revision, l.revision, by)
    led.eq(a, 'subsystem', f.subsystem, l.subsystem, by)
    const caps = (d: LspciDevice): string[] => (d.capabilities ?? []).filter((c) => !c.extended).map((c) => `${c.offset.toString(16)} ${c.name.split(':')[0] ?? ''}`)
    led.eq(a, 'capability list', caps(f), caps(l), by)
  }
}
