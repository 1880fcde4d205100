// `lsvfio metrics`: the Prometheus text exposition format (version 0.0.4) for node_exporter's textfile
// collector. One lsvfio_ prefix, base units, _info series with value 1 for metadata, no _total (nothing
// here is a counter), HELP and TYPE on every family, label values escaped. Pure.
import { groupDiagnosis } from '../diagnose/lookup.js'
import type { VerdictKind } from '../model/diagnostics.js'
import { type FleetMeta, type FleetSummary, NOT_READY_KINDS } from './fleet.js'
import { safe } from './safe.js'

type Labels = Readonly<Record<string, string>>

/** A label value as the exposition format needs it: backslash, double quote and line feed escaped. Host
 * strings (VM names, comm) are hostile: other control characters are shown visibly first, since
 * `lsvfio metrics` without --output writes to a terminal. */
export function escapeLabel(v: string): string {
  return v.split('\n').map(safe).join('\n').replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'))
}

const escapeHelp = (v: string): string => v.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'))

/** The group as /dev/vfio names it: "12", or "noiommu-0" for a no-IOMMU group. */
const groupLabel = (g: { id: number; noiommu: boolean }): string => (g.noiommu ? `noiommu-${g.id}` : String(g.id))

const hex = (n: number, w: number): string => `0x${n.toString(16).padStart(w, '0')}`

