// One device as sysfs describes it: identity, binding, resources, reset methods, DT node, cdev.
// Pure over FsReader; never opens /dev/vfio.
import { posix } from 'node:path'
import type { Device, HostResource, OfNode, PciIdentity } from '../model/types.js'
import { readDtResources } from './devicetree.js'
import { FsError, type FsReader } from './fs.js'
import { readMdev } from './mdev.js'
import { readText } from './proc.js'
import type { NameDb } from './pci-ids.js'

const DT_BASE = '/sys/firmware/devicetree/base'

/** Drivers that set driver_managed_dma: they do not break a group's viability (docs/vfio-abi.md, Group). */
export function isDmaSafeDriver(driver: string): boolean {
  return isVfioDriver(driver) || driver === 'pci-stub' || driver === 'pcieport'
}

export function isVfioDriver(driver: string): boolean {
  return driver.startsWith('vfio') || driver.endsWith('-vfio-pci') || driver.endsWith('_vfio_pci')
}

export function resolveLink(fs: FsReader, path: string): string | null {
  const t = fs.readLink(path)
  return t === null ? null : posix.resolve(posix.dirname(path), t)
}

function hexFile(fs: FsReader, path: string): number | null {
  const t = fs.readText(path)
  if (t === null) return null
  const n = parseInt(t.trim(), 16)
  return Number.isFinite(n) ? n : null
}

function baseName(fs: FsReader, path: string): string | null {
  const t = fs.readLink(path)
  return t === null ? null : posix.basename(t)
}

/** PCI's resource file: 0x-prefixed hex; AMBA's (amba_bus resource_show) is bare hex with `hex` set. */
const UNUSED = '0x0000000000000000 0x0000000000000000 0x0000000000000000'

export function parseResources(text: string, hex = false): HostResource[] {
  const out: HostResource[] = []
  const num = (s: string | undefined): bigint => BigInt(hex && s !== undefined && /^[0-9a-f]+$/i.test(s) ? `0x${s}` : (s ?? ''))
  text.split('\n').forEach((line, index) => {
    // most lines of a PCI device's resource file are unused BARs and windows: no BigInt parsing for them
    if (line === UNUSED) return void out.push({ index, start: 0n, end: 0n, flags: 0n, size: 0n, kind: 'none', prefetch: false, is64: false })
    const f = line.trim().split(/\s+/)
    if (f.length < 3) return
    let start: bigint, end: bigint, flags: bigint
    try {
      ;[start, end, flags] = [num(f[0]), num(f[1]), num(f[2])]
    } catch {
      return
    }
    const size = end === 0n && start === 0n ? 0n : end - start + 1n
    const kind = (flags & 0x100n) !== 0n ? 'io' : (flags & 0x200n) !== 0n ? 'mem' : 'none'
    out.push({ index, start, end, flags, size, kind, prefetch: (flags & 0x2000n) !== 0n, is64: (flags & 0x100000n) !== 0n })
  })
  return out
}

function ofNode(fs: FsReader, devPath: string): OfNode | null {
  const target = resolveLink(fs, devPath + '/of_node')
  if (target === null) return null
  const path = target.startsWith(DT_BASE) ? target.slice(DT_BASE.length) || '/' : target
  const raw = fs.readBytes(devPath + '/of_node/compatible')
  const compatible = raw === null ? [] : Buffer.from(raw).toString('latin1').split('\0').filter((s) => s !== '')
  return { path, compatible, ...readDtResources(fs, target, posix.basename(devPath)) }
}

type Ids = Pick<PciIdentity, 'vendorId' | 'deviceId' | 'subsystemVendorId' | 'subsystemDeviceId' | 'classCode'>

/** The IDs from the device's uevent (PCI_ID, PCI_SUBSYS_ID, PCI_CLASS: the same pci_dev fields the
 * vendor, device, subsystem_* and class files show), one read instead of five. null when it has no
 * such lines or cannot be read (a snapshot recorded before lsvfio read it): the files are read then. */
function ueventIds(fs: FsReader, p: string): Ids | null {
  let text: string | null
  try {
    text = fs.readText(p + '/uevent')
  } catch (e: unknown) {
    if (e instanceof FsError) return null
    throw e
  }
  if (text === null) return null
  const id = /^PCI_ID=([0-9A-F]{4}):([0-9A-F]{4})$/im.exec(text)
  const sub = /^PCI_SUBSYS_ID=([0-9A-F]{4}):([0-9A-F]{4})$/im.exec(text)
  const cls = /^PCI_CLASS=([0-9A-F]{1,6})$/im.exec(text)
  if (id === null || sub === null || cls === null) return null
  const h = (s: string | undefined): number => parseInt(s ?? '', 16)
  return { vendorId: h(id[1]), deviceId: h(id[2]), subsystemVendorId: h(sub[1]), subsystemDeviceId: h(sub[2]), classCode: h(cls[1]) }
}

