// `lsvfio metrics` and `lsvfio nfd`: gather passively, judge with check's verdicts, render. A host that
// is not ready is data, not a failure: the exit status is 0 whenever the output could be made.
import { judged } from '../diagnose/diagnose.js'
import { checkDevices } from '../diagnose/verdict.js'
import { EnvironmentError, EXIT, InternalError } from '../errors.js'
import type { Host } from '../inspect/host.js'
import { inspect } from '../inspect/inspect.js'
import { ALL } from '../inspect/selection.js'
import { type FleetSummary, summarise } from '../render/fleet.js'
import { renderMetrics } from '../render/metrics.js'
import { renderNfd } from '../render/nfd.js'
import type { FleetOptions } from './options.js'
import { CHECK_EXIT } from './exit.js'
import type { RunMeta, RunResult } from './result.js'

/** Gather passively and judge with check's verdicts (default selection: every device meant for VFIO). */
export function fleetSummary(host: Host): FleetSummary {
  // Never opened: opening a vfio-pci device resets it, and this runs from a timer.
  const g = inspect(host, ALL, { open: false, via: 'auto', configBytes: 0, readRegion: null, diagnose: true, raw: false })
  if (g.facts === null) throw new InternalError('the fleet outputs gather with diagnose: true, so they have the facts')
  const inv = judged(host.fs, g)
  // Nothing readable at all (a container without /sys and /proc mounted) is not a host with the IOMMU
  // off: saying so would raise false alerts on every host of the fleet.
  const h = inv.host
  if (h.kernel === null && h.iommus.length === 0 && h.groupCount === 0 && h.modules.length === 0 && inv.groups.length === 0)
    throw new EnvironmentError('nothing to report: no /proc/sys/kernel/osrelease, no /sys/class/iommu, no IOMMU groups and no VFIO module; run on the host (or mount its /sys and /proc)')
  return summarise(inv, checkDevices(inv, g.facts, ALL, CHECK_EXIT))
}

export function runFleet(host: Host, o: FleetOptions, meta: RunMeta): RunResult {
  const s = fleetSummary(host)
  const m = { version: meta.version, hostname: meta.hostname ?? null, time: meta.now ?? new Date() }
  const stdout = o.command === 'nfd' ? renderNfd(s, m, o.expiryMinutes) : renderMetrics(s, m)
  return { stdout, stderr: [], exitCode: EXIT.ok, inventory: s.inv }
}
