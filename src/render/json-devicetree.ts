// JSON of a device-tree node's reg and interrupt entries (additive fields only when the model has them).
import type { OfInterrupt, OfReg } from '../model/types.js'
import type { JsonOfInterrupt, JsonOfReg, JsonU64 } from './json-types.js'

// as json.ts's u64 (imported from there would make a cycle)
const opt64 = (v: bigint | null): JsonU64 | null => (v === null ? null : `0x${BigInt.asUintN(64, v).toString(16)}`)

export function jsonOfReg(r: OfReg): JsonOfReg {
  const out: JsonOfReg = { index: r.index, name: r.name, cells: [...r.cells], address: opt64(r.address), size: opt64(r.size), cpuAddress: opt64(r.cpuAddress) }
  if (r.bus !== undefined) out.bus = r.bus
  if (r.flags !== undefined) out.flags = r.flags
  if (r.untranslatable !== undefined) out.untranslatable = r.untranslatable
  if (r.resource !== undefined) out.resource = r.resource
  if (r.source !== undefined) out.source = r.source
  return out
}

export function jsonOfInterrupt(q: OfInterrupt): JsonOfInterrupt {
  const out: JsonOfInterrupt = { index: q.index, name: q.name, controller: q.controller, cells: [...q.cells], gic: q.gic === null ? null : { ...q.gic } }
  if (q.controllerCompatible !== undefined) out.controllerCompatible = [...q.controllerCompatible]
  if (q.nexus !== undefined) out.nexus = [...q.nexus]
  if (q.controllerCells !== undefined) out.controllerCells = [...q.controllerCells]
  if (q.unresolved !== undefined) out.unresolved = q.unresolved
  if (q.kernel !== undefined) out.kernel = q.kernel === null ? null : { virq: q.kernel.virq, hwirq: q.kernel.hwirq, type: q.kernel.type, chip: q.kernel.chip }
  if (q.source !== undefined) out.source = q.source
  return out
}

