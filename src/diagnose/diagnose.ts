// The diagnostics of one run: per group why it is not viable (and the fix), who holds it, why it is
// large, whether this user may open it; per device stale overrides, what opening resets, SR-IOV and
// NUMA; and the host's readiness. Everything from sysfs and /proc: nothing here opens /dev/vfio.
import type { Blocker, Credentials, DeviceDiagnosis, Diagnostics, GroupDiagnosis, HolderScan, NodeAccess, OverrideWarning } from '../model/diagnostics.js'
import type { Facts, Gathered } from '../inspect/inspect.js'
import type { DevNode, Device, Inventory, IommuGroup } from '../model/types.js'
import { blockerFix } from './fixes.js'
import type { FsReader } from '../inspect/fs.js'
import { deviceHolders, groupHolders } from '../inspect/holders.js'
import { list, readLink, readText, type Names } from '../inspect/proc.js'
import { readReadiness } from './readiness.js'
import { readSriov } from './sriov.js'
import { isVfioDriver } from '../inspect/sysfs-device.js'
import { readPcieFacts } from '../inspect/pcie-path.js'
import { isolationFromPcie, pcieDiagnosis, predictGroups } from './pcie-explain.js'
import { PciTopology, isolationOf, predictReset, type DeviceFacts } from './topology.js'

const PCI = '/sys/bus/pci/devices'

function overrideWarning(fs: FsReader, d: Device): OverrideWarning | null {
  const ov = d.driverOverride
  if (ov === null || ov === d.driver || d.pci === null) return null
  const a = d.address
  const probe = `echo ${a} > /sys/bus/pci/drivers_probe`
  if (d.driver === null) {
    const loaded = list(fs, `/sys/bus/pci/drivers/${ov}`) !== null
    return {
      kind: 'unbound',
      text: `driver_override=${ov} is set but no driver is bound: it applies at the next probe${loaded ? '' : ` (and ${ov} is not loaded)`}`,
      fix: [loaded ? probe : `modprobe ${ov}; ${probe}`],
    }
  }
  if (isVfioDriver(ov) && !isVfioDriver(d.driver))
    return {
      kind: 'bound-elsewhere',
      text: `stale driver_override: set to ${ov} but the device is bound to ${d.driver} (the override only takes effect at the next probe)`,
      fix: [`echo ${a} > ${PCI}/${a}/driver/unbind; ${probe}`],
    }
  return {
    kind: 'differs',
    text: `driver_override=${ov} but bound to ${d.driver}: the next rebind (reboot, unbind, hot-plug) will give the device to ${ov}`,
    fix: [`driverctl unset-override ${a}`, `echo > ${PCI}/${a}/driver_override`],
  }
}

/** Whether the current process may open `node` read-write, from its mode, owner and our credentials. */
export function nodeAccess(node: DevNode, self: Credentials, names: Names, noiommu: boolean): NodeAccess {
  const who = `uid ${self.uid}${self.user !== null ? ` (${self.user})` : ''}, gid ${self.gid}${self.groups.length > 0 ? `, groups ${self.groups.join(' ')}` : ''}`
  const owner = names.user(node.uid) ?? String(node.uid)
  const group = names.group(node.gid) ?? String(node.gid)
  const mode = `mode ${(node.mode & 0o777).toString(8).padStart(4, '0')} ${owner}:${group}`
  if (noiommu && !self.capabilities.sysRawio)
    return { path: node.path, ok: false, why: `no-IOMMU groups need CAP_SYS_RAWIO, which this process (${who}) lacks`, fix: ['run as root (or give the program cap_sys_rawio with setcap)'] }
  if (self.capabilities.dacOverride) return { path: node.path, ok: true, why: `CAP_DAC_OVERRIDE (root) opens it whatever its ${mode}`, fix: [] }
  const rw = (bits: number): boolean => (bits & 6) === 6
  let ok: boolean
  let how: string
  if (node.uid === self.uid) [ok, how] = [rw(node.mode >> 6), 'as its owner']
  else if (node.gid === self.gid || self.groups.includes(node.gid)) [ok, how] = [rw(node.mode >> 3), `through group ${group}`]
  else [ok, how] = [rw(node.mode), 'as "other"']
  if (ok) return { path: node.path, ok, why: `read-write ${how} (${mode})`, fix: [] }
  const user = self.user ?? String(self.uid)
  return {
    path: node.path,
    ok,
    why: `${mode} gives ${how === 'as "other"' ? 'others' : how} no read-write access, and this process is ${who} (ACLs not checked)`,
    fix: [`sudo chown ${user} ${node.path}   # until the next reboot or rebind`, `persistently, a udev rule: SUBSYSTEM=="vfio", OWNER="${user}" (or GROUP="kvm", MODE="0660" and the user in kvm)`],
  }
}