function filesIds(fs: FsReader, p: string): Ids | null {
  const vendorId = hexFile(fs, p + '/vendor')
  const deviceId = hexFile(fs, p + '/device')
  const classCode = hexFile(fs, p + '/class')
  if (vendorId === null || deviceId === null || classCode === null) return null
  return { vendorId, deviceId, subsystemVendorId: hexFile(fs, p + '/subsystem_vendor'), subsystemDeviceId: hexFile(fs, p + '/subsystem_device'), classCode }
}

function pciIdentity(fs: FsReader, p: string, names: NameDb | null): PciIdentity | null {
  const ids = ueventIds(fs, p) ?? filesIds(fs, p)
  if (ids === null) return null
  const { vendorId, deviceId, classCode } = ids
  const deviceName = names?.device(vendorId, deviceId) ?? null
  return {
    ...ids,
    revision: hexFile(fs, p + '/revision'),
    vendorName: names?.vendor(vendorId) ?? null,
    deviceName,
    className: names?.className(classCode) ?? null,
    ...subsystemNames(ids, deviceName, names),
  }
}

/** The subsystem as lspci names it: its vendor, and its own pci.ids line or, when the subsystem IDs are
 * the device's, the device's name. */
function subsystemNames(ids: Ids, deviceName: string | null, names: NameDb | null): Pick<PciIdentity, 'subsystemVendorName' | 'subsystemName'> {
  const { vendorId: v, deviceId: d, subsystemVendorId: sv, subsystemDeviceId: sd } = ids
  if (names === null || sv === null || sd === null) return { subsystemVendorName: null, subsystemName: null }
  const own = names.subsystem?.(v, d, sv, sd) ?? null
  return { subsystemVendorName: names.vendor(sv), subsystemName: own ?? (sv === v && sd === d ? deviceName : null) }
}

function cdevOf(fs: FsReader, p: string): string | null {
  const entries = fs.list(p + '/vfio-dev')
  const n = entries?.find((e) => /^vfio\d+$/.test(e))
  // Without CONFIG_VFIO_DEVICE_CDEV the vfio-dev dir exists but has no dev file.
  return n !== undefined && fs.readText(`${p}/vfio-dev/${n}/dev`) !== null ? `/dev/vfio/devices/${n}` : null
}

/** Reads everything sysfs says about the device at devPath (an absolute /sys/devices/... path). */
export function readDevice(fs: FsReader, address: string, devPath: string, names: NameDb | null, configBytes = 256): Device {
  const bus = baseName(fs, devPath + '/subsystem') ?? 'unknown'
  const pci = bus === 'pci' ? pciIdentity(fs, devPath, names) : null
  const driver = baseName(fs, devPath + '/driver')
  const ov = fs.readText(devPath + '/driver_override')?.trim() ?? null
  // AMBA devices have one (their one MMIO window); a snapshot recorded before it was read has none
  const resText = bus === 'pci' ? fs.readText(devPath + '/resource') : bus === 'amba' ? readText(fs, devPath + '/resource') : null
  const reset = bus === 'pci' ? fs.readText(devPath + '/reset_method') : null
  const numa = fs.readText(devPath + '/numa_node')
  const base = pci === null ? -1 : pci.classCode >> 16
  const sub = pci === null ? -1 : (pci.classCode >> 8) & 0xff
  return {
    address,
    bus,
    pci,
    driver,
    driverOverride: ov === null || ov === '' || ov === '(null)' ? null : ov,
    // every driver of an mdev is a VFIO driver (mtty, nvidia-vgpu-vfio, vfio_ap_mdev …)
    vfioDriver: driver !== null && (isVfioDriver(driver) || bus === 'mdev'),
    bridge: base === 0x06 && (sub === 0x04 || sub === 0x09),
    resources: resText === null ? [] : parseResources(resText, bus === 'amba'),
    resetMethods: reset === null ? null : reset.trim().split(/\s+/).filter((s) => s !== ''),
    // sysfs says -1 for "no NUMA node"; the schema's unknown is null
    numaNode: numa === null || !/^\d+$/.test(numa.trim()) ? null : Number(numa.trim()),
    ofNode: ofNode(fs, devPath),
    cdev: cdevOf(fs, devPath),
    // Only for VFIO devices, and only as much as the CONFIG region read it is compared with.
    sysfsConfig: configBytes > 0 && pci !== null && driver !== null && isVfioDriver(driver) ? fs.readBytes(devPath + '/config', configBytes) : null,
    vfio: null,
    ...(bus === 'mdev' ? { mdev: readMdev(fs, devPath) } : {}),
  }
}
