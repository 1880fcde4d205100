// `lsvfio check` for mediated devices that mdevctl defines but the kernel does not have: not started
// (the fix is mdevctl's or sysfs' create), or their parent is gone. The mdevs that exist are judged
// like every device (their group, holders, node permissions).
import type { Reason, Verdict, VerdictKind } from '../model/diagnostics.js'
import type { Inventory, MdevDefined } from '../model/types.js'
import { createCommand } from '../inspect/mdev.js'
import { selectsAll, type Selection } from '../inspect/selection.js'

type MakeReason = (kind: VerdictKind, text: string, fix?: readonly string[]) => Reason

/** Without a selection only start=auto definitions count (they should be running); -s UUID names any. */
export function mdevVerdicts(inv: Inventory, sel: Selection, reason: MakeReason): Verdict[] {
  const wanted = (d: MdevDefined): boolean => !d.active && (sel.name === d.uuid || (selectsAll(sel) && d.start === 'auto'))
  return (inv.mdev?.defined ?? []).filter(wanted).map((d) => {
    const where = `/etc/mdevctl.d/${d.parent}/${d.uuid}`
    const type = inv.mdev?.parents.find((p) => p.name === d.parent)?.types.find((t) => t.id === d.type)
    const warnings = type?.availableInstances === 0 ? [`type ${type.id} of ${d.parent} has 0 available instances: creating it fails until another mdev of ${d.parent} is removed`] : []
    const r = d.parentPresent
      ? reason('mdev-inactive', `mediated device defined in ${where} (start=${d.start ?? '?'}) but not created`, [`mdevctl start -u ${d.uuid}`, createCommand(d)])
      : reason('mdev-inactive', `mediated device defined in ${where}, but its parent ${d.parent} is gone (unplugged, or its driver is not loaded)`, [`load the driver of ${d.parent} (or plug it back), then: mdevctl start -u ${d.uuid}`])
    return { address: d.uuid, group: null, driver: null, ready: false, reasons: [r], warnings, source: 'predicted' as const }
  })
}
