// `lsvfio check`: per selected device, ready for passthrough or the first reason it is not, each
// reason class with its own exit status (the CLI's table). Predicted from sysfs and /proc (nothing opened); with --open
// the kernel's answers replace the predictions it can confirm.
import type { CheckReport, Diagnostics, Reason, Verdict, VerdictKind } from '../model/diagnostics.js'
import { InternalError } from '../errors.js'
import type { Device, HostInfo, Inventory, IommuGroup, ProbeError } from '../model/types.js'
import type { Facts } from '../inspect/inspect.js'
import { holderName } from '../inspect/holders.js'
import { selectsAll, type Selection } from '../inspect/selection.js'
import { isVfioDriver } from '../inspect/sysfs-device.js'
import { bindFix, commands } from './fixes.js'
import { deviceDiagnosis, groupDiagnosis, holderByPid } from './lookup.js'
import { mdevVerdicts } from './mdev.js'

/** The order a VMM runs into them; the first one found decides the exit status. */
const ORDER: readonly VerdictKind[] = ['mdev-inactive', 'no-iommu', 'not-bound', 'noiommu-only', 'not-viable', 'busy', 'permission', 'unsafe-interrupts', 'vf-token', 'other']
/** What opening the device proves or disproves. */
const KERNEL_DECIDES: readonly VerdictKind[] = ['not-viable', 'busy', 'permission', 'unsafe-interrupts', 'vf-token']

/** The exit status of each outcome: the CLI's table (cli/exit.ts), handed in. */
export type ExitCodes = Readonly<Record<VerdictKind | 'no-match', number>>

interface Candidate {
  device: Device
  group: IommuGroup | null
}

/** Selected devices; with no selection, the ones meant for VFIO (bound to a VFIO driver or overridden to
 * one), or every device listed when `every` (the --table view judges each row). */
function candidates(inv: Inventory, facts: Facts, sel: Selection, every: boolean): Candidate[] {
  const out: Candidate[] = [...inv.groups.flatMap((g) => g.devices.map((device) => ({ device, group: g }))), ...inv.ungrouped.map((device) => ({ device, group: null }))]
  const meant = (d: Device): boolean => d.vfioDriver || (d.driverOverride !== null && isVfioDriver(d.driverOverride))
  const byAddress = (a: Candidate, b: Candidate): number => a.device.address.localeCompare(b.device.address)
  if (every) return out.filter((c) => !c.device.bridge)
  if (selectsAll(sel)) return out.filter((c) => !c.device.bridge && meant(c.device)).sort(byAddress)
  // A selected PCI device in no IOMMU group (no IOMMU, or no-IOMMU mode) is still a device to judge.
  for (const device of facts.unlisted) out.push({ device, group: null })
  return out.filter((c) => !c.device.bridge).sort(byAddress)
}

type MakeReason = (kind: VerdictKind, text: string, fix?: readonly string[]) => Reason

