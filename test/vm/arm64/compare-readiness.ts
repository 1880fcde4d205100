// lsvfio's readiness (--json -vv) against guest/readiness-witness.mjs and the kernel's own answer:
// with --open, lsvfio attaches every real IOMMU group to a type1 container, and vfio_iommu_type1 refuses
// (EPERM, "No interrupt remapping support" in dmesg) exactly when the group's MSIs are not isolated.
import type { JsonDocument } from '../../../src/render/json-types.js'

export interface ReadinessWitness {
  machine: string
  acpiTables: boolean
  iort: boolean
  devicetree: boolean
  iommus: { name: string; device: string | null; driver: string | null }[]
  smmuDrivers: string[]
  irqChips: string[]
  dtMsi: { path: string; compatible: string[]; status: string }[]
  modules: string[]
  allowUnsafeType1: string | null
  cmdline: string
  devices: { bus: string; name: string; iommu: string | null; group: number | null; groupName: string | null; groupType: string | null; msiParent: boolean; acpi: boolean }[]
}

export interface Ledger {
  checks: number
  fields: Set<string>
  mismatches: string[]
  report(): string
}

const X86 = /VT-d|AMD-Vi|intel_iommu|amd_iommu|x2APIC|intremap/
const stripDev = (c: string): string => c.replace(/-[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, '')

export function compareReadiness(doc: JsonDocument, w: ReadinessWitness, dmesg: string): Ledger {
  const led: Ledger = {
    checks: 0,
    fields: new Set(),
    mismatches: [],
    report: () => `${led.fields.size} kinds of field, ${led.checks} checks, ${led.mismatches.length} mismatches`,
  }
  const eq = (field: string, ours: unknown, theirs: unknown, source: string): void => {
    led.checks++
    led.fields.add(field)
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) led.mismatches.push(`${field}: lsvfio ${JSON.stringify(ours)} != ${source} ${JSON.stringify(theirs)}`)
  }
  const r = doc.diagnostics?.readiness
  if (r === undefined || r === null) {
    led.mismatches.push('no readiness in the document (--json -vv)')
    return led
  }
  const a = r.arm64
  eq('arm64 block', a !== undefined, w.machine === 'aarch64', '/proc/sys/kernel/arch')
  if (a === undefined) return led
  eq('firmware', a.firmware, w.acpiTables ? 'acpi' : w.devicetree ? 'devicetree' : 'unknown', '/sys/firmware')
  eq('iort', a.iort, w.acpiTables ? w.iort : null, '/sys/firmware/acpi/tables/IORT')
  eq('iommu.enabled', r.iommu.enabled, w.iommus.length > 0, '/sys/class/iommu')
  eq('iommu.instances', r.iommu.instances, w.iommus.map((i) => i.name), '/sys/class/iommu')
  eq('smmu names', a.smmus.map((s) => s.name), w.iommus.map((i) => i.name), '/sys/class/iommu')
  for (const i of w.iommus) {
    const s = a.smmus.find((x) => x.name === i.name)
    eq('smmu device', s?.device ?? null, i.device, `/sys/class/iommu/${i.name}/device`)
    eq('smmu driver', s?.driver ?? null, i.driver, `/sys/class/iommu/${i.name}/device/driver`)
    eq('smmu version', s?.version ?? null, i.driver === 'arm-smmu-v3' ? 'v3' : i.driver === 'arm-smmu' ? 'v1/v2' : null, 'its driver')
  }
  eq('smmu drivers', a.smmuDrivers, w.smmuDrivers, '/sys/bus/platform/drivers')
  const chips = [...new Set(w.irqChips.filter((c) => /MSI/.test(c)).map(stripDev))].sort()
  const fromIrq = a.msiControllers.filter((c) => c.source === '/proc/interrupts')
  eq('MSI chips', fromIrq.map((c) => c.name).sort(), chips, '/proc/interrupts chip column')
  for (const c of fromIrq) eq('MSI chip isolated', [c.name, c.isolated], [c.name, /^ITS-/.test(c.name)], 'ITS domains carry IRQ_DOMAIN_FLAG_ISOLATED_MSI')
  const dt = w.acpiTables ? [] : w.dtMsi.filter((m) => m.status === 'okay' || m.status === 'ok')
  const fromDt = a.msiControllers.filter((c) => c.source === 'device tree')
  eq('DT MSI controllers', fromDt.map((c) => c.name).sort(), dt.map((m) => m.path).sort(), '/proc/device-tree msi-controller nodes')
  for (const m of dt) {
    const kind = m.compatible.some((c) => /gic-v3-its$/.test(c)) ? 'its' : m.compatible.some((c) => /gic-v2m-frame$/.test(c)) ? 'gicv2m' : 'other'
    eq('DT MSI controller kind', fromDt.find((c) => c.name === m.path)?.kind ?? null, kind, `${m.path}/compatible`)
  }
  const vfioMods = r.modules.loaded.filter((m) => /(^|_)vfio(_|$)/.test(m) || m === 'iommufd').sort()
  eq('modules loaded', vfioMods, w.modules, '/proc/modules')
  eq('modules missing', r.modules.missing, [], 'every bound device has its driver')
  eq('allow_unsafe_interrupts', r.interruptRemapping.allowUnsafeType1, w.allowUnsafeType1 === null ? null : /^[Y1]/.test(w.allowUnsafeType1), '/sys/module/vfio_iommu_type1/parameters')
  const words = w.cmdline.split(/\s+/)
  eq('cmdline words', r.iommu.cmdline.filter((p) => !words.includes(p)), [], '/proc/cmdline')
  // the kernel's word: a real group attached to a type1 container, or refused with EPERM
  const real = doc.groups.filter((g) => !g.noiommu && g.container !== null)
  const refused = real.filter((g) => g.container?.state === 'failed' && g.container.error.code === 'EPERM')
  const attached = real.filter((g) => g.container?.state === 'ok')
  eq('real groups answered', refused.length + attached.length, real.length, 'VFIO_SET_IOMMU')
  if (real.length > 0) {
    const kernel = refused.length > 0 ? 'disabled' : 'enabled'
    eq('MSI isolation = kernel', r.interruptRemapping.state, kernel, `vfio_iommu_type1 attach (${attached.length} attached, ${refused.length} EPERM)`)
    eq('dmesg refusal', /No interrupt remapping support/.test(dmesg), refused.length > 0, 'dmesg')
    const f = r.findings.find((x) => x.id === 'interrupt-remapping')
    eq('MSI finding level', f?.level ?? null, kernel === 'enabled' ? 'ok' : r.interruptRemapping.allowUnsafeType1 === true ? 'warn' : 'bad', 'the kernel')
  }
  for (const d of w.devices) {
    const g = doc.groups.find((x) => x.devices.some((y) => y.address === d.name))
    eq('device group', g?.id ?? null, d.group, `/sys/bus/${d.bus}/devices/${d.name}/iommu_group`)
    eq('device noiommu', g?.noiommu ?? null, d.groupName === 'vfio-noiommu', 'group name')
    eq('device behind SMMU', d.iommu !== null, !(g?.noiommu ?? true), `/sys/bus/${d.bus}/devices/${d.name}/iommu`)
    eq('group domain type', g?.domainType ?? null, d.groupType, 'group type')
  }
  const iommuFinding = r.findings.find((f) => f.id === 'iommu')
  eq('iommu finding level', iommuFinding?.level, w.iommus.length > 0 ? 'ok' : 'warn', '/sys/class/iommu (no-IOMMU mode on)')
  eq('iommu finding names each SMMU', w.iommus.every((i) => iommuFinding?.text.includes(i.name) === true), true, '/sys/class/iommu')
  eq('no x86 advice', r.findings.filter((f) => X86.test([f.text, ...f.fix].join(' '))).map((f) => f.id), [], 'arm64')
  return led
}