class Out {
  readonly lines: string[] = []
  family(name: string, help: string, samples: readonly (readonly [Labels, number])[]): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`)
    for (const [labels, value] of samples) {
      const ls = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',')
      this.lines.push(`${name}${ls === '' ? '' : `{${ls}}`} ${Number.isFinite(value) ? String(value) : 'NaN'}`)
    }
  }
  one(name: string, help: string, value: number | boolean): void {
    this.family(name, help, [[{}, typeof value === 'boolean' ? (value ? 1 : 0) : value]])
  }
}

const b = (x: boolean | null | undefined): number => (x === true ? 1 : 0)

export function renderMetrics(s: FleetSummary, meta: FleetMeta): string {
  const o = new Out()
  const r = s.diag.readiness
  const host = s.inv.host
  o.family('lsvfio_info', 'lsvfio version and the kernel release it read (value 1)', [[{ version: meta.version, kernel: host.kernel ?? '' }, 1]])
  o.one('lsvfio_last_run_timestamp_seconds', 'When lsvfio gathered these metrics (Unix time)', Math.floor(meta.time.getTime() / 1000))
  o.one('lsvfio_host_ready', '1 when an IOMMU is active and no host readiness finding is a problem (interrupt remapping not refused, VFIO modules loaded)', s.hostReady)
  o.one('lsvfio_iommu_enabled', '1 when an IOMMU is active (/sys/class/iommu is not empty)', r.iommu.enabled)
  o.one('lsvfio_iommu_instances', 'IOMMU instances under /sys/class/iommu', r.iommu.instances.length)
  o.family(
    'lsvfio_interrupt_remapping',
    'Interrupt remapping as /proc/interrupts and the kernel command line tell it: 1 for the current state',
    (['enabled', 'disabled', 'unknown'] as const).map((st) => [{ state: st }, b(r.interruptRemapping.state === st)]),
  )
  o.one('lsvfio_unsafe_interrupts_allowed', '1 when allow_unsafe_interrupts is set for vfio_iommu_type1 or iommufd', r.interruptRemapping.allowUnsafeType1 === true || r.interruptRemapping.allowUnsafeIommufd === true)
  o.one('lsvfio_noiommu_mode_available', '1 when the kernel has no-IOMMU mode (CONFIG_VFIO_NOIOMMU)', r.noiommu.available)
  o.one('lsvfio_noiommu_mode_enabled', '1 when no-IOMMU mode is on (enable_unsafe_noiommu_mode=Y: no DMA isolation)', r.noiommu.enabled === true)
  const modules = [...new Set([...r.modules.loaded, ...r.modules.missing])].sort()
  o.family('lsvfio_module_loaded', 'Whether each VFIO module lsvfio looks for is loaded', modules.map((m) => [{ module: m }, b(r.modules.loaded.includes(m))]))
  o.one('lsvfio_iommufd_available', '1 when /dev/iommu exists (iommufd)', r.iommufd.node)
  o.one('lsvfio_vfio_device_cdev_available', '1 when the kernel offers /dev/vfio/devices/vfioN', r.cdev === 'available')

  o.one('lsvfio_iommu_groups', 'IOMMU groups on the host', host.groupCount)
  o.one('lsvfio_devices', 'Devices in IOMMU groups', s.total)
  o.one('lsvfio_devices_vfio_bound', 'Devices bound to a VFIO driver', s.vfioBound)
  o.one('lsvfio_devices_meant_for_vfio', 'Devices bound to a VFIO driver or with driver_override naming one (what lsvfio check judges)', s.meant)
  o.one('lsvfio_devices_ready', 'Devices meant for VFIO that are ready for passthrough (lsvfio check)', s.ready)
  o.family(
    'lsvfio_devices_not_ready',
    'Devices meant for VFIO that are not ready, by the first reason lsvfio check gives',
    NOT_READY_KINDS.map((k) => [{ reason: k }, s.notReady.get(k) ?? 0]),
  )

  o.family(
    'lsvfio_device_info',
    'A device meant for VFIO, a member of its IOMMU group, or one with a stale driver_override (value 1)',
    s.devices.map(({ device: d, group: g }) => [
      {
        address: d.address,
        group: g === null ? '' : groupLabel(g),
        driver: d.driver ?? '',
        driver_override: d.driverOverride ?? '',
        vendor_id: d.pci === null ? '' : hex(d.pci.vendorId, 4),
        device_id: d.pci === null ? '' : hex(d.pci.deviceId, 4),
        class_id: d.pci === null ? '' : hex(d.pci.classCode, 6),
        vendor_name: d.pci?.vendorName ?? '',
        device_name: d.pci?.deviceName ?? '',
      },
      1,
    ]),
  )
  o.family(
    'lsvfio_device_ready',
    'Per device meant for VFIO: 1 ready for passthrough, 0 not; reason is the first lsvfio check gives ("ready" when ready)',
    s.devices.flatMap(({ device: d, verdict: v }) => (v === null ? [] : [[{ address: d.address, reason: v.reasons[0]?.kind ?? 'ready' }, b(v.ready)] as const])),
  )
  const stale = s.devices.flatMap(({ device: d, override: ov }) =>
    ov === null ? [] : [[{ address: d.address, kind: ov.kind, driver_override: d.driverOverride ?? '', driver: d.driver ?? '' }, 1] as const],
  )
  o.family('lsvfio_device_driver_override_stale', 'driver_override differs from the bound driver (kind: bound-elsewhere, unbound or differs; value 1)', stale)

  o.family('lsvfio_group_viable', 'Per IOMMU group of the devices above: 1 when no member is on a driver that breaks isolation', s.groups.map((g) => [{ group: groupLabel(g.group) }, b(g.group.viability.viable)]))
  o.family('lsvfio_group_vfio_devices', 'Per IOMMU group of the devices above: members bound to a VFIO driver', s.groups.map((g) => [{ group: groupLabel(g.group) }, g.vfio]))
  o.family('lsvfio_group_busy', 'Per IOMMU group of the devices above: 1 when a process holds it open', s.groups.map((g) => [{ group: groupLabel(g.group) }, b(g.holders.length > 0)]))
  o.family(
    'lsvfio_group_holder_info',
    'A process holding an IOMMU group above open, with the VM name from its command line (value 1)',
    s.groups.flatMap((g) => g.holders.map((h) => [{ group: groupLabel(g.group), pid: String(h.pid), comm: h.comm ?? '', vm_name: h.vmName ?? '' }, 1] as const)),
  )
  o.family(
    'lsvfio_holder_groups',
    'IOMMU groups each holding process has open, with its VM name',
    s.holders.map(({ holder: h, groups }) => [{ pid: String(h.pid), comm: h.comm ?? '', vm_name: h.vmName ?? '' }, groups]),
  )

  // Shared groups: where isolation stops (the PCIe path's ACS) and what would split them.
  const isolation = s.groups.flatMap((g) => {
    const l = groupDiagnosis(s.diag, g.group.id)?.isolation?.link
    return l === undefined ? [] : [[{ group: groupLabel(g.group), at: l.at ?? '', kind: l.kind, split: l.split.kind }, 1] as const]
  })
  o.family('lsvfio_group_isolation_break_info', 'Per shared IOMMU group above: the bridge or function where isolation stops, why (kind) and what would split it (value 1)', isolation)
  const pcie = s.diag.pcie
  if (pcie !== undefined) {
    o.one('lsvfio_acs_override', '1 when pcie_acs_override= is on the kernel command line: the isolation of groups it splits is claimed, not enforced', pcie.override !== null)
    if (pcie.prediction !== null) {
      o.one('lsvfio_grouping_predicted_devices', 'PCI functions whose IOMMU group lsvfio predicted from topology and ACS', pcie.prediction.devices)
      o.one('lsvfio_grouping_agreeing_devices', 'PCI functions whose predicted IOMMU group has exactly the kernel\'s members', pcie.prediction.agree)
    }
  }

  o.family('lsvfio_sriov_vfs', 'SR-IOV virtual functions per physical function (counted, not listed, to bound the series)', s.pfs.map((p) => [{ pf: p.pf }, p.vfs]))
  o.family('lsvfio_sriov_vfs_meant_for_vfio', 'VFs of the PF meant for VFIO', s.pfs.map((p) => [{ pf: p.pf }, p.meant]))
  o.family('lsvfio_sriov_vfs_ready', 'VFs of the PF ready for passthrough', s.pfs.map((p) => [{ pf: p.pf }, p.ready]))
  o.family(
    'lsvfio_sriov_vfs_not_ready',
    'VFs of the PF meant for VFIO but not ready, by the first reason lsvfio check gives',
    s.pfs.flatMap((p) => [...p.notReady].sort(([a], [c]) => NOT_READY_KINDS.indexOf(a) - NOT_READY_KINDS.indexOf(c)).map(([k, n]: [VerdictKind, number]) => [{ pf: p.pf, reason: k }, n] as const)),
  )
  const types = (s.inv.mdev?.parents ?? []).flatMap((p) => p.types.map((t) => ({ p, t })))
  o.family(
    'lsvfio_mdev_available_instances',
    'Per mediated-device type: how many more mdevs can be created now (available_instances)',
    types.flatMap(({ p, t }) => (t.availableInstances === null ? [] : [[{ parent: p.name, type: t.id, name: t.name ?? '', device_api: t.deviceApi ?? '' }, t.availableInstances] as const])),
  )
  o.family('lsvfio_mdev_instances', 'Per mediated-device type: mdevs created from it', types.map(({ p, t }) => [{ parent: p.name, type: t.id }, t.devices.length]))
  return o.lines.join('\n') + '\n'
}
