// An IOMMU group: its header line (node, viability) and, from -v on, what the kernel and the
// container said about it.
import type { GroupDiagnosis } from '../model/diagnostics.js'
import type { ContainerInfo, IommuGroup } from '../model/types.js'
import { capsLines, rangeString } from './text-caps.js'
import { bracket, devNodeString, errorLines, errorMarker, formatSize, groupName, hex, pageSizes, wrapItems } from './format.js'
import type { Style } from './style.js'
import type { ViewOptions } from './view.js'

/** "IOMMU group 12  /dev/vfio/12 crw------- root:root  viable" */
export function groupHeader(g: IommuGroup, style: Style): string {
  const parts = [style.heading(`IOMMU group ${groupName(g)}`)]
  if (g.noiommu) parts[0] += ' ' + style.warn('(no IOMMU protection)')
  if (g.emulated === true) parts[0] += ' ' + style.dim('(mediated: IOMMU emulated by the parent\'s driver)')
  parts.push(g.node !== null ? style.addr(devNodeString(g.node)) : style.dim('no /dev/vfio node'))
  if (g.viability.viable) parts.push(style.ok('viable'))
  else {
    const who = g.viability.blockers.map((b) => `${b.address} held by ${b.driver}`).join(', ')
    parts.push(style.bad(`NOT viable${who !== '' ? `: ${who}` : ''}`))
  }
  const s = g.status
  if (s !== null && !s.ok) parts.push(style.bad(errorMarker(s.error)))
  // The kernel's answer wins over our sysfs prediction; say so when they disagree.
  else if (s !== null && s.value.viable !== g.viability.viable)
    parts.push(style.warn(`(kernel says ${s.value.viable ? 'viable' : 'NOT viable'})`))
  return parts.join('  ')
}

const PCI_BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

/** What to run to make a non-viable group usable (as root), for PCI blockers. */
function viabilityFix(g: IommuGroup, style: Style): string[] {
  const pciBlockers = g.viability.blockers.filter((b) => PCI_BDF.test(b.address))
  if (pciBlockers.length === 0) return []
  const lines = [`  ${style.warn('fix:')} bind every member to vfio-pci (or unbind it), as root:`]
  for (const { address: a } of pciBlockers) {
    lines.push(`    echo vfio-pci > /sys/bus/pci/devices/${a}/driver_override`)
    lines.push(`    echo ${a} > /sys/bus/pci/devices/${a}/driver/unbind`)
    lines.push(`    echo ${a} > /sys/bus/pci/drivers_probe`)
  }
  return lines
}

function containerLines(c: ContainerInfo, view: ViewOptions, style: Style): string[] {
  const ind = '  '
  const info = c.iommuInfo
  if (view.verbose < 2) {
    const parts = [`API ${c.apiVersion}`, `IOMMU ${c.model}`]
    if (info !== null && info.ok) {
      const sizes = pageSizes(info.value.pageSizes)
      if (sizes.length > 0) parts.push(`page sizes ${sizes.join(' ')}`)
      if (info.value.dmaAvail !== null) parts.push(`${info.value.dmaAvail} DMA mappings available`)
    }
    const lines = [`${ind}${style.label('Container:')} ${parts.join(', ')}`]
    if (info !== null && !info.ok) lines.push(...errorLines(info.error, style, `${ind}  `))
    return lines
  }
  const lines = [`${ind}${style.label('Container:')} API version ${c.apiVersion}, IOMMU model ${c.model}`]
  const ext = c.extensions.map((e) => style.flag(e.value > 0, e.name) + (view.verbose >= 3 ? style.dim(`(${e.id}=${e.value})`) : ''))
  if (ext.length > 0) lines.push(...wrapItems(`${ind}  ${style.label('Extensions:')} `, ext, `${ind}    `))
  if (info === null) {
    lines.push(`${ind}  ${style.label('IOMMU info:')} ${style.dim('none (no VFIO_IOMMU_GET_INFO for this IOMMU model)')}`)
    return lines
  }
  if (!info.ok) return [...lines, `${ind}  ${style.label('IOMMU info:')}`, ...errorLines(info.error, style, `${ind}    `)]
  const i = info.value
  lines.push(`${ind}  ${style.label('IOMMU info:')} flags${view.verbose >= 3 ? ` ${hex(i.flags)}` : ''} ${bracket(i.flagNames)}`)
  const sizes = pageSizes(i.pageSizes)
  lines.push(`${ind}  ${style.label('Page sizes:')} ${sizes.length > 0 ? sizes.join(' ') : style.dim('none')}${view.verbose >= 3 ? style.dim(` (${hex(i.pageSizes)})`) : ''}`)
  if (i.iovaRanges !== null)
    lines.push(...wrapItems(`${ind}  ${style.label('IOVA ranges:')} `, i.iovaRanges.map(rangeString), `${ind}    `, 80, ', '))
  if (i.dmaAvail !== null) lines.push(`${ind}  ${style.label('DMA mappings available:')} ${i.dmaAvail}`)
  if (i.migration !== null) {
    const m = i.migration
    lines.push(
      `${ind}  ${style.label('Dirty tracking:')} page sizes ${pageSizes(m.pgsizeBitmap).join(' ') || 'none'}, ` +
        `max bitmap ${formatSize(m.maxDirtyBitmapSize)}${view.verbose >= 3 ? style.dim(` flags=${hex(m.flags)}`) : ''}`,
    )
  }
  // The decoded fields above already come from these caps; -vv adds only what was not decoded.
  const caps = view.verbose >= 3 ? i.caps : i.caps.filter((k) => k.kind === 'unknown' || k.kind === 'chain-error')
  lines.push(...capsLines(caps, view, style, `${ind}  cap `))
  return lines
}

/** Group detail lines for verbose ≥ 1 (between the header and the devices). With `diag`, the fix comes from the diagnostics. */
export function groupDetail(g: IommuGroup, view: ViewOptions, style: Style, diag?: GroupDiagnosis): string[] {
  const lines: string[] = []
  const facts: string[] = []
  if (g.domainType !== null) facts.push(`${style.label('Domain:')} ${g.domainType}`)
  const s = g.status
  if (s !== null && s.ok) {
    const raw = view.verbose >= 3 ? ` flags=${hex(s.value.flags)}` : ''
    facts.push(`${style.label('Kernel:')} ${s.value.viable ? 'viable' : 'NOT viable'}${s.value.containerSet ? ', container set' : ''}${raw}`)
  }
  if (facts.length > 0) lines.push(`  ${facts.join('  ')}`)
  if (s !== null && !s.ok) lines.push(...errorLines(s.error, style, '  ', 'group: '))
  if (!g.viability.viable && diag === undefined) lines.push(...viabilityFix(g, style))
  const c = g.container
  if (c !== null) {
    if (c.ok) lines.push(...containerLines(c.value, view, style))
    else lines.push(`  ${style.label('Container:')}`, ...errorLines(c.error, style, '    '))
  }
  return lines
}
