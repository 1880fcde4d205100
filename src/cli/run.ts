// Orchestration with no formatting logic: gather, pick the renderer, return what to print and the exit code.
import { EXIT } from '../errors.js'
import { judged } from '../diagnose/diagnose.js'
import { noVfioMessage } from '../diagnose/host.js'
import { inspect } from '../inspect/inspect.js'
import type { Host } from '../inspect/host.js'
import { jsonText, toJson } from '../render/json.js'
import type { Style } from '../render/style.js'
import { renderText } from '../render/text.js'
import { renderTree } from '../render/tree.js'
import { configDumpLines, rawReplyLines, regionDumpLines } from '../render/bytes.js'
import { runCheck } from './check.js'
import type { CliOptions, ListOptions } from './options.js'
import type { RunResult } from './result.js'

export function run(host: Host, o: CliOptions, style: Style, meta: { version: string; argv: string[] }): RunResult {
  if (o.command === 'check') return runCheck(host, o, style, meta)
  return runList(host, o, style, meta)
}

function runList(host: Host, o: ListOptions, style: Style, meta: { version: string; argv: string[] }): RunResult {
  const inv = judged(host.fs, inspect(host, o.selection, o.gather))
  const { format, hex, hexdump } = o.output
  const stderr: string[] = []
  const none = noVfioMessage(inv)
  // The text renderers explain both cases on stdout; JSON must stay pure, so say it on stderr there.
  if (format === 'json') {
    if (none !== null) stderr.push(none)
    else if (inv.groups.length === 0 && inv.ungrouped.length === 0) stderr.push('no device matches the selection (-s/-d/-g/--driver); run lsvfio without them to see all')
  }
  let stdout: string
  if (format === 'json') {
    const bytes = hex > 0 || hexdump || o.gather.readRegion != null
    stdout = jsonText(toJson(inv, { version: meta.version, opened: o.gather.open, argv: meta.argv, bytes }))
  } else {
    const lines = format === 'tree' ? renderTree(inv, o.view, style) : renderText(inv, o.view, style)
    if (hex > 0) lines.push('', ...configDumpLines(inv, hex, o.view, style))
    if (o.gather.readRegion != null) lines.push('', ...regionDumpLines(inv, style))
    if (hexdump) lines.push('', ...rawReplyLines(inv, style))
    stdout = lines.length === 0 ? '' : lines.join('\n') + '\n'
  }
  const exitCode = none !== null ? EXIT.fatal : inv.failures > 0 ? EXIT.partial : EXIT.ok
  return { stdout, stderr, exitCode, inventory: inv }
}
