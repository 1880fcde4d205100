// `lsvfio check`: gather (opening only with --open), judge each selected device, print the verdicts.
import { judged } from '../diagnose/diagnose.js'
import { checkDevices } from '../diagnose/verdict.js'
import { InternalError } from '../errors.js'
import { inspect, type GatherOptions, type Gathered } from '../inspect/inspect.js'
import type { FsReader } from '../inspect/fs.js'
import type { Host } from '../inspect/host.js'
import { renderCheck } from '../render/check.js'
import { toCheckJson } from '../render/json-diagnose.js'
import type { Style } from '../render/style.js'
import type { CheckOptions } from './options.js'
import { CHECK_EXIT } from './exit.js'
import { withNotice } from './notice.js'
import { replayBanner } from './banner.js'
import type { RunMeta, RunResult } from './result.js'

export function runCheck(host: Host, o: CheckOptions, style: Style, meta: RunMeta): RunResult {
  return presentCheck(host.fs, inspect(host, o.selection, checkGather(o, meta)), o, style, meta)
}

/** What check gathers: no bytes, the diagnostics always. */
export function checkGather(o: CheckOptions, meta: RunMeta): GatherOptions {
  // A replay opens nothing on this host: no reset to announce.
  return { ...withNotice(o.gather, o.source.from === null ? meta.early : undefined), configBytes: 0, readRegion: null, diagnose: true, raw: false }
}

/** The verdicts on what was gathered (with diagnose: true). */
export function presentCheck(fs: FsReader, g: Gathered, o: CheckOptions, style: Style, meta: RunMeta): RunResult {
  if (g.facts === null) throw new InternalError('check gathers with diagnose: true, so it has the facts')
  const inv = judged(fs, g)
  const report = checkDevices(inv, g.facts, o.selection, CHECK_EXIT)
  let stdout = ''
  if (o.format === 'json') stdout = `${JSON.stringify(toCheckJson(report, inv.diagnostics, meta), null, 2)}\n`
  else if (o.quiet !== true) {
    const lines = renderCheck(report, style)
    if (meta.replay != null) lines.unshift(style.warn(replayBanner(meta.replay, inv)), '')
    stdout = lines.join('\n') + '\n'
  }
  return { stdout, stderr: [], exitCode: report.exitCode, inventory: inv }
}
