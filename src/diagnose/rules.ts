// Findings that follow from the inventory and its diagnostics alone: one function per rule, listed in
// RULES. Their findings join the host's readiness findings, so every output shows them without a change
// of its own (text -v's Readiness block, JSON diagnostics.readiness.findings, check's warnings, the
// fleet outputs). A new rule is a function here and a case in test/diagnose/rules.test.ts.
import type { Finding } from '../model/diagnostics.js'
import type { Inventory } from '../model/types.js'

export type Rule = (inv: Inventory) => Finding[]

/** A group with a device on a VFIO driver but no group node: no VFIO user reaches it that way. */
export const groupWithoutNode: Rule = (inv) =>
  inv.groups
    .filter((g) => g.node === null && g.devices.some((d) => d.vfioDriver))
    .map((g): Finding => {
      const name = g.noiommu ? `noiommu-${g.id}` : String(g.id)
      const bound = g.devices.filter((d) => d.vfioDriver).map((d) => d.address)
      // Kernels built without CONFIG_VFIO_GROUP offer the cdev only; then this is how it should be.
      if (bound.every((a) => g.devices.find((d) => d.address === a)?.cdev != null))
        return {
          id: 'group-node',
          level: 'info',
          text: `group ${name} has no /dev/vfio/${name}: its devices (${bound.join(' ')}) are reachable only through their cdevs and iommufd (a VMM needs iommufd support, e.g. QEMU -object iommufd)`,
          fix: [],
        }
      return {
        id: 'group-node',
        level: 'warn',
        text: `group ${name} has devices bound to a VFIO driver (${bound.join(' ')}) but neither /dev/vfio/${name} nor a device cdev exists: nothing can open them`,
        fix: ['udevadm trigger --subsystem-match=vfio   # recreate the nodes; check that devtmpfs is mounted on /dev', `ls -l /dev/vfio   # inside a container: pass /dev/vfio/${name} through`],
      }
    })

export const RULES: readonly Rule[] = [groupWithoutNode]

export function ruleFindings(inv: Inventory): Finding[] {
  return RULES.flatMap((r) => r(inv))
}
