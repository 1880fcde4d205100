// Why a listing shows nothing, or nothing usable: judged from the inventory alone, so the text and tree
// views show it at every verbosity and JSON runs say it on stderr, all from these findings.
import type { Finding } from '../model/diagnostics.js'
import type { Inventory } from '../model/types.js'
import { enableIommu, LOAD_VFIO_PCI } from './fixes.js'

function hasModule(inv: Inventory, name: string): boolean {
  const want = name.replace(/-/g, '_')
  return inv.host.modules.some((m) => m.replace(/-/g, '_') === want)
}

/** Ids: no-iommu, no-groups, no-match, no-vfio-driver, noiommu-mode. */
export function hostProblems(inv: Inventory): Finding[] {
  const out: Finding[] = []
  const h = inv.host
  const arm = h.arch === 'arm64'
  const anyVfio = inv.groups.some((g) => g.devices.some((d) => d.vfioDriver)) || inv.ungrouped.length > 0
  if (inv.groups.length === 0 && inv.ungrouped.length === 0) {
    if (h.groupCount === 0 && h.iommus.length === 0 && h.noiommuEnabled !== true)
      out.push({ id: 'no-iommu', level: 'bad', text: `No IOMMU groups: no IOMMU is active (/sys/class/iommu is empty${arm ? ': no SMMU' : ''}).`, fix: enableIommu(h.arch) })
    else if (h.groupCount === 0) out.push({ id: 'no-groups', level: 'bad', text: 'No IOMMU groups in /sys/kernel/iommu_groups.', fix: [] })
    else out.push({ id: 'no-match', level: 'warn', text: `No IOMMU group matched the selection (${h.groupCount} group${h.groupCount === 1 ? '' : 's'} on this host).`, fix: [] })
  }
  if (!anyVfio && !hasModule(inv, 'vfio_pci') && !hasModule(inv, 'vfio_platform') && !(arm && hasModule(inv, 'vfio_amba')))
    out.push({
      id: 'no-vfio-driver',
      level: 'warn',
      text: `No VFIO driver is loaded (vfio-pci / vfio-platform${arm ? ' / vfio-amba' : ''}).`,
      fix: [arm ? `${LOAD_VFIO_PCI} (PCI devices) or modprobe vfio-platform / vfio-amba (platform and AMBA devices), then bind devices to it (driver_override).` : `${LOAD_VFIO_PCI}, then bind devices to it (driver_override or new_id).`],
    })
  if (h.noiommuEnabled === true) out.push({ id: 'noiommu-mode', level: 'warn', text: 'No-IOMMU mode is enabled: noiommu-N groups have no DMA protection (the kernel is tainted).', fix: [] })
  return out
}

/** One line for stderr when the host has no IOMMU groups at all; null when it has some. */
export function noVfioMessage(inv: Inventory): string | null {
  if (inv.groups.length > 0 || inv.ungrouped.length > 0 || inv.host.groupCount > 0) return null
  const why = hostProblems(inv).map((f) => (f.fix.length > 0 ? `${f.text.replace(/\.$/, '')}: ${f.fix.join(', or ')}` : f.text.replace(/\.$/, '')))
  return `no VFIO on this host: ${why.join('; ')}.`
}
