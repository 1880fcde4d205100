// Orchestration with no formatting logic: gather, pick the renderer, return what to print and the exit code.
import { EXIT } from '../errors.js'
import { inspect } from '../inspect/inspect.js'
import type { Host } from '../inspect/host.js'
import type { Inventory } from '../model/types.js'
import { jsonText, toJson } from '../render/json.js'
import type { Style } from '../render/style.js'
import { renderText } from '../render/text.js'
import { renderTree } from '../render/tree.js'
import { configDumpLines, rawReplyLines, regionDumpLines } from '../render/bytes.js'
import { runCheck } from './check.js'
import { withNotice } from './notice.js'
import type { CliOptions } from './options.js'

export interface RunResult {
  stdout: string
  stderr: string[]
  exitCode: number
  inventory: Inventory
}

/** Why a host shows no VFIO at all, and how to enable it. */
export function noVfioMessage(inv: Inventory): string | null {
  if (inv.groups.length > 0 || inv.ungrouped.length > 0 || inv.host.groupCount > 0) return null
  const why: string[] = []
  if (inv.host.iommus.length === 0) {
    why.push('no IOMMU is active (/sys/class/iommu is empty): enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or amd_iommu=on (AMD)')
  }
  if (!inv.host.modules.includes('vfio_pci')) why.push('vfio-pci is not loaded: sudo modprobe vfio-pci')
  if (inv.host.noiommuEnabled !== true && inv.host.iommus.length === 0) {
    why.push('without an IOMMU, only no-IOMMU mode is possible (unsafe): modprobe vfio enable_unsafe_noiommu_mode=1')
  }
  return `no VFIO on this host: there are no IOMMU groups. ${why.join('; ')}.`
}

export function run(host: Host, o: CliOptions, style: Style, meta: { version: string; argv: string[]; early?: (line: string) => void }): RunResult {
  if (o.command === 'check') return runCheck(host, o, style, meta)
  // A replay opens nothing on this host: no reset to announce.
  const inv = inspect(host, o.selection, withNotice(o.gather, o.from === null ? meta.early : undefined))
  const stderr: string[] = []
  const none = noVfioMessage(inv)
  // The text renderers explain both cases on stdout; JSON must stay pure, so say it on stderr there.
  if (o.format === 'json') {
    if (none !== null) stderr.push(none)
    else if (inv.groups.length === 0 && inv.ungrouped.length === 0) stderr.push('no device matches the selection (-s/-d/-g/--driver); run lsvfio without them to see all')
  }
  let stdout: string
  if (o.format === 'json') {
    const bytes = o.hex > 0 || o.hexdump || o.gather.readRegion != null
    stdout = jsonText(toJson(inv, { version: meta.version, opened: o.gather.open, argv: meta.argv, bytes }))
  } else {
    const view = { verbose: o.verbose, numeric: o.numeric, ascii: o.ascii }
    const lines = o.format === 'tree' ? renderTree(inv, view, style) : renderText(inv, view, style)
    if (o.hex > 0) lines.push('', ...configDumpLines(inv, o.hex, view, style))
    if (o.gather.readRegion != null) lines.push('', ...regionDumpLines(inv, style))
    if (o.hexdump) lines.push('', ...rawReplyLines(inv, style))
    stdout = lines.length === 0 ? '' : lines.join('\n') + '\n'
  }
  // No VFIO at all is a state the output shows, not a failure.
  const exitCode = inv.failures > 0 ? EXIT.partial : EXIT.ok
  return { stdout, stderr, exitCode, inventory: inv }
}
