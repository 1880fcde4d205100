// Readiness on arm64: the SMMU (v3 or v1/v2) as /sys/class/iommu shows it, the firmware that describes it
// (ACPI IORT or a device tree), and MSI isolation as the kernel judges it for VFIO: vfio_iommu_type1 and
// iommufd refuse a group unless every member's MSI irq domain chain has IRQ_DOMAIN_FLAG_ISOLATED_MSI
// (msi_device_has_isolated_msi), which the GIC ITS sets and GICv2m does not; a device with no MSI domain
// falls back to arch_is_isolated_msi(), false on arm64. From sysfs, /proc and the device tree only.
import type { Arm64Readiness, Finding, MsiController, SmmuInstance } from '../model/diagnostics.js'
import type { Device } from '../model/types.js'
import type { FsReader } from '../inspect/fs.js'
import { attempt, list, readBytes, readLink } from '../inspect/proc.js'
import { isVfioDriver } from '../inspect/sysfs-device.js'
import { ALLOW_UNSAFE_INTERRUPTS, ENABLE_SMMU } from './fixes.js'

/** The kernel parameters that matter on arm64 (the x86 ones mean nothing there). */
export const ARM64_PARAMS =
  /^(iommu\.passthrough|iommu\.strict|arm[-_]smmu(-v3|_v3)?\.[a-z0-9_-]+|irqchip\.gicv3_nolpi|acpi|vfio_iommu_type1\.allow_unsafe_interrupts|iommufd\.allow_unsafe_interrupts|vfio\.enable_unsafe_noiommu_mode|vfio[-_]pci\.ids|vfio[-_]platform\.[a-z0-9_]+|pcie_acs_override)(=|$)/

const DT = '/sys/firmware/devicetree/base'
const exists = (fs: FsReader, p: string): boolean => {
  const a = attempt(() => fs.stat(p))
  return a.ok && a.v !== null
}
const base = (p: string | null): string | null => (p === null ? null : p.slice(p.lastIndexOf('/') + 1))
const strings = (b: Uint8Array | null): string[] => (b === null ? [] : Buffer.from(b).toString('latin1').split('\0').filter((s) => s !== ''))

function smmuOf(fs: FsReader, name: string): SmmuInstance {
  const device = base(readLink(fs, `/sys/class/iommu/${name}/device`))
  const driver = base(readLink(fs, `/sys/class/iommu/${name}/device/driver`))
  const v3 = /^smmu3\./.test(name) || driver === 'arm-smmu-v3'
  const v2 = !v3 && (/^smmu\./.test(name) || driver === 'arm-smmu')
  return { name, version: v3 ? 'v3' : v2 ? 'v1/v2' : null, device, driver }
}

/** irq chip names of /proc/interrupts that carry MSIs: ITS-MSI / ITS-pMSI (ITS), MSI (GICv2m before its
 * per-device domains), ITS-PCI-MSIX-… / GICv2m-PCI-MSI-… (per-device domains, 6.15 and later). */
