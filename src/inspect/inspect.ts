// inspect(): sysfs scan, then kernel queries for each group with VFIO devices, into one Inventory, and
// the facts the judgement (src/diagnose/) needs beyond it. Gathers only: nothing here judges.
import { ReadOnlySys } from '../kernel/read-only.js'
import { Vfio } from '../kernel/vfio.js'
import type { Credentials, HolderScan } from '../model/diagnostics.js'
import type { Device, InfoCap, IommuGroup, Inventory, Probe, Quirk } from '../model/types.js'
import { pointAtHolders, scanHolders } from './holders.js'
import type { Host } from './host.js'
import { Names, readCredentials } from './proc.js'
import { scanMdev, selectMdev } from './mdev.js'
import { withKernelIrqs } from './devicetree-irq.js'
import { ModuleIndex, modulesDir, readModalias } from './modules.js'
import { groupSteps } from './query.js'
import { runSync, runTogether, type Steps } from './steps.js'
import { cdevSteps } from './query-cdev.js'
import type { FsReader } from './fs.js'
import { confirm } from './predict/confirm.js'
import { predictDevice } from './predict/device.js'
import { smallBars } from './predict/regions.js'
import { readHostFacts } from './predict/facts.js'
import { scan, type Scan, type ScannedGroup } from './scan.js'
import type { Selection } from './selection.js'

export interface GatherOptions {
  /** false with --no-open: sysfs only, nothing under /dev/vfio is opened (so nothing is reset). */
  open: boolean
  /** Which interface gets device fds: the group (legacy container), the cdev + iommufd, or auto
   * (the group when its node exists, else the cdev). */
  via: 'auto' | 'group' | 'cdev'
  /** Bytes of config space to read through the CONFIG region (256 by default, 4096 with -xxxx). */
  configBytes?: number
  /** --read-region INDEX[:OFFSET[:LENGTH]] */
  readRegion?: { index: number; offset: bigint; length: number } | null
  /** false: no facts for diagnostics (holders from /proc, credentials) unless a group answers EBUSY,
   * whose holder is then looked up. Searching /proc is slow on a busy host. Default true. */
  diagnose?: boolean
  /** Keep each raw reply as labelled bytes (--hexdump, the JSON byte modes). Default true. */
  raw?: boolean
  /** -k: look up which kernel modules could drive each listed device (modules.alias). */
  modules?: boolean
  /** Called before anything is opened, with the devices --open will open and the reset each will get. */
  announce?: (opening: readonly { address: string; reset: string | null | undefined }[]) => void
}

/** What diagnose() needs beyond the inventory, gathered in the same pass. */
export interface Facts {
  /** Every member of each listed group (by group id), also those the selection hides: viability and
   * isolation need them all. */
  members: ReadonlyMap<number, readonly Device[]>
  /** Selected PCI devices in no IOMMU group and not bound to VFIO: check judges them too. */
  unlisted: readonly Device[]
  holders: HolderScan
  /** Who this process is (what opening a node is checked against); null when /proc does not say. */
  self: Credentials | null
  names: Names
}

export interface Gathered {
  inventory: Inventory
  /** null when diagnostics were not asked for (GatherOptions.diagnose false) and no group was busy. */
  facts: Facts | null
}

export function inspect(host: Host, sel: Selection, gather: GatherOptions): Gathered {
  const b = begin(host, sel, gather)
  return finish(host, sel, gather, b, b.s.groups.map((g) => runSync(queryOne(b, g, gather))))
}

/**
 * inspect() with the groups queried side by side: opening and closing a vfio-pci device resets it (an
 * FLR sleeps 100 ms each way), and independent groups can wait for that together, each call on a
 * worker thread where the seam can (kernel/sys.ts ioctlAsync). The same answers as inspect().
 */
export async function inspectConcurrently(host: Host, sel: Selection, gather: GatherOptions): Promise<Gathered> {
  const b = begin(host, sel, gather)
  return finish(host, sel, gather, b, await runTogether(b.s.groups.map((g) => queryOne(b, g, gather))))
}

interface Begun {
  s: Scan
  names: Names
  cdevs: Map<string, string>
  early: HolderScan | null
  vfio: Vfio
}

