// Mediated devices as sysfs and mdevctl describe them: parents (/sys/class/mdev_bus) with their types,
// each mdev's UUID, type and parent, and mdevctl's defined configurations (/etc/mdevctl.d). Opens nothing.
import { posix } from 'node:path'
import type { Device, MdevDefined, MdevDevice, MdevInventory, MdevParent, MdevType } from '../model/types.js'
import { FsError, type FsReader } from './fs.js'
import { ALL, type Selection } from './selection.js'

const MDEV_BUS = '/sys/class/mdev_bus'
const MDEV_DEVICES = '/sys/bus/mdev/devices'
const MDEVCTL = '/etc/mdevctl.d'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (s: string): boolean => UUID.test(s)
const isAll = (sel: Selection): boolean => sel.slot === ALL.slot && sel.name === ALL.name && sel.id === ALL.id && sel.group === ALL.group && sel.driver === ALL.driver

/** A sysfs attribute whose read may fail (a driver's show() returning an error): null then. */
function text(fs: FsReader, path: string): string | null {
  return safe(() => fs.readText(path))?.replace(/\n$/, '') ?? null
}

/** A failed read counts as absent here: a snapshot recorded before lsvfio read these paths has no
 * answer for them (ENODATA), and an unreadable config dir must not stop the listing. */
function safe<T>(f: () => T | null): T | null {
  try {
    return f()
  } catch (e: unknown) {
    if (e instanceof FsError) return null
    throw e
  }
}
const list = (fs: FsReader, dir: string): string[] => safe(() => fs.list(dir)) ?? []
const readLink = (fs: FsReader, path: string): string | null => safe(() => fs.readLink(path))

function link(fs: FsReader, path: string): string | null {
  const t = readLink(fs, path)
  return t === null ? null : posix.resolve(posix.dirname(path), t)
}

function readType(fs: FsReader, dir: string, id: string): MdevType {
  const d = `${dir}/${id}`
  const avail = text(fs, d + '/available_instances')
  const n = avail === null ? NaN : Number(avail.trim())
  return {
    id,
    name: text(fs, d + '/name'),
    description: text(fs, d + '/description'),
    deviceApi: text(fs, d + '/device_api'),
    availableInstances: Number.isInteger(n) && n >= 0 ? n : null,
    devices: list(fs, d + '/devices').filter(isUuid),
  }
}

/** Every registered parent and its supported types. */
export function scanParents(fs: FsReader): MdevParent[] {
  const out: MdevParent[] = []
  for (const name of list(fs, MDEV_BUS)) {
    const path = link(fs, `${MDEV_BUS}/${name}`)
    if (path === null) continue
    const tdir = path + '/mdev_supported_types'
    const drv = readLink(fs, path + '/driver')
    const bus = readLink(fs, path + '/subsystem')
    out.push({
      name,
      path,
      bus: bus === null ? null : posix.basename(bus),
      driver: drv === null ? null : posix.basename(drv),
      types: list(fs, tdir).map((id) => readType(fs, tdir, id)),
    })
  }
  return out
}

/** mdevctl's configurations: /etc/mdevctl.d/PARENT/UUID holds {"mdev_type", "start", "attrs"}. */
export function scanDefined(fs: FsReader): MdevDefined[] {
  const out: MdevDefined[] = []
  for (const parent of list(fs, MDEVCTL)) {
    if (parent === 'scripts.d') continue
    for (const uuid of list(fs, `${MDEVCTL}/${parent}`).filter(isUuid)) {
      let cfg: unknown = null
      try {
        cfg = JSON.parse(text(fs, `${MDEVCTL}/${parent}/${uuid}`) ?? 'null')
      } catch {
        cfg = null // not JSON: shown with what its path says
      }
      const field = (k: string): string | null => {
        const v = cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>)[k] : undefined
        return typeof v === 'string' ? v : null
      }
      out.push({
        uuid: uuid.toLowerCase(),
        parent,
        type: field('mdev_type'),
        start: field('start'),
        active: readLink(fs, `${MDEV_DEVICES}/${uuid.toLowerCase()}`) !== null,
        parentPresent: readLink(fs, `${MDEV_BUS}/${parent}`) !== null,
      })
    }
  }
  return out
}

/** Parents and definitions, or undefined when the host has neither (no mdev support in use). */
export function scanMdev(fs: FsReader): MdevInventory | undefined {
  const parents = scanParents(fs)
  const defined = scanDefined(fs)
  return parents.length === 0 && defined.length === 0 ? undefined : { parents, defined }
}

/** The mdev facts of a device on the mdev bus (devPath: /sys/devices/.../PARENT/UUID). */
export function readMdev(fs: FsReader, devPath: string): MdevDevice {
  const type = link(fs, devPath + '/mdev_type')
  return {
    uuid: posix.basename(devPath),
    type: type === null ? null : posix.basename(type),
    typeName: type === null ? null : text(fs, type + '/name'),
    parent: posix.basename(posix.dirname(devPath)),
    deviceApi: type === null ? null : text(fs, type + '/device_api'),
  }
}

/** vfio names both its no-IOMMU groups and the groups it makes up for mdevs "vfio-noiommu"; the mdev
 * ones have only mdev members and a /dev/vfio/N node (never noiommu-N). */
export function isEmulatedGroup(fs: FsReader, id: number, name: string | null, members: readonly Device[]): boolean {
  return name === 'vfio-noiommu' && members.length > 0 && members.every((d) => d.bus === 'mdev') && safe(() => fs.stat(`/dev/vfio/noiommu-${id}`)) === null
}

/** The sysfs command that creates a defined mdev (what `mdevctl start` does). */
export function createCommand(d: Pick<MdevDefined, 'uuid' | 'parent' | 'type'>): string {
  return `echo ${d.uuid} > ${MDEV_BUS}/${d.parent}/mdev_supported_types/${d.type ?? 'TYPE'}/create`
}

/** All of it without a selection; with one, the parents and definitions of the selected mdevs, or the
 * parent or definition the selector names. */
export function selectMdev(m: MdevInventory | undefined, sel: Selection, groups: readonly { devices: readonly Device[] }[]): MdevInventory | undefined {
  if (m === undefined || isAll(sel)) return m
  const shown = new Set(groups.flatMap((g) => g.devices.flatMap((d) => (d.mdev === undefined ? [] : [d.mdev.uuid, d.mdev.parent]))))
  const wanted = (name: string): boolean => shown.has(name) || sel.name === name
  const parents = m.parents.filter((p) => wanted(p.name))
  const defined = m.defined.filter((d) => wanted(d.uuid) || wanted(d.parent))
  return parents.length === 0 && defined.length === 0 ? undefined : { parents, defined }
}
