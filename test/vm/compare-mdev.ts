// Mediated devices: lsvfio's --json against three witnesses that are not ours, field by field:
// sysfs read by guest/mdev-witness.mjs, mdevctl's own JSON (types, list, list --defined), and the
// kernel's ioctl answers read by guest/mdevread.c.
import type { JsonDevice, JsonDocument, JsonGroup } from '../../src/render/json-types.js'
import type { Ledger } from './compare.js'

export interface MdevWitness {
  parents: {
    name: string
    sysfsPath: string
    bus: string | null
    driver: string | null
    types: { id: string; name: string | null; description: string | null; deviceApi: string | null; availableInstances: string | null; devices: string[] }[]
  }[]
  devices: {
    uuid: string
    parent: string
    type: string | null
    driver: string | null
    group: string | null
    groupName: string | null
    groupMembers: string[]
    node: { path: string; mode?: number; uid?: number; gid?: number; rdev?: string } | null
    noiommuNode: unknown
  }[]
}

/** mdevctl --dumpjson: [{ PARENT: [{ KEY: {...} }, ...] }] */
type MdevctlDump<T> = Record<string, Record<string, T>[]>[]
export type MdevctlTypes = MdevctlDump<{ available_instances?: number; device_api?: string; name?: string; description?: string }>
export type MdevctlList = MdevctlDump<{ mdev_type?: string; start?: string }>

export interface MdevRead {
  uuid: string
  groupFlags: number
  flags: number
  numRegions: number
  numIrqs: number
  regions: { index: number; errno?: number; flags?: number; size?: string; offset?: string; caps?: { id: number; version: number; type?: number; subtype?: number; areas?: { offset: string; size: string }[] }[] }[]
  irqs: { index: number; errno?: number; flags?: number; count?: number }[]
  gfx: { dmabuf: number; region: number }
}

const flatten = <T>(d: MdevctlDump<T>): { parent: string; key: string; v: T }[] =>
  d.flatMap((o) => Object.entries(o).flatMap(([parent, xs]) => xs.flatMap((x) => Object.entries(x).map(([key, v]) => ({ parent, key, v })))))

function mdevsOf(doc: JsonDocument): Map<string, { g: JsonGroup; d: JsonDevice }> {
  return new Map(doc.groups.flatMap((g) => g.devices.filter((d) => d.mdev !== undefined).map((d) => [d.address, { g, d }] as const)))
}

/** sysfs: parents, types and instances; each mdev's group, node, driver, type and parent. */
export function compareMdevSysfs(led: Ledger, doc: JsonDocument, w: MdevWitness): void {
  const parents = doc.mdev?.parents ?? []
  led.eq('mdev', 'parents', parents.map((p) => p.name), w.parents.map((p) => p.name))
  for (const wp of w.parents) {
    const p = parents.find((x) => x.name === wp.name)
    const at = `parent ${wp.name}`
    led.eq(at, 'path', p?.path, wp.sysfsPath)
    led.eq(at, 'bus', p?.bus, wp.bus)
    led.eq(at, 'driver', p?.driver, wp.driver)
    led.eq(at, 'types', p?.types.map((t) => t.id), wp.types.map((t) => t.id))
    for (const wt of wp.types) {
      const t = p?.types.find((x) => x.id === wt.id)
      const tat = `${at} type ${wt.id}`
      led.eq(tat, 'name', t?.name, wt.name)
      led.eq(tat, 'description', t?.description, wt.description)
      led.eq(tat, 'deviceApi', t?.deviceApi, wt.deviceApi)
      led.eq(tat, 'availableInstances', t?.availableInstances, wt.availableInstances === null ? null : Number(wt.availableInstances))
      led.eq(tat, 'devices', t?.devices, wt.devices)
    }
  }
  const mine = mdevsOf(doc)
  led.eq('mdev', 'devices', [...mine.keys()].sort(), w.devices.map((d) => d.uuid).sort())
  for (const wd of w.devices) {
    const m = mine.get(wd.uuid)
    const at = `mdev ${wd.uuid}`
    led.eq(at, 'bus', m?.d.bus, 'mdev')
    led.eq(at, 'driver', m?.d.driver, wd.driver)
    led.eq(at, 'vfioDriver', m?.d.vfioDriver, wd.driver !== null)
    led.eq(at, 'mdev.uuid', m?.d.mdev?.uuid, wd.uuid)
    led.eq(at, 'mdev.type', m?.d.mdev?.type, wd.type)
    led.eq(at, 'mdev.parent', m?.d.mdev?.parent, wd.parent)
    const wt = w.parents.find((p) => p.name === wd.parent)?.types.find((t) => t.id === wd.type)
    led.eq(at, 'mdev.typeName', m?.d.mdev?.typeName, wt?.name ?? null)
    led.eq(at, 'mdev.deviceApi', m?.d.mdev?.deviceApi, wt?.deviceApi ?? null)
    led.eq(at, 'group', m?.g.id, wd.group === null ? null : Number(wd.group))
    led.eq(at, 'group.members', m?.g.devices.map((d) => d.address), wd.groupMembers)
    // vfio-noiommu by name, yet an emulated group: /dev/vfio/N exists, noiommu-N does not
    led.eq(at, 'group.emulated', m?.g.emulated === true, wd.groupName === 'vfio-noiommu' && wd.noiommuNode === null)
    led.eq(at, 'group.noiommu', m?.g.noiommu, wd.noiommuNode !== null)
    led.eq(at, 'group.name', m?.g.name, wd.group)
    led.eq(at, 'group.node', m?.g.node === null || m === undefined ? null : { path: m.g.node.path, mode: m.g.node.mode, uid: m.g.node.uid, gid: m.g.node.gid, rdev: m.g.node.rdev }, wd.node)
    led.eq(at, 'group.viable', m?.g.viability.viable, true)
  }
}

