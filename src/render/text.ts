// The lspci-like text renderer: (inventory, view, style) → lines. Human text: may change between
// versions (the JSON output is the stable contract).
import type { Inventory } from '../model/types.js'
import { devNodeString, plural } from './format.js'
import { append } from './lines.js'
import type { Style } from './style.js'
import { deviceDetail, deviceLine, kernelLines } from './text-device.js'
import { deviceDiagnosisLines, groupDiagnosis, groupDiagnosisLines, holderSuffix } from './text-diagnose.js'
import { groupDetail, groupHeader } from './text-group.js'
import { NO_OPEN_NOTE, hostProblemLines } from './text-host.js'
import { groupingLines } from './text-pcie.js'
import { mdevLines } from './text-mdev.js'
import { blockingFindingLines, readinessLines } from './text-readiness.js'
import { safeModel } from './safe.js'
import type { ViewOptions } from './view.js'

/** "Host: kernel …, IOMMU dmar0, 17 IOMMU groups, modules …" for verbose ≥ 1. */
function hostSummary(inv: Inventory, style: Style): string[] {
  const h = inv.host
  const parts: string[] = []
  if (h.kernel !== null) parts.push(`kernel ${h.kernel}`)
  parts.push(h.iommus.length > 0 ? `IOMMU ${h.iommus.join(' ')}` : 'no IOMMU')
  parts.push(plural(h.groupCount, 'IOMMU group'))
  parts.push(h.modules.length > 0 ? `modules ${h.modules.join(' ')}` : 'no VFIO modules')
  const nodes = [
    `${style.label('Container node:')} ${h.containerNode !== null ? style.addr(devNodeString(h.containerNode)) : style.dim('no /dev/vfio/vfio')}`,
    `${style.label('iommufd:')} ${h.iommufdNode !== null ? style.addr(devNodeString(h.iommufdNode)) : style.dim('no /dev/iommu')}`,
  ]
  return [`${style.label('Host:')} ${parts.join(', ')}`, nodes.join('  '), '']
}

export function renderText(input: Inventory, view: ViewOptions, style: Style): string[] {
  const inv = safeModel(input)
  const lines: string[] = []
  if (!inv.opened) lines.push(style.warn(`Note: ${NO_OPEN_NOTE}`))
  append(lines, hostProblemLines(inv, style))
  const diag = inv.diagnostics
  if (diag !== undefined) lines.push(...blockingFindingLines(diag, style))
  if (view.verbose >= 1) lines.push(...hostSummary(inv, style))
  if (view.verbose >= 1 && diag !== undefined) lines.push(...readinessLines(inv, diag, view, style))
  if (diag !== undefined) lines.push(...groupingLines(diag, view, style))
  const blocks: string[][] = []
  for (const g of inv.groups) {
    const block = [groupHeader(g, style) + holderSuffix(g, diag, style)]
    if (view.verbose >= 1) block.push(...groupDetail(g, view, style, groupDiagnosis(diag, g.id)), ...groupDiagnosisLines(g, diag, view, style))
    for (const d of g.devices) {
      block.push(deviceLine(d, g, view, style))
      if (view.verbose >= 1) append(append(block, deviceDetail(d, g, view, style)), deviceDiagnosisLines(d, diag, view, style))
      if (view.kernel === true) append(block, kernelLines(d, style))
    }
    blocks.push(block)
  }
  if (inv.ungrouped.length > 0) {
    const block = [style.warn('Bound to a VFIO driver but in no IOMMU group (unexpected):')]
    for (const d of inv.ungrouped) {
      block.push(deviceLine(d, null, view, style))
      if (view.verbose >= 1) append(block, deviceDetail(d, null, view, style))
      if (view.kernel === true) append(block, kernelLines(d, style))
    }
    blocks.push(block)
  }
  const mdev = mdevLines(inv, view, style)
  if (mdev.length > 0) blocks.push(mdev)
  // -v output separates groups with a blank line, like lspci -v separates devices.
  blocks.forEach((b, i) => {
    if (i > 0 && view.verbose >= 1) lines.push('')
    append(lines, b)
  })
  if (view.verbose >= 1 && inv.failures > 0) lines.push('', style.bad(`${plural(inv.failures, 'probe')} failed`))
  return lines
}
