// Ground truth about host readiness in the arm64 guest, from sources read with this script's own code
// (not lsvfio's): uname -m, /sys/class/iommu and the SMMU's device and driver, /sys/firmware (ACPI
// tables, IORT, device tree), the irq chip column of /proc/interrupts, MSI controllers under
// /proc/device-tree, /proc/modules, the type1 parameter, the kernel command line, and every device bound
// to a VFIO driver with its IOMMU link and group. Printed as JSON on stdout.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'

const text = (p) => {
  try {
    return readFileSync(p, 'latin1')
  } catch {
    return null
  }
}
const ls = (p) => {
  try {
    return readdirSync(p).sort()
  } catch {
    return []
  }
}
const link = (p) => {
  try {
    const t = readlinkSync(p)
    return t.slice(t.lastIndexOf('/') + 1)
  } catch {
    return null
  }
}

// /proc/interrupts: a header of CPU names, then "IRQ: one count per CPU, chip, hwirq, type, actions"
const irqLines = (text('/proc/interrupts') ?? '').split('\n')
const cpus = (irqLines[0] ?? '').trim().split(/\s+/).filter((w) => /^CPU\d+$/.test(w)).length
const chips = new Set()
for (const l of irqLines.slice(1)) {
  const f = l.trim().split(/\s+/)
  if (!/^\d+:$/.test(f[0] ?? '')) continue // NMI, IPI … rows have no chip
  const chip = f[1 + cpus]
  if (chip !== undefined) chips.add(chip)
}

// MSI controllers: device-tree nodes with an msi-controller property, at any depth
const dtMsi = []
const walk = (dir, path, depth) => {
  const names = ls(dir)
  if (names.includes('msi-controller')) {
    const status = (text(`${dir}/status`) ?? 'okay').split('\0')[0]
    dtMsi.push({ path, compatible: (text(`${dir}/compatible`) ?? '').split('\0').filter(Boolean), status })
  }
  if (depth > 4) return
  for (const n of names) if (existsSync(`${dir}/${n}/name`)) walk(`${dir}/${n}`, `${path === '/' ? '' : path}/${n}`, depth + 1)
}
if (existsSync('/proc/device-tree')) walk('/proc/device-tree', '/', 0)

const iommus = ls('/sys/class/iommu').map((name) => ({
  name,
  device: link(`/sys/class/iommu/${name}/device`),
  driver: link(`/sys/class/iommu/${name}/device/driver`),
}))

const devices = []
for (const [bus, drv] of [['platform', 'vfio-platform'], ['amba', 'vfio-amba'], ['pci', 'vfio-pci']]) {
  for (const name of ls(`/sys/bus/${bus}/drivers/${drv}`)) {
    const p = `/sys/bus/${bus}/devices/${name}`
    if (!existsSync(p)) continue // bind, unbind, module …
    const group = link(`${p}/iommu_group`)
    devices.push({
      bus,
      name,
      iommu: link(`${p}/iommu`),
      group: group === null ? null : Number(group),
      groupName: group === null ? null : (text(`/sys/kernel/iommu_groups/${group}/name`) ?? '').trim() || null,
      groupType: group === null ? null : (text(`/sys/kernel/iommu_groups/${group}/type`) ?? '').trim() || null,
      msiParent: existsSync(`${p}/of_node/msi-parent`),
      acpi: existsSync(`${p}/firmware_node`),
    })
  }
}

const modules = (text('/proc/modules') ?? '')
  .split('\n')
  .map((l) => l.split(' ')[0])
  .filter((m) => m && (/(^|_)vfio(_|$)/.test(m) || m === 'iommufd'))
  .sort()

const out = {
  machine: (text('/proc/sys/kernel/arch') ?? '').trim(),
  acpiTables: existsSync('/sys/firmware/acpi/tables'),
  iort: existsSync('/sys/firmware/acpi/tables/IORT'),
  devicetree: existsSync('/sys/firmware/devicetree/base'),
  iommus,
  smmuDrivers: ['arm-smmu-v3', 'arm-smmu'].filter((d) => existsSync(`/sys/bus/platform/drivers/${d}`)),
  irqChips: [...chips].sort(),
  dtMsi,
  modules,
  allowUnsafeType1: (text('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts') ?? '').trim() || null,
  cmdline: (text('/proc/cmdline') ?? '').trim(),
  devices,
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n')