function begin(host: Host, sel: Selection, gather: GatherOptions): Begun {
  const s = scan(host.fs, sel, host.names, gather.configBytes ?? 256, gather.diagnose !== false)
  const names = new Names(host.fs)
  const members = s.groups.flatMap((g) => g.members)
  const cdevs = new Map([...members, ...s.ungrouped].filter((d) => d.cdev !== null).map((d) => [d.cdev ?? '', d.address]))
  // Before any open: what other processes hold (lsvfio closes all it opens, and leaves itself out anyway).
  const early = gather.diagnose === false ? null : scanHolders(host.fs, cdevs, names)
  predictAll(host.fs, s)
  if (gather.modules === true) kernelModules(host.fs, s)
  if (gather.open && gather.announce !== undefined) gather.announce(toOpen(s, gather.via))
  const vfio = new Vfio(host.sys instanceof ReadOnlySys ? host.sys : new ReadOnlySys(host.sys), gather.raw ?? true)
  return { s, names, cdevs, early, vfio }
}

/** One group: as scanned, or queried through the kernel with --open. */
function* queryOne(b: Begun, g: ScannedGroup, gather: GatherOptions): Steps<IommuGroup> {
  const ctx = { group: g.id, noiommu: g.noiommu, configBytes: gather.configBytes ?? 256, readRegion: gather.readRegion ?? null }
  const shown = g.members.filter((d) => g.selected.has(d.address))
  const targets = shown.filter((d) => d.vfioDriver && !d.bridge)
  const base = { id: g.id, noiommu: g.noiommu, ...(g.emulated ? { emulated: true } : {}), domainType: g.domainType, node: g.node, viability: g.viability }
  const useCdev = gather.via === 'cdev' || (gather.via === 'auto' && g.node === null)
  if (!gather.open || targets.length === 0 || (g.node === null && !useCdev)) {
    return { ...base, status: null, container: null, devices: shown }
  }
  if (useCdev) {
    const devices: Device[] = []
    for (const d of shown) devices.push(targets.includes(d) && d.cdev !== null ? { ...d, vfio: yield* cdevSteps(b.vfio, d.cdev, d, ctx) } : d)
    return { ...base, status: null, container: null, devices }
  }
  if (g.node === null) return { ...base, status: null, container: null, devices: shown }
  const r = yield* groupSteps(b.vfio, g.node.path, targets, ctx)
  const devices: Device[] = shown.map((d) => ({ ...d, vfio: r.views.get(d.address) ?? null }))
  return { ...base, status: r.status, container: r.container, devices }
}

function finish(host: Host, sel: Selection, gather: GatherOptions, b: Begun, queried: IommuGroup[]): Gathered {
  const { s, names, cdevs, early } = b
  attachKernelIrqs(host.fs, queried)
  const busy = queried.some((g) => isBusy(g.status) || g.devices.some((d) => isBusy(d.vfio)))
  const holders = early ?? (busy ? scanHolders(host.fs, cdevs, names) : null)
  const groups = holders === null ? queried : pointAtHolders(queried, holders)
  const mdev = selectMdev(scanMdev(host.fs), sel, groups)
  const inv = { host: s.host, groups: confirmAll(groups), ungrouped: s.ungrouped, failures: 0, opened: gather.open, ...(mdev === undefined ? {} : { mdev }) }
  const inventory = { ...inv, failures: countFailures(inv) }
  if (holders === null) return { inventory, facts: null }
  return { inventory, facts: { members: new Map(s.groups.map((g) => [g.id, g.members])), unlisted: s.unlisted, holders, self: readCredentials(host.fs, names), names } }
}

/** States the output shows, not failures: a group held by a VM, a non-viable group, a node this user may not open. */
const EXPECTED = new Set(['EBUSY', 'EACCES', 'EPERM', 'NOT_VIABLE'])
/** Each vfio-pci device's predicted view, from sysfs (set on the scanned devices before any query). */
function predictAll(fs: FsReader, s: Scan): void {
  const all = [...s.groups.flatMap((g) => g.members), ...s.ungrouped]
  if (!all.some((d) => d.driver === 'vfio-pci')) return
  const h = readHostFacts(fs, s.host.kernel)
  const resources = smallBars(all.flatMap((d) => d.resources))
  const census = new Map()
  for (const d of all) {
    const p = predictDevice(fs, d, h, resources, census)
    if (p !== undefined) d.predicted = p
  }
}

