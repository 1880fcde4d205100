// The programmatic API, what `import('lsvfio')` gives a Node program: the same gathering and judgement
// the CLI runs, returning typed values instead of text. Read-only, like the CLI; nothing is opened
// under /dev/vfio unless `open: true` is given (opening a vfio-pci device resets it).
//
//   import { inspect, check } from 'lsvfio'
//   const inv = inspect()                        // this host, from sysfs and /proc
//   inv.groups.map((g) => [g.id, g.viability.viable])
//   check({ selection: { slot: '01:00.0' } }).verdicts[0]?.ready
import { CHECK_EXIT } from './cli/exit.js'
import { composeHost } from './cli/compose.js'
import { judged } from './diagnose/diagnose.js'
import { checkDevices } from './diagnose/verdict.js'
import { InternalError } from './errors.js'
import { inspect as gather, type Gathered } from './inspect/inspect.js'
import { ALL, parseGroup, parseId, parseSlot, type Selection } from './inspect/selection.js'
import type { CheckReport } from './model/diagnostics.js'
import type { Inventory } from './model/types.js'

export type { CheckReport, Credentials, Diagnostics, Finding, Holder, Reason, Verdict, VerdictKind } from './model/diagnostics.js'
export type { ContainerInfo, Device, HostInfo, InfoCap, Inventory, IommuGroup, Irq, Probe, ProbeError, Region, VfioDeviceView } from './model/types.js'
export type { Facts, Gathered, GatherOptions } from './inspect/inspect.js'
export type { Host } from './inspect/host.js'
export type { FsReader } from './inspect/fs.js'
export type { Sys } from './kernel/sys.js'
export type { Selection } from './inspect/selection.js'
/** The lower level, for a host of your own (an FsReader and a Sys): gather, then judge. */
export { inspect as gather } from './inspect/inspect.js'
export { diagnose, judged } from './diagnose/diagnose.js'
export { toJson } from './render/json.js'
export { LsvfioError } from './errors.js'

export interface InspectOptions {
  /** Which devices, with lsvfio's option syntax: slot as -s, id as -d, group as -g, driver as --driver. */
  selection?: { slot?: string; id?: string; group?: string | number; driver?: string }
  /** Ask the kernel by opening each VFIO group and device (resets idle vfio-pci devices). Default false. */
  open?: boolean
  /** With open: the group (container) path, the cdev + iommufd path, or auto. Default auto. */
  via?: 'auto' | 'group' | 'cdev'
  /** A snapshot saved with `lsvfio --save` instead of this host. */
  from?: string
  /** Read /sys, /dev and /proc below this directory instead (opens nothing). */
  sysfsRoot?: string
}

function selectionOf(s: InspectOptions['selection']): Selection {
  if (s === undefined) return ALL
  return {
    ...ALL,
    ...(s.slot === undefined ? {} : parseSlot(s.slot)),
    id: s.id === undefined ? null : parseId(s.id),
    group: s.group === undefined ? null : parseGroup(String(s.group)),
    driver: s.driver ?? null,
  }
}

function gathered(o: InspectOptions, sel: Selection): { g: Gathered; inv: Inventory } {
  const { host } = composeHost({ from: o.from ?? null, save: null, sysfsRoot: o.sysfsRoot ?? null }, 'lsvfio', [], new Date())
  const g = gather(host, sel, { open: (o.open ?? false) && o.sysfsRoot === undefined, via: o.via ?? 'auto', configBytes: 256, readRegion: null, diagnose: true, raw: false })
  return { g, inv: judged(host.fs, g) }
}

/** The typed inventory of the host (groups, devices, what the kernel answered when opened) with its
 * diagnostics. Bad options throw an LsvfioError with a one-line message. */
export function inspect(o: InspectOptions = {}): Inventory {
  return gathered(o, selectionOf(o.selection)).inv
}

/** `lsvfio check` as a value: per selected device (without a selection, those meant for VFIO), ready
 * or the reasons it is not, and the exit status the CLI would give. */
export function check(o: InspectOptions = {}): CheckReport {
  const sel = selectionOf(o.selection)
  const { g, inv } = gathered(o, sel)
  if (g.facts === null) throw new InternalError('check gathers with diagnose: true, so it has the facts')
  return checkDevices(inv, g.facts, sel, CHECK_EXIT)
}