export function msiChips(interrupts: string | null): MsiController[] {
  if (interrupts === null) return []
  const seen = new Map<string, MsiController>()
  for (const l of interrupts.split('\n')) {
    const w = l.trim().split(/\s+/).find((x) => /MSI/.test(x))
    if (w === undefined) continue
    const name = w.replace(/-[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, '')
    const kind = /^ITS-/.test(name) ? 'its' : /^GICv2m/.test(name) ? 'gicv2m' : 'other'
    if (!seen.has(name)) seen.set(name, { kind, name, source: '/proc/interrupts', isolated: kind === 'its' })
  }
  return [...seen.values()]
}

/** MSI controllers under the device tree's interrupt controllers (nodes with msi-controller), enabled only. */
function dtMsiControllers(fs: FsReader): MsiController[] {
  const out: MsiController[] = []
  for (const top of list(fs, DT) ?? []) {
    const kids = list(fs, `${DT}/${top}`)
    if (kids === null || !kids.includes('interrupt-controller')) continue
    for (const k of kids) {
      const props = list(fs, `${DT}/${top}/${k}`)
      if (props === null || !props.includes('msi-controller')) continue
      const status = strings(readBytes(fs, `${DT}/${top}/${k}/status`))[0]
      if (status !== undefined && status !== 'okay' && status !== 'ok') continue
      const compat = strings(readBytes(fs, `${DT}/${top}/${k}/compatible`))
      const kind = compat.some((c) => /gic-v3-its$/.test(c)) ? 'its' : compat.some((c) => /gic-v2m-frame$/.test(c)) ? 'gicv2m' : 'other'
      out.push({ kind, name: `/${top}/${k}`, source: 'device tree', isolated: kind === 'its' })
    }
  }
  return out
}

/** Registered SMMU drivers; null when that cannot be told (a snapshot recorded before these reads). */
function smmuDrivers(fs: FsReader): string[] | null {
  const out: string[] = []
  for (const d of ['arm-smmu-v3', 'arm-smmu']) {
    const a = attempt(() => fs.stat(`/sys/bus/platform/drivers/${d}`))
    if (!a.ok) return null
    if (a.v !== null) out.push(d)
  }
  return out
}

const lastFlag = (cmdline: readonly string[], key: string): boolean | null => {
  const v = cmdline.filter((p) => p.startsWith(`${key}=`)).pop()
  return v === undefined ? null : /^(1|y|yes|on|true)$/i.test(v.slice(key.length + 1))
}

export function readArm64(fs: FsReader, iommus: readonly string[], cmdline: readonly string[], interrupts: string | null): Arm64Readiness {
  const acpi = list(fs, '/sys/firmware/acpi/tables') !== null
  const dt = exists(fs, DT)
  const chips = msiChips(interrupts)
  // The device tree names the controllers even before any MSI is allocated; /proc/interrupts shows those in use.
  const fromDt = dt && !acpi ? dtMsiControllers(fs) : []
  return {
    firmware: acpi ? 'acpi' : dt ? 'devicetree' : 'unknown',
    iort: acpi ? exists(fs, '/sys/firmware/acpi/tables/IORT') : null,
    smmus: iommus.map((n) => smmuOf(fs, n)),
    smmuDrivers: smmuDrivers(fs),
    msiControllers: [...chips, ...fromDt],
    interruptsRead: interrupts !== null,
    passthrough: lastFlag(cmdline, 'iommu.passthrough'),
  }
}

const smmuText = (s: SmmuInstance): string => `${s.name}${s.version !== null || s.driver !== null ? ` (${[s.version === null ? null : `SMMU${s.version}`, s.driver === null ? null : `${s.driver}${s.device !== null ? ` on ${s.device}` : ''}`].filter((x) => x !== null).join(', ')})` : ''}`
const firmwareText = (a: Arm64Readiness): string => (a.firmware === 'acpi' ? `ACPI${a.iort === true ? ' (IORT)' : a.iort === false ? ', no IORT table' : ''}` : a.firmware === 'devicetree' ? 'device tree' : 'firmware')

/** The iommu finding on arm64: SMMU instances, or why there are none (and no x86 advice). */
export function smmuFinding(a: Arm64Readiness, cmdline: readonly string[], noiommuEnabled: boolean | null): Finding {
  const line = cmdline.length > 0 ? ` (command line: ${cmdline.join(' ')})` : ''
  if (a.smmus.length > 0) {
    const pt = a.passthrough === true ? '; iommu.passthrough=1: host DMA bypasses it, VFIO still attaches its own translated domains' : ''
    return { id: 'iommu', level: 'ok', text: `IOMMU enabled: ${a.smmus.map(smmuText).join(' ')}, described by the ${firmwareText(a)}${pt}${line}`, fix: [] }
  }
  const why =
    a.firmware === 'acpi' && a.iort === false
      ? 'this ACPI machine has no IORT table, so no SMMU is described to the kernel'
      : a.smmuDrivers === null
        ? `the ${firmwareText(a)} describes none, or its driver (arm-smmu-v3 / arm-smmu) is not in this kernel`
        : a.smmuDrivers.length === 0
          ? 'and no SMMU driver is registered (arm-smmu-v3 / arm-smmu)'
          : `the ${firmwareText(a)} describes no SMMU that ${a.smmuDrivers.join(' / ')} bound`
  return { id: 'iommu', level: noiommuEnabled === true ? 'warn' : 'bad', text: `no IOMMU active: /sys/class/iommu has no SMMU; ${why}`, fix: ENABLE_SMMU }
}

/** MSI isolation, the arm64 form of interrupt remapping, from the MSI controllers found. */
export function msiEvidence(a: Arm64Readiness, cmdline: readonly string[]): { state: 'enabled' | 'disabled' | 'unknown'; evidence: string } {
  const names = (cs: readonly MsiController[]): string => [...new Set(cs.map((c) => (c.source === 'device tree' ? `${c.name} in the device tree` : c.name)))].join(', ')
  const its = a.msiControllers.filter((c) => c.isolated)
  const other = a.msiControllers.filter((c) => !c.isolated)
  const nolpi = lastFlag(cmdline, 'irqchip.gicv3_nolpi') === true ? '; irqchip.gicv3_nolpi=1 turns the ITS off' : ''
  if (its.length > 0)
    return { state: 'enabled', evidence: `MSIs through the GIC ITS (${names(its)}), which isolates them per device${other.length > 0 ? `; devices on ${names(other)} are not isolated` : ''}` }
  if (other.length > 0) return { state: 'disabled', evidence: `MSIs through ${names(other)}, not an ITS: GICv2m and other MSI frames do not isolate them${nolpi}` }
  return { state: 'unknown', evidence: `${a.interruptsRead === false ? '/proc/interrupts not readable and no' : 'no'} MSI controller in /proc/interrupts or the device tree to tell${nolpi}` }
}

export const MSI_FIX = 'route MSIs through a GICv3/v4 ITS (firmware: the ITS enabled and PCI root complexes mapped to it by msi-map / msi-parent or the IORT; no irqchip.gicv3_nolpi=1)'

/**
 * VFIO devices bound on the platform or AMBA bus that sit behind an SMMU (sysfs `iommu` link) yet have no
 * msi-parent: no MSI domain, so msi_device_has_isolated_msi() is false on arm64 and the kernel refuses
 * their group (EPERM) unless allow_unsafe_interrupts is set.
 */
export function platformMsiFinding(fs: FsReader, devices: readonly Device[], allowed: boolean): Finding | null {
  const hit = devices.filter(
    (d) =>
      (d.bus === 'platform' || d.bus === 'amba') &&
      d.driver !== null &&
      isVfioDriver(d.driver) &&
      readLink(fs, `/sys/bus/${d.bus}/devices/${d.address}/iommu`) !== null &&
      (d.ofNode === null || readBytes(fs, `${DT}${d.ofNode.path === '/' ? '' : d.ofNode.path}/msi-parent`) === null),
  )
  if (hit.length === 0) return null
  const who = hit.map((d) => d.address).join(', ')
  return {
    id: 'msi-isolation',
    level: allowed ? 'warn' : 'bad',
    text: `${who} ${hit.length === 1 ? 'is' : 'are'} behind an SMMU but ${hit.length === 1 ? 'has' : 'have'} no MSI domain (no msi-parent): arm64 has no architecture-wide MSI isolation, so ${allowed ? 'only allow_unsafe_interrupts=1 lets VFIO attach the group' : 'VFIO refuses the group (EPERM)'}`,
    fix: allowed ? [] : [ALLOW_UNSAFE_INTERRUPTS],
  }
}

/** Loaded VFIO modules as the readiness list names them: the core ones first, then every other one loaded. */
export function arm64Modules(loaded: readonly string[], hostModules: readonly string[]): string[] {
  const extra = hostModules.filter((m) => !loaded.includes(m) && (/(^|_)vfio(_|$)/.test(m) || m === 'iommufd'))
  return [...loaded, ...extra]
}

/** The module each device meant for VFIO needs (its bound driver or driver_override): vfio-pci → vfio_pci. */
export function neededModules(devices: readonly Device[]): string[] {
  const want = new Set<string>()
  for (const d of devices) {
    const drv = d.driver !== null && isVfioDriver(d.driver) ? d.driver : d.driverOverride !== null && isVfioDriver(d.driverOverride) ? d.driverOverride : null
    if (drv !== null && d.bus !== 'mdev') want.add(drv.replace(/-/g, '_'))
  }
  return [...want]
}
