// The byte views: config space in lspci's -x layout (so `lspci -F` can decode it), annotated raw
// kernel replies (--hexdump), and --read-region dumps.
import type { Device, Inventory, RawReply, VfioDeviceView } from '../model/types.js'
import { formatError } from './format.js'
import { annotatedDump, hexdump } from './hexdump.js'
import type { Style } from './style.js'
import { deviceLabel } from './text-device.js'
import { safeModel } from './safe.js'
import type { ViewOptions } from './view.js'

const BYTES_BY_LEVEL = [0, 64, 64, 256, 4096] as const

function devices(inv: Inventory): { d: Device; v: VfioDeviceView }[] {
  return inv.groups.flatMap((g) => g.devices).flatMap((d) => (d.vfio?.ok ? [{ d, v: d.vfio.value }] : []))
}

/**
 * -x (64 bytes), -xxx (256), -xxxx (4096): one block per VFIO device, unindented device line first, as
 * lspci -x prints it. Lines that are not blocks (group headers, indented details) are ignored by lspci -F.
 */
export function configDumpLines(input: Inventory, level: number, view: ViewOptions, style: Style): string[] {
  const inv = safeModel(input)
  const want = BYTES_BY_LEVEL[Math.min(level, 4)] ?? 0
  if (want === 0) return []
  const out = [style.dim("# Config space through VFIO's CONFIG region: vfio-pci's virtualized view (BARs, command, MSI/MSI-X emulated).")]
  for (const { d, v } of devices(inv)) {
    if (v.config === null) continue
    out.push(deviceLabel(d, null, { ...view, verbose: 0 }, style))
    if (!v.config.ok) {
      out.push(style.bad(`# ${formatError(v.config.error)}`), '')
      continue
    }
    out.push(...hexdump(v.config.value.bytes.subarray(0, want)), '')
  }
  return out
}

function rawBlock(title: string, raw: RawReply | undefined, style: Style): string[] {
  if (raw === undefined) return []
  const head = `${style.heading(raw.op)} ${style.dim(`(${raw.bytes.length} bytes) ${title}`)}`
  const fault = raw.fault === undefined ? [] : [style.bad(`  <${raw.fault}>`)]
  return [head, ...annotatedDump(raw.bytes, raw.fields, style).map((l) => `  ${l}`), ...fault, '']
}

/** --hexdump: every reply the kernel gave, with its fields labelled. */
export function rawReplyLines(input: Inventory, style: Style): string[] {
  const inv = safeModel(input)
  const out: string[] = []
  for (const g of inv.groups) {
    const name = `group ${g.id}`
    if (g.status?.ok) out.push(...rawBlock(name, g.status.value.raw, style))
    const info = g.container?.ok ? g.container.value.iommuInfo : null
    if (info?.ok) out.push(...rawBlock(name, info.value.raw, style))
    for (const d of g.devices) {
      if (!d.vfio?.ok) continue
      const v = d.vfio.value
      out.push(...rawBlock(d.address, v.raw, style))
      for (const r of v.regions) if ('ok' in r.info && r.info.ok) out.push(...rawBlock(`${d.address} ${r.name}`, r.info.value.raw, style))
      for (const q of v.irqs) if ('ok' in q.info && q.info.ok) out.push(...rawBlock(`${d.address} ${q.name}`, q.info.value.raw, style))
      if (v.hotReset !== null && 'ok' in v.hotReset && v.hotReset.ok) out.push(...rawBlock(d.address, v.hotReset.value.raw, style))
    }
  }
  return out
}

/** --read-region: the bytes read, labelled with their offsets inside the region. */
export function regionDumpLines(input: Inventory, style: Style): string[] {
  const inv = safeModel(input)
  const out: string[] = []
  for (const { d, v } of devices(inv)) {
    const r = v.regionDump
    if (r === undefined) continue
    if (!r.ok) {
      out.push(`${d.address}: ${style.bad(formatError(r.error))}${r.error.hint === undefined ? '' : ` (${r.error.hint})`}`)
      continue
    }
    const name = v.regions[r.value.index]?.name ?? `region ${r.value.index}`
    out.push(`${style.addr(d.address)} ${name} at offset 0x${r.value.offset.toString(16)}, ${r.value.bytes.length} bytes:`)
    out.push(...hexdump(r.value.bytes, Number(r.value.offset)).map((l) => `  ${l}`), '')
  }
  return out
}