function predict(c: Candidate, host: HostInfo, diag: Diagnostics, reason: MakeReason): { reasons: Reason[]; warnings: string[] } {
  const { device: d, group: g } = c
  const reasons: Reason[] = []
  const warnings: string[] = []
  const r = diag.readiness
  const iommuFix = r.findings.find((f) => f.id === 'iommu')?.fix ?? []
  if (g === null) {
    if (!r.iommu.enabled && host.noiommuEnabled !== true) reasons.push(reason('no-iommu', 'no IOMMU is active on this host, so the device has no IOMMU group', iommuFix))
    else if (!d.vfioDriver) reasons.push(reason('no-iommu', `the device is in no IOMMU group${host.noiommuEnabled === true ? ' (in no-IOMMU mode, binding it to vfio-pci creates a noiommu group)' : ''}`, iommuFix))
    else reasons.push(reason('no-iommu', 'bound to a VFIO driver but in no IOMMU group: no group node to open', iommuFix))
  }
  const vfioPci = r.modules.loaded.includes('vfio_pci')
  if (!d.vfioDriver) {
    const ov = d.driverOverride
    const text = d.driver === null ? 'not bound to any driver (a VFIO user needs vfio-pci)' : `bound to ${d.driver}, not to a VFIO driver`
    const fix = d.pci === null ? [] : d.driver === null && ov !== null && isVfioDriver(ov) ? commands([['PCI address', d.address]], (a) => [`echo ${a} > /sys/bus/pci/drivers_probe`]) : bindFix(d.address, d.driver !== null, vfioPci)
    reasons.push(reason('not-bound', text, fix))
  }
  const gd = g === null ? undefined : groupDiagnosis(diag, g.id)
  const dd = deviceDiagnosis(diag, d.address)
  if (g !== null && g.noiommu)
    reasons.push(reason('noiommu-only', `in no-IOMMU group noiommu-${g.id}: no DMA isolation; only for DPDK-like drivers with CAP_SYS_RAWIO, never for a VM (the kernel is tainted when it is used)`, iommuFix))
  // The device itself as the only blocker is the not-bound reason again: binding it fixes both.
  const siblings = g === null ? [] : g.viability.blockers.filter((b) => b.address !== d.address)
  if (g !== null && siblings.length > 0) {
    const who = siblings.map((b) => `${b.address} is bound to ${b.driver}`).join(', ')
    const pci = siblings.filter((b) => /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(b.address))
    const fixes = pci.map((b) => bindFix(b.address, true, vfioPci))
    const fix = fixes.length === 0 ? [] : [0, 1].map((i) => fixes.map((f) => f[i] ?? '').join('; '))
    reasons.push(reason('not-viable', `group ${g.id} is not viable: ${who}`, fix))
  }
  if (gd !== undefined && gd.holders.length > 0) {
    const hs = gd.holders.map((pid) => holderByPid(diag, pid)).filter((h) => h !== undefined)
    reasons.push(reason('busy', `group ${g?.id ?? '?'} is open in ${hs.map(holderName).join(', ')}`, hs.map((h) => `stop pid ${h.pid}${h.vmName !== null ? ` (shut down VM "${h.vmName}")` : ''}, or wait for it to exit`)))
  } else if (diag.holders.hidden > 0) warnings.push(`${diag.holders.hidden} processes of other users could not be searched: a holder of this group would be invisible (run as root, or use --open)`)
  for (const a of gd?.access ?? []) if (!a.ok) reasons.push(reason('permission', `${a.path}: ${a.why}`, a.fix))
  const ir = r.interruptRemapping
  if (r.iommu.enabled && g !== null && !g.noiommu && g.emulated !== true && ir.state === 'disabled' && ir.allowUnsafeType1 !== true && ir.allowUnsafeIommufd !== true)
    reasons.push(reason('unsafe-interrupts', `no interrupt remapping (${ir.evidence}): VFIO refuses to attach the group (EPERM)`, r.findings.find((f) => f.id === 'interrupt-remapping')?.fix ?? []))
  if (dd?.sriov?.vfTokenRequired === true) reasons.push(reason('vf-token', dd.sriov.text, ['give the VMM the PF owner\'s token: -device vfio-pci,host=' + d.address + ',vf-token=UUID']))
  if (dd?.override !== null && dd?.override !== undefined) warnings.push(dd.override.text)
  if (gd?.isolation != null && g !== null) {
    const mates = gd.isolation.devices.filter((a) => a !== d.address)
    const link = gd.isolation.link
    const why = link !== undefined && link.at !== null ? `isolation stops at ${link.at}: ${link.kind}` : { multifunction: 'functions of one device', 'behind-bridge': `behind bridge ${gd.isolation.bridge ?? '?'}`, 'no-acs': 'no ACS isolation' }[gd.isolation.reason]
    const split = link === undefined ? '' : `; would split it: ${link.split.text}`
    if (mates.length > 0) warnings.push(`shares group ${g.id} with ${mates.join(', ')} (${why}): they can only go to a VM together${split}`)
  }
  const others = (dd?.reset?.hotReset.devices ?? []).filter((x) => x.address !== d.address)
  if (others.length > 0) warnings.push(`a hot reset of this device also resets ${others.map((x) => x.address).join(', ')}`)
  return { reasons, warnings }
}