/** -k: each listed device's possible modules, from its modalias and the running kernel's alias index. */
function kernelModules(fs: FsReader, s: Scan): void {
  const index = s.host.kernel === null ? null : new ModuleIndex(fs, modulesDir(s.host.kernel))
  for (const d of [...s.groups.flatMap((g) => g.members.filter((m) => g.selected.has(m.address))), ...s.ungrouped]) {
    const alias = readModalias(fs, d.bus, d.address)
    d.kernelModules = alias === null || index === null ? null : index.lookup(alias)
  }
}

function confirmAll(groups: IommuGroup[]): IommuGroup[] {
  return groups.map((g) => ({
    ...g,
    devices: g.devices.map((d) => (d.predicted !== undefined && d.vfio !== null && d.vfio.ok ? { ...d, agreement: confirm(d.predicted, d.vfio.value) } : d)),
  }))
}

/** What --open will open (the devices it queries), with the reset vfio-pci does on each. */
function toOpen(s: Scan, via: GatherOptions['via']): { address: string; reset: string | null | undefined }[] {
  return s.groups.flatMap((g) =>
    g.members
      .filter((d) => g.selected.has(d.address) && d.vfioDriver && !d.bridge && (g.node !== null || (via !== 'group' && d.cdev !== null)))
      .map((d) => ({ address: d.address, reset: d.predicted !== undefined ? d.predicted.resetMethod : d.bus === 'pci' && (d.resetMethods === null || d.resetMethods.length === 0) ? null : platformReset(d) })),
  )
}

/** vfio-platform's reset handlers (drivers/vfio/platform/reset), by the first compatible string it matches on. */
const PLATFORM_RESETS = new Set(['calxeda,hb-xgmac', 'amd,xgbe-seattle-v1a', 'brcm,iproc-flexrm-mbox'])

/** A platform or AMBA device is reset on open only through a reset handler for its first compatible (device
 * tree) or an ACPI _RST method, which sysfs does not show: unknown without a DT node. */
function platformReset(d: Device): string | null | undefined {
  if ((d.bus !== 'platform' && d.bus !== 'amba') || d.ofNode === null) return undefined
  const c = d.ofNode.compatible[0]
  return c !== undefined && PLATFORM_RESETS.has(c) ? `reset handler for ${c}` : null
}

const isFail = (p: Probe<unknown> | Quirk | null | undefined): boolean => p !== null && p !== undefined && 'ok' in p && !p.ok && !EXPECTED.has(p.error.code)
const isBusy = (p: Probe<unknown> | null): boolean => p !== null && !p.ok && p.error.code === 'EBUSY'
const looped = (caps: readonly InfoCap[]): number => caps.filter((c) => c.kind === 'chain-error').length

/** What went wrong unexpectedly (EIO, EPROTO, a looped chain, a failed --read-region): drives exit status 2. */
export function countFailures(inv: Pick<Inventory, 'groups'>): number {
  let n = 0
  for (const g of inv.groups) {
    if (isFail(g.status)) n++
    if (isFail(g.container)) n++
    else if (g.container?.ok && isFail(g.container.value.iommuInfo)) n++
    for (const d of g.devices) {
      if (d.vfio === null) continue
      if (!d.vfio.ok) {
        if (isFail(d.vfio)) n++
        continue
      }
      const v = d.vfio.value
      n += looped(v.caps)
      for (const r of v.regions) n += isFail(r.info) ? 1 : 'ok' in r.info && r.info.ok ? looped(r.info.value.caps) : 0
      n += v.irqs.filter((r) => isFail(r.info)).length
      if (isFail(v.hotReset)) n++
      if (isFail(v.regionDump)) n++
      n += v.features.filter((f) => f.error !== undefined && !EXPECTED.has(f.error.code)).length
    }
  }
  return n
}

/** The kernel's mapping of each platform/AMBA device's DT interrupts, read after the opens (which map them). */
function attachKernelIrqs(fs: FsReader, groups: IommuGroup[]): void {
  for (const g of groups)
    g.devices = g.devices.map((d) => (d.pci === null && d.ofNode?.interrupts != null ? { ...d, ofNode: { ...d.ofNode, interrupts: withKernelIrqs(fs, d.address, d.ofNode.interrupts) } } : d))
}