/** The judgement of one run's gathered facts. Still reads the sysfs files only it needs (topology,
 * SR-IOV, overrides' drivers, readiness parameters); nothing opens /dev/vfio. */
export function diagnose(fs: FsReader, inventory: Inventory, facts: Facts): Diagnostics {
  const { host } = inventory
  const { holders, self, names } = facts
  const topo = new PciTopology(fs)
  const factCache = new Map<string, DeviceFacts>()
  const busFacts = (a: string): DeviceFacts => {
    let f = factCache.get(a)
    if (f === undefined) {
      const g = readLink(fs, `${PCI}/${a}/iommu_group`)
      const drv = readLink(fs, `${PCI}/${a}/driver`)
      f = { group: g === null ? null : Number(g.slice(g.lastIndexOf('/') + 1)), driver: drv === null ? null : drv.slice(drv.lastIndexOf('/') + 1) }
      factCache.set(a, f)
    }
    return f
  }
  const pcie = readPcieFacts(fs, topo)
  const predicted = pcie.unreadable > 0 ? null : predictGroups(pcie.nodes)
  const vfioPciLoaded = host.modules.includes('vfio_pci') || list(fs, '/sys/bus/pci/drivers/vfio-pci') !== null
  const membersOf = (g: IommuGroup): readonly Device[] => facts.members.get(g.id) ?? g.devices
  const groups: GroupDiagnosis[] = inventory.groups.map((g) => {
    const members = membersOf(g)
    // Only a group meant for VFIO gets fix commands: moving a host's own devices (its disk, its NIC) is no fix.
    const meant = members.some((m) => m.vfioDriver || (m.driverOverride !== null && isVfioDriver(m.driverOverride)))
    const blockers: Blocker[] = g.viability.blockers.map((b) => ({ ...b, fix: meant && members.find((m) => m.address === b.address)?.pci != null ? blockerFix(b.address, vfioPciLoaded) : [] }))
    const access = g.node === null || self === null ? null : [nodeAccess(g.node, self, names, g.noiommu), ...(host.containerNode !== null ? [nodeAccess(host.containerNode, self, names, false)] : [])]
    return {
      id: g.id,
      holders: groupHolders(
        holders,
        g.id,
        members.map((m) => m.address),
      ).map((h) => h.pid),
      blockers,
      isolation: members.length > 1 && pcie.unreadable === 0 && members.every((m) => pcie.nodes.has(m.address)) ? isolationFromPcie(pcie, members.map((m) => m.address), predicted) : isolationOf(members, topo),
      access,
    }
  })
  const inUse = (a: string): boolean => {
    const g = busFacts(a).group
    return g !== null && groupHolders(holders, g, [a]).length > 0
  }
  const device = (d: Device, group: number | null): DeviceDiagnosis => {
    const vfio = d.driver !== null && isVfioDriver(d.driver)
    return {
      address: d.address,
      group,
      override: overrideWarning(fs, d),
      reset: predictReset(d, topo, busFacts),
      sriov: d.pci === null ? null : readSriov(fs, d.address, inUse),
      numa: { node: d.numaNode === null || d.numaNode < 0 ? null : d.numaNode, cpus: vfio ? (readText(fs, `/sys/bus/${d.bus}/devices/${d.address}/local_cpulist`)?.trim() ?? null) : null },
      holders: deviceHolders(holders, d.address).map((h) => h.pid),
    }
  }
  const devices = [...inventory.groups.flatMap((g) => g.devices.map((d) => device(d, g.id))), ...inventory.ungrouped.map((d) => device(d, null))]
  const all = [...inventory.groups.flatMap(membersOf), ...inventory.ungrouped]
  const shown = inventory.groups.flatMap((g) => membersOf(g).filter((m) => m.pci !== null).map((m) => m.address))
  return { self, readiness: readReadiness(fs, host, all, self, holders), holders, groups, devices, pcie: pcieDiagnosis(pcie, shown, predicted) }
}

/** The inventory with its diagnostics, when facts for them were gathered. */
export function judged(fs: FsReader, g: Gathered): Inventory {
  return g.facts === null ? g.inventory : { ...g.inventory, diagnostics: diagnose(fs, g.inventory, g.facts) }
}