/** mdevctl types / list / list --defined, the tool users have. */
export function compareMdevctl(led: Ledger, doc: JsonDocument, types: MdevctlTypes, list: MdevctlList, defined: MdevctlList): void {
  const parents = doc.mdev?.parents ?? []
  const ts = flatten(types)
  led.eq('mdevctl types', 'count', parents.flatMap((p) => p.types).length, ts.length, 'mdevctl')
  for (const { parent, key, v } of ts) {
    const t = parents.find((p) => p.name === parent)?.types.find((x) => x.id === key)
    const at = `mdevctl type ${parent}/${key}`
    led.eq(at, 'availableInstances', t?.availableInstances, v.available_instances ?? null, 'mdevctl')
    led.eq(at, 'deviceApi', t?.deviceApi, v.device_api ?? null, 'mdevctl')
    led.eq(at, 'name', t?.name, v.name ?? null, 'mdevctl')
    led.eq(at, 'description', t?.description, v.description ?? null, 'mdevctl')
  }
  const mine = mdevsOf(doc)
  const active = flatten(list)
  led.eq('mdevctl list', 'uuids', [...mine.keys()].sort(), active.map((a) => a.key).sort(), 'mdevctl')
  for (const { parent, key, v } of active) {
    const m = mine.get(key)?.d.mdev
    led.eq(`mdevctl list ${key}`, 'parent', m?.parent, parent, 'mdevctl')
    led.eq(`mdevctl list ${key}`, 'type', m?.type, v.mdev_type ?? null, 'mdevctl')
  }
  const defs = flatten(defined)
  const mineDefs = doc.mdev?.defined ?? []
  led.eq('mdevctl list --defined', 'uuids', mineDefs.map((d) => d.uuid).sort(), defs.map((d) => d.key).sort(), 'mdevctl')
  for (const { parent, key, v } of defs) {
    const d = mineDefs.find((x) => x.uuid === key)
    const at = `mdevctl defined ${key}`
    led.eq(at, 'parent', d?.parent, parent, 'mdevctl')
    led.eq(at, 'type', d?.type, v.mdev_type ?? null, 'mdevctl')
    led.eq(at, 'start', d?.start, v.start ?? null, 'mdevctl')
    led.eq(at, 'active', d?.active, active.some((a) => a.key === key), 'mdevctl')
  }
}

const big = (s: string | undefined): string | null => (s === undefined ? null : `0x${BigInt(s).toString(16)}`)

/** The kernel's answers for one opened mdev, read a second time by mdevread.c. */
export function compareMdevread(led: Ledger, doc: JsonDocument, r: MdevRead): void {
  const m = mdevsOf(doc).get(r.uuid)
  const at = `ioctl ${r.uuid}`
  const st = m?.g.status
  led.eq(at, 'group.status.flags', st?.state === 'ok' ? st.value.flags : null, r.groupFlags, 'mdevread')
  const v = m?.d.vfio?.state === 'ok' ? m.d.vfio.value : null
  led.eq(at, 'opened', v !== null, true, 'mdevread')
  led.eq(at, 'flags', v?.flags, r.flags, 'mdevread')
  led.eq(at, 'numRegions', v?.numRegions, r.numRegions, 'mdevread')
  led.eq(at, 'numIrqs', v?.numIrqs, r.numIrqs, 'mdevread')
  for (const wr of r.regions) {
    const e = v?.regions[wr.index]?.info
    const rat = `${at} region ${wr.index}`
    if (wr.errno !== undefined) {
      led.eq(rat, 'errno', e !== undefined && e.state !== 'ok' ? e.error.errno : null, wr.errno, 'mdevread')
      continue
    }
    const x = e?.state === 'ok' ? e.value : null
    led.eq(rat, 'flags', x?.flags, wr.flags, 'mdevread')
    led.eq(rat, 'size', x?.size, big(wr.size), 'mdevread')
    led.eq(rat, 'offset', x?.offset, big(wr.offset), 'mdevread')
    const caps = (x?.caps ?? []).map((c) => (c.kind === 'type' ? { id: c.id, version: c.version, type: c.type, subtype: c.subtype } : c.kind === 'sparse-mmap' ? { id: c.id, version: c.version, areas: c.areas } : { id: 'id' in c ? c.id : -1 }))
    const theirs = (wr.caps ?? []).map((c) => (c.type !== undefined ? c : c.areas !== undefined ? { ...c, areas: c.areas.map((a) => ({ offset: big(a.offset), size: big(a.size) })) } : { id: c.id }))
    led.eq(rat, 'caps', caps, theirs, 'mdevread')
  }
  for (const wi of r.irqs) {
    const e = v?.irqs[wi.index]?.info
    const iat = `${at} irq ${wi.index}`
    if (wi.errno !== undefined) {
      led.eq(iat, 'errno', e !== undefined && e.state !== 'ok' ? e.error.errno : null, wi.errno, 'mdevread')
      continue
    }
    const x = e?.state === 'ok' ? e.value : null
    led.eq(iat, 'flags', x?.flags, wi.flags, 'mdevread')
    led.eq(iat, 'count', x?.count, wi.count, 'mdevread')
  }
  const g = v?.gfx
  const want = r.gfx.dmabuf === -25 && r.gfx.region === -25 ? null : { dmabuf: r.gfx.dmabuf === 0, region: r.gfx.region === 0 }
  led.eq(at, 'gfx', g?.state === 'ok' ? g.value : g === undefined ? 'absent' : 'failed', want, 'mdevread')
}
