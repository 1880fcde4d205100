// Raw kernel replies with every field labelled at its offset: what --hexdump prints. The labels come
// from the same layout tables the decoders use (abi/layouts.ts), and capability headers from the walker.
import type { RawField, RawReply } from '../model/types.js'
import { capHeaders } from './abi/caps.js'
import { capName } from './abi/flags.js'
import { LAYOUTS } from './abi/layouts.js'

type Ns = 'device' | 'region' | 'iommu'

function structFields(name: string, base = 0, prefix = ''): RawField[] {
  const l = LAYOUTS[name]
  if (l === undefined) return []
  return Object.entries(l.fields)
    .filter(([, f]) => f.size > 0)
    .map(([label, f]) => ({ offset: base + f.offset, size: f.size, label: prefix + label }))
}

// The fixed fields of each struct, labelled once: every reply of a run is labelled, thousands per host.
const FIXED = new Map<string, readonly RawField[]>()
function fixedFields(struct: string): readonly RawField[] {
  let f = FIXED.get(struct)
  if (f === undefined) {
    f = structFields(struct)
    FIXED.set(struct, f)
  }
  return f
}

/** Fields of the fixed struct (cut to what the kernel returned), then each capability in the chain. */
export function rawReply(op: string, struct: string, bytes: Uint8Array, chain?: { ns: Ns; capOffset: number; argsz: number }): RawReply {
  const fields = fixedFields(struct).filter((f) => f.offset + f.size <= bytes.length)
  let fault: string | undefined
  if (chain !== undefined && chain.capOffset !== 0) {
    const hops = capHeaders(bytes, chain.capOffset, chain.argsz, chain.ns)
    hops.forEach((h, i) => {
      if ('reason' in h) {
        fault = `capability chain ${h.reason} at offset ${h.offset}`
        return
      }
      const name = capName(chain.ns, h.id)
      const end = hops[i + 1] !== undefined && !('reason' in hops[i + 1]!) ? (hops[i + 1] as { offset: number }).offset : Math.min(chain.argsz, bytes.length)
      fields.push({ offset: h.offset, size: 2, label: `cap ${name}: id` }, { offset: h.offset + 2, size: 2, label: 'version' }, { offset: h.offset + 4, size: 4, label: 'next' })
      const payload = Math.max(0, Math.min(end, bytes.length) - (h.offset + 8))
      if (payload > 0 && end > h.offset) fields.push({ offset: h.offset + 8, size: payload, label: `${name} payload` })
    })
  }
  fields.sort((a, b) => a.offset - b.offset)
  return fault === undefined ? { op, bytes: bytes.slice(), fields } : { op, bytes: bytes.slice(), fields, fault }
}

/** The hot-reset reply: header, then one labelled entry per dependent device. */
export function rawHotReset(op: string, bytes: Uint8Array): RawReply {
  const fields = structFields('vfio_pci_hot_reset_info').filter((f) => f.offset + f.size <= bytes.length)
  for (let off = 12, i = 0; off + 8 <= bytes.length; off += 8, i++) fields.push(...structFields('vfio_pci_dependent_device', off, `devices[${i}].`))
  return { op, bytes: bytes.slice(), fields }
}
