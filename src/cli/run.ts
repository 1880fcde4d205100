// Orchestration with no formatting logic: gather, pick the renderer, return what to print and the exit code.
import { EXIT } from '../errors.js'
import { judged } from '../diagnose/diagnose.js'
import { noVfioMessage } from '../diagnose/host.js'
import { inspect, inspectConcurrently } from '../inspect/inspect.js'
import type { Host } from '../inspect/host.js'
import type { Facts, Gathered } from '../inspect/inspect.js'
import type { Verdict } from '../model/diagnostics.js'
import type { Inventory } from '../model/types.js'
import { jsonText, toJson } from '../render/json.js'
import type { Style } from '../render/style.js'
import { renderText } from '../render/text.js'
import { renderTable } from '../render/table.js'
import { renderTree } from '../render/tree.js'
import { checkDevices } from '../diagnose/verdict.js'
import { InternalError } from '../errors.js'
import { CHECK_EXIT } from './exit.js'
import { configDumpLines, rawReplyLines, regionDumpLines } from '../render/bytes.js'
import { append } from '../render/lines.js'
import { checkGather, presentCheck, runCheck } from './check.js'
import { runFleet } from './fleet.js'
import { withNotice } from './notice.js'
import type { CliOptions, ListOptions } from './options.js'
import type { RunMeta, RunResult } from './result.js'
import { replayBanner } from './banner.js'

export { replayBanner }

export function run(host: Host, o: CliOptions, style: Style, meta: RunMeta): RunResult {
  if (o.command === 'check') return runCheck(host, o, style, meta)
  // A replay opens nothing on this host: no reset to announce.
  if (o.command === 'list') return present(host, inspect(host, o.selection, withNotice(o.gather, o.source.from === null ? meta.early : undefined)), o, style, meta)
  return runFleet(host, o, meta)
}

/** run(), with --open's groups queried side by side (opening and closing a device resets it). */
export async function runConcurrently(host: Host, o: CliOptions, style: Style, meta: RunMeta): Promise<RunResult> {
  if (o.command === 'list' && o.gather.open) return present(host, await inspectConcurrently(host, o.selection, withNotice(o.gather, o.source.from === null ? meta.early : undefined)), o, style, meta)
  if (o.command === 'check' && o.gather.open) return presentCheck(host.fs, await inspectConcurrently(host, o.selection, checkGather(o, meta)), o, style, meta)
  return run(host, o, style, meta)
}

/** The listing of what was gathered: judged, rendered in the mode `o` asks for. */
export function present(host: Host, g: Gathered, o: ListOptions, style: Style, meta: RunMeta): RunResult {
  const inv = judged(host.fs, g)
  const stderr: string[] = []
  const none = noVfioMessage(inv)
  // The text renderers explain both cases on stdout; JSON must stay pure, so say it on stderr there.
  if (o.format === 'json') {
    if (none !== null) stderr.push(none)
    else if (inv.groups.length === 0 && inv.ungrouped.length === 0) stderr.push('no device matches the selection (-s/-d/-g/--driver); run lsvfio without them to see all')
  }
  if (host.names === null && o.view.numeric !== 1 && hasPci(inv)) stderr.push(NO_PCI_IDS)
  let stdout: string
  if (o.format === 'json') {
    const bytes = o.hex > 0 || o.hexdump || o.gather.readRegion != null
    stdout = jsonText(toJson(inv, { version: meta.version, opened: o.gather.open, argv: meta.argv, bytes, hostname: meta.hostname, now: meta.now }))
  } else {
    const view = { ...o.view, recorded: meta.replay != null }
    const lines =
      o.format === 'tree'
        ? renderTree(inv, view, style)
        : o.format === 'table'
          ? renderTable(inv, tableVerdicts(inv, g.facts, o), view, style)
          : renderText(inv, view, style)
    if (meta.replay != null) lines.unshift(style.warn(replayBanner(meta.replay, inv)), '')
    if (o.hex > 0) append(lines, ['', ...configDumpLines(inv, o.hex, view, style)])
    if (o.gather.readRegion != null) append(lines, ['', ...regionDumpLines(inv, style)])
    if (o.hexdump) append(lines, ['', ...rawReplyLines(inv, style)])
    stdout = lines.length === 0 ? '' : lines.join('\n') + '\n'
  }
  // No VFIO at all is a state the output shows, not a failure.
  const exitCode = inv.failures > 0 ? EXIT.partial : EXIT.ok
  return { stdout, stderr, exitCode, inventory: inv }
}

/** --table's READY column: the verdict lsvfio check gives, for every listed device. */
function tableVerdicts(inv: Inventory, facts: Facts | null, o: ListOptions): readonly Verdict[] {
  if (facts === null) throw new InternalError('--table gathers with diagnose: true, so it has the facts')
  return checkDevices(inv, facts, o.selection, CHECK_EXIT, true).verdicts
}

export const NO_PCI_IDS =
  'no PCI ID database (pci.ids or pci.ids.gz in /usr/share/misc, /usr/share/hwdata or /usr/share), so devices are shown by number: install one (Debian, Ubuntu: apt install pci.ids; Fedora: dnf install hwdata) or name a file with -i FILE'

function hasPci(inv: Inventory): boolean {
  return inv.groups.some((g) => g.devices.some((d) => d.pci !== null)) || inv.ungrouped.some((d) => d.pci !== null)
}
