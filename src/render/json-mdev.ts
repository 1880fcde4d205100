// The mediated-device parts of the --json contract: optional properties, present only where they apply
// (an mdev's `mdev`, an emulated group's `emulated`, an opened mdev's `gfx`, the document's `mdev`).
import type { GfxPlanes, MdevDevice, MdevInventory, Probe } from '../model/types.js'

export interface JsonMdevType {
  id: string
  name: string | null
  description: string | null
  deviceApi: string | null
  availableInstances: number | null
  devices: string[]
}

export interface JsonMdevParent {
  name: string
  path: string
  bus: string | null
  driver: string | null
  types: JsonMdevType[]
}

export interface JsonMdevDefined {
  uuid: string
  parent: string
  type: string | null
  start: string | null
  active: boolean
  parentPresent: boolean
}

export interface JsonMdevInventory {
  parents: JsonMdevParent[]
  defined: JsonMdevDefined[]
}

export interface JsonMdevDevice {
  uuid: string
  type: string | null
  typeName: string | null
  parent: string
  deviceApi: string | null
}

export type JsonGfx = { state: 'ok'; value: GfxPlanes | null } | { state: 'failed'; error: { op: string; errno: number; code: string; path: string | null; hint: string | null } }

export function jsonMdevInventory(m: MdevInventory): JsonMdevInventory {
  return {
    parents: m.parents.map((p) => ({
      name: p.name,
      path: p.path,
      bus: p.bus,
      driver: p.driver,
      types: p.types.map((t) => ({ id: t.id, name: t.name, description: t.description, deviceApi: t.deviceApi, availableInstances: t.availableInstances, devices: [...t.devices] })),
    })),
    defined: m.defined.map((d) => ({ uuid: d.uuid, parent: d.parent, type: d.type, start: d.start, active: d.active, parentPresent: d.parentPresent })),
  }
}

export const jsonMdevDevice = (m: MdevDevice): JsonMdevDevice => ({ uuid: m.uuid, type: m.type, typeName: m.typeName, parent: m.parent, deviceApi: m.deviceApi })

export function jsonGfx(p: Probe<GfxPlanes | null>): JsonGfx {
  if (p.ok) return { state: 'ok', value: p.value === null ? null : { dmabuf: p.value.dmabuf, region: p.value.region } }
  const e = p.error
  return { state: 'failed', error: { op: e.op, errno: e.errno, code: e.code, path: e.path ?? null, hint: e.hint ?? null } }
}
