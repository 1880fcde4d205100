// `lsvfio metrics` and `lsvfio nfd`: gather passively, judge with check's verdicts, render. A host that
// is not ready is data, not a failure: the exit status is 0 whenever the output could be made.
import { EXIT } from '../errors.js'
import type { Host } from '../inspect/host.js'
import { inspect } from '../inspect/inspect.js'
import { ALL } from '../inspect/selection.js'
import { checkDevices } from '../inspect/verdict.js'
import { summarise } from '../render/fleet.js'
import { renderMetrics } from '../render/metrics.js'
import { renderNfd } from '../render/nfd.js'
import type { CliOptions } from './options.js'
import type { RunMeta, RunResult } from './run.js'

export function runFleet(host: Host, o: CliOptions, meta: RunMeta): RunResult {
  // Never opened: opening a vfio-pci device resets it, and this runs from a timer.
  const inv = inspect(host, ALL, { open: false, via: 'auto', configBytes: 0, readRegion: null, diagnose: true, raw: false })
  const report = checkDevices(host.fs, inv, ALL, host.names)
  const s = summarise(inv, report)
  const m = { version: meta.version, hostname: meta.hostname ?? null, time: meta.now ?? new Date() }
  const stdout = o.command === 'nfd' ? renderNfd(s, m, o.expiryMinutes ?? 10) : renderMetrics(s, m)
  return { stdout, stderr: [], exitCode: EXIT.ok, inventory: inv }
}
