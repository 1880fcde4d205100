// The sysfs scan: IOMMU groups, their member devices, viability and host readiness. Opens nothing.
import type { DevNode, Device, HostInfo, Viability } from '../model/types.js'
import type { FsReader, NodeStat } from './fs.js'
import type { NameDb } from './pci-ids.js'
import { isEmulatedGroup } from './mdev.js'
import { detectArch } from './arch.js'
import { attempt, list } from './proc.js'
import { matches, selectsAll, type Selection } from './selection.js'
import { isDmaSafeDriver, isVfioDriver, readDevice, resolveLink } from './sysfs-device.js'

const GROUPS = '/sys/kernel/iommu_groups'
const MODULES = ['vfio', 'vfio_iommu_type1', 'vfio_pci', 'vfio_pci_core', 'vfio_platform', 'vfio_amba', 'vfio_virqfd', 'iommufd', 'vfio_mdev', 'mdev']

/** A group as sysfs shows it, before any ioctl. */
export interface ScannedGroup {
  id: number
  noiommu: boolean
  /** made up by vfio for mediated devices (emulated IOMMU) */
  emulated: boolean
  domainType: string | null
  node: DevNode | null
  viability: Viability
  /** All members (viability needs them); `selected` marks the ones to show. */
  members: Device[]
  selected: Set<string>
}

export interface Scan {
  host: HostInfo
  groups: ScannedGroup[]
  ungrouped: Device[]
  /** With `unlisted`: the selected PCI devices in no IOMMU group that are not bound to VFIO (check judges them). */
  unlisted: Device[]
}

// st_mode's file-type bits (S_IFCHR …): the fs seam reports the kind apart from the permission bits.
const TYPE_BITS: Record<NodeStat['kind'], number> = { char: 0o020000, block: 0o060000, dir: 0o040000, file: 0o100000, link: 0o120000, other: 0 }

/** A /dev node with its whole st_mode (0o20600 = crw-------), as ls shows it. */
export function devNode(fs: FsReader, path: string): DevNode | null {
  const s = fs.stat(path)
  return s === null ? null : { path, mode: TYPE_BITS[s.kind] | (s.mode & 0o7777), uid: s.uid, gid: s.gid, rdev: s.rdev }
}

/** VFIO modules beyond MODULES (vfio_platform_base, vendor variants such as nvgrace_gpu_vfio_pci), sorted. */
const isVfioModule = (m: string): boolean => !MODULES.includes(m) && /(^|_)vfio(_|$)/.test(m)

export function scanHost(fs: FsReader): HostInfo {
  const param = fs.readText('/sys/module/vfio/parameters/enable_unsafe_noiommu_mode')?.trim() ?? null
  const iommus = fs.list('/sys/class/iommu') ?? []
  const kernel = fs.readText('/proc/sys/kernel/osrelease')?.trim() ?? null
  const known = MODULES.filter((m) => fs.stat('/sys/module/' + m) !== null)
  // one listing finds the rest; a snapshot recorded before it was read has the known ones only
  const others = known.includes('vfio') ? (list(fs, '/sys/module') ?? []).filter(isVfioModule).sort() : []
  return {
    iommus,
    groupCount: (fs.list(GROUPS) ?? []).length,
    modules: [...known, ...others],
    noiommuEnabled: param === null ? null : param === 'Y' || param === '1',
    containerNode: devNode(fs, '/dev/vfio/vfio'),
    iommufdNode: devNode(fs, '/dev/iommu'),
    kernel,
    arch: detectArch(fs, iommus, kernel),
  }
}

function viability(members: readonly Device[]): Viability {
  // An mdev's driver is its VFIO driver: binding it claims no DMA ownership of the group.
  const blockers = members
    .filter((d) => d.driver !== null && d.bus !== 'mdev' && !isDmaSafeDriver(d.driver))
    .map((d) => ({ address: d.address, driver: d.driver ?? '' }))
  return { viable: blockers.length === 0, blockers }
}

/** configBytes: how much of each VFIO device's sysfs config to read (0: none). unlisted: also gather
 * the selected devices in no group that are not bound to VFIO (only an explicit selection finds such devices). */
export function scan(fs: FsReader, sel: Selection, names: NameDb | null, configBytes = 256, unlisted = false): Scan {
  const host = scanHost(fs)
  const ids = (fs.list(GROUPS) ?? []).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b)
  const groups: ScannedGroup[] = []
  const grouped = new Set<string>()
  for (const id of ids) {
    if (sel.group !== null && sel.group !== id) continue
    const dir = `${GROUPS}/${id}`
    const members: Device[] = []
    for (const name of fs.list(dir + '/devices') ?? []) {
      const devPath = resolveLink(fs, `${dir}/devices/${name}`)
      if (devPath === null) continue
      members.push(readDevice(fs, name, devPath, names, configBytes))
      grouped.add(name)
    }
    const selected = new Set(members.filter((d) => matches(sel, d, id)).map((d) => d.address))
    if (selected.size === 0) continue
    // vfio names the group "vfio-noiommu" when it made it up: for no-IOMMU mode, or for mdevs.
    const name = fs.readText(dir + '/name')?.trim() ?? null
    const emulated = isEmulatedGroup(fs, id, name, members)
    const noiommu = !emulated && (name === 'vfio-noiommu' || fs.stat(`/dev/vfio/noiommu-${id}`) !== null)
    groups.push({
      id,
      noiommu,
      emulated,
      domainType: fs.readText(dir + '/type')?.trim() ?? null,
      node: devNode(fs, noiommu ? `/dev/vfio/noiommu-${id}` : `/dev/vfio/${id}`),
      viability: viability(members),
      members,
      selected,
    })
  }
  if (sel.group !== null) return { host, groups, ungrouped: [], unlisted: [] }
  return { host, groups, ...ungroupedDevices(fs, grouped, sel, names, configBytes, unlisted && !selectsAll(sel)) }
}

/** PCI devices with no IOMMU group: the VFIO-bound ones are shown so that a broken set-up is visible;
 * with `others`, the selected ones that are not bound to VFIO are gathered too. */
function ungroupedDevices(fs: FsReader, grouped: Set<string>, sel: Selection, names: NameDb | null, configBytes: number, others: boolean): { ungrouped: Device[]; unlisted: Device[] } {
  const ungrouped: Device[] = []
  const unlisted: Device[] = []
  // The address parts of the selection, to skip the rest before reading all their files.
  const byAddress = { ...sel, id: null, driver: null }
  for (const name of fs.list('/sys/bus/pci/devices') ?? []) {
    if (grouped.has(name)) continue
    const devPath = resolveLink(fs, '/sys/bus/pci/devices/' + name)
    const drv = devPath === null ? null : fs.readLink(devPath + '/driver')
    if (devPath !== null && drv !== null && isVfioDriver(drv.slice(drv.lastIndexOf('/') + 1))) {
      const d = readDevice(fs, name, devPath, names, configBytes)
      if (d.vfioDriver && matches(sel, d, null)) {
        ungrouped.push(d)
        continue
      }
    }
    if (!others || !matches(byAddress, { address: name, pci: null, driver: null }, null)) continue
    const d = attempt(() => readDevice(fs, name, `/sys/bus/pci/devices/${name}`, names, 0))
    if (d.ok && matches(sel, d.v, null)) unlisted.push(d.v)
  }
  return { ungrouped, unlisted }
}