/** The kernel's answer for a device lsvfio opened (--open): a reason, null for success, undefined when not opened. */
function kernelReason(d: Device, g: IommuGroup | null, predicted: readonly Reason[], reason: MakeReason): Reason | null | undefined {
  const fail = (e: ProbeError): Reason => {
    const text = `${e.op}: ${e.code}${e.path !== undefined ? ` (${e.path})` : ''}${e.hint !== undefined ? ` — ${e.hint}` : ''}`
    const kind = classify(e, predicted)
    return reason(kind, `the kernel refused: ${text}`, predicted.find((p) => p.kind === kind)?.fix ?? [])
  }
  if (g !== null && g.status !== null && !g.status.ok) return fail(g.status.error)
  if (g !== null && g.status !== null && g.status.ok && !g.status.value.viable) return reason('not-viable', `the kernel says group ${g.id} is not viable (VFIO_GROUP_GET_STATUS)`, predicted.find((p) => p.kind === 'not-viable')?.fix ?? [])
  if (g !== null && g.container !== null && !g.container.ok) return fail(g.container.error)
  if (d.vfio === null) return undefined
  return d.vfio.ok ? null : fail(d.vfio.error)
}

function classify(e: ProbeError, predicted: readonly Reason[]): VerdictKind {
  const op = e.op
  if (e.code === 'NOT_VIABLE') return 'not-viable'
  if (e.code === 'EBUSY') return 'busy'
  if (e.code === 'EACCES') return op.startsWith('VFIO_GROUP_GET_DEVICE_FD') || op.startsWith('VFIO_DEVICE_BIND_IOMMUFD') ? 'vf-token' : 'permission'
  if (e.code === 'EPERM') {
    if (op === 'VFIO_GROUP_SET_CONTAINER') return 'not-viable'
    if (op.startsWith('VFIO_SET_IOMMU')) return 'unsafe-interrupts'
    if (op.startsWith('VFIO_DEVICE_BIND_IOMMUFD')) return predicted.some((p) => p.kind === 'unsafe-interrupts') ? 'unsafe-interrupts' : 'not-viable'
    return 'permission'
  }
  if (e.code === 'EINVAL' && op.startsWith('VFIO_DEVICE_BIND_IOMMUFD')) return 'busy'
  return 'other'
}

/** Per selected device: ready, or every reason it is not (the one that decides the exit status first). */
export function checkDevices(inv: Inventory, facts: Facts, sel: Selection, codes: ExitCodes, every = false): CheckReport {
  const diag = inv.diagnostics
  if (diag === undefined) throw new InternalError('check needs the diagnostics (inspect with diagnose: true)')
  const reason = (kind: VerdictKind, text: string, fix: readonly string[] = []): Reason => ({ kind, code: codes[kind], text, fix })
  const hostWarnings = diag.readiness.findings.filter((f) => f.level === 'warn' && f.id !== 'holders').map((f) => f.text)
  const verdicts: Verdict[] = []
  for (const c of candidates(inv, facts, sel, every)) {
    const p = predict(c, inv.host, diag, reason)
    let reasons = p.reasons
    let source: Verdict['source'] = 'predicted'
    const k = inv.opened ? kernelReason(c.device, c.group, reasons, reason) : undefined
    if (k !== undefined) {
      source = 'kernel'
      reasons = reasons.filter((x) => !KERNEL_DECIDES.includes(x.kind))
      if (k !== null) reasons.push(k)
    }
    reasons.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
    verdicts.push({ address: c.device.address, group: c.group?.id ?? null, driver: c.device.driver, ready: reasons.length === 0, reasons, warnings: p.warnings, source })
  }
  if (!every) verdicts.push(...mdevVerdicts(inv, sel, reason))
  const first = verdicts.find((v) => !v.ready)?.reasons[0]
  const outcome = verdicts.length === 0 ? 'no-match' : first === undefined ? 'ready' : first.kind
  return { verdicts, opened: inv.opened, warnings: hostWarnings, exitCode: codes[outcome], outcome }
}
