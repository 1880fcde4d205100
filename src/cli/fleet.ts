// `lsvfio metrics` and `lsvfio nfd`: gather passively, judge with check's verdicts, render. A host that
// is not ready is data, not a failure: the exit status is 0 whenever the output could be made.
import { judged } from '../diagnose/diagnose.js'
import { checkDevices } from '../diagnose/verdict.js'
import { EXIT, InternalError } from '../errors.js'
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
  return summarise(inv, checkDevices(inv, g.facts, ALL, CHECK_EXIT))
}

export function runFleet(host: Host, o: FleetOptions, meta: RunMeta): RunResult {
  const s = fleetSummary(host)
  const m = { version: meta.version, hostname: meta.hostname ?? null, time: meta.now ?? new Date() }
  const stdout = o.command === 'nfd' ? renderNfd(s, m, o.expiryMinutes) : renderMetrics(s, m)
  return { stdout, stderr: [], exitCode: EXIT.ok, inventory: s.inv }
}
