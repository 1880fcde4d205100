// `lsvfio check`: gather (opening only with --open), judge each selected device, print the verdicts.
import { inspect } from '../inspect/inspect.js'
import type { Host } from '../inspect/host.js'
import { checkDevices } from '../inspect/verdict.js'
import { renderCheck } from '../render/check.js'
import { toCheckJson } from '../render/json-diagnose.js'
import type { Style } from '../render/style.js'
import type { CliOptions } from './options.js'
import { withNotice } from './notice.js'
import type { RunResult } from './run.js'

export function runCheck(host: Host, o: CliOptions, style: Style, meta: { version: string; argv: string[]; early?: (line: string) => void }): RunResult {
  const inv = inspect(host, o.selection, { ...withNotice(o.gather, o.from === null ? meta.early : undefined), configBytes: 0, readRegion: null, diagnose: true, raw: false })
  const report = checkDevices(host.fs, inv, o.selection, host.names)
  let stdout = ''
  if (o.format === 'json') stdout = `${JSON.stringify(toCheckJson(report, inv.diagnostics, meta), null, 2)}\n`
  else if (o.quiet !== true) stdout = renderCheck(report, style).join('\n') + '\n'
  return { stdout, stderr: [], exitCode: report.exitCode, inventory: inv }
}
