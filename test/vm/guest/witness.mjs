// Ground truth from sysfs, /dev and /proc as one JSON document on stdout (guest side of the VM tests).
// Plain Node, no dependencies and no code shared with lsvfio, so a bug in lsvfio cannot hide here.
// Values are kept as the kernel prints them (raw sysfs text); test/vm/witness.ts parses them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const PCI = '/sys/bus/pci/devices'
const GROUPS = '/sys/kernel/iommu_groups'

/** file text without the trailing newline; null if absent or unreadable (with the error code kept) */
function text(p) {
  try {
    return fs.readFileSync(p, 'utf8').replace(/\n$/, '')
  } catch (e) {
    return e.code === 'ENOENT' ? null : { error: e.code }
  }
}
const lines = (p) => {
  const t = text(p)
  return typeof t === 'string' ? (t === '' ? [] : t.split('\n')) : t
}
const base = (p) => {
  try {
    return path.basename(fs.readlinkSync(p))
  } catch {
    return null
  }
}
const list = (p) => {
  try {
    return fs.readdirSync(p).sort()
  } catch {
    return null
  }
}

function device(bdf) {
  const d = path.join(PCI, bdf)
  const real = fs.realpathSync(d)
  const parent = path.basename(path.dirname(real))
  let config = null
  try {
    config = fs.readFileSync(path.join(d, 'config')).toString('hex')
  } catch (e) {
    config = { error: e.code }
  }
  const msiDir = path.join(d, 'msi_irqs')
  const msiIrqs = list(msiDir)
  return {
    address: bdf,
    sysfsPath: real,
    /** upstream bridge BDF, or the root bus name (pci0000:00) */
    parent,
    vendor: text(path.join(d, 'vendor')),
    device: text(path.join(d, 'device')),
    subsystemVendor: text(path.join(d, 'subsystem_vendor')),
    subsystemDevice: text(path.join(d, 'subsystem_device')),
    class: text(path.join(d, 'class')),
    revision: text(path.join(d, 'revision')),
    driver: base(path.join(d, 'driver')),
    driverOverride: text(path.join(d, 'driver_override')),
    iommuGroup: base(path.join(d, 'iommu_group')),
    /** the IOMMU unit it sits behind (dmar0 …) */
    iommu: base(path.join(d, 'iommu')),
    resetMethod: text(path.join(d, 'reset_method')),
    irq: text(path.join(d, 'irq')),
    enable: text(path.join(d, 'enable')),
    /** raw lines "start end flags" per BAR 0-5, ROM, bridge windows */
    resource: lines(path.join(d, 'resource')),
    /** resourceN / resourceN_wc / rom files present */
    resourceFiles: (list(d) ?? []).filter((n) => /^resource\d+(_wc)?$|^rom$/.test(n)),
    /** MSI/MSI-X vectors allocated right now (by the host driver), with their mode */
    msiIrqs: msiIrqs === null ? null : msiIrqs.map((irq) => ({ irq, mode: text(path.join(msiDir, irq)) })),
    /** raw numa_node: -1 when the platform has none */
    numaNode: text(path.join(d, 'numa_node')),
    /** config space as root reads it through sysfs (256 or 4096 bytes), hex */
    config,
  }
}

function devNodes(dir) {
  const names = list(dir)
  return names === null ? null : names.map((name) => devNode(dir, name))
}

function devNode(dir, name) {
  {
    const st = fs.lstatSync(path.join(dir, name))
    return {
      name,
      type: st.isCharacterDevice() ? 'char' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other',
      mode: (st.mode & 0o7777).toString(8).padStart(4, '0'),
      uid: st.uid,
      gid: st.gid,
      rdev: st.isCharacterDevice() ? `${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}` : null,
    }
  }
}

function modules() {
  const t = text('/proc/modules')
  return typeof t === 'string' ? t.split('\n').map((l) => l.split(' ')[0]).sort() : []
}

function params(mod) {
  const dir = `/sys/module/${mod}/parameters`
  const out = {}
  for (const n of list(dir) ?? []) out[n] = text(path.join(dir, n))
  return out
}

const doc = {
  witnessVersion: 1,
  kernel: { release: os.release(), cmdline: text('/proc/cmdline') },
  modules: modules(),
  moduleParams: Object.fromEntries(['vfio', 'vfio_iommu_type1', 'vfio_pci', 'vfio_pci_core'].map((m) => [m, params(m)])),
  devices: (list(PCI) ?? []).map(device),
  iommuGroups: (list(GROUPS) ?? [])
    .map((id) => ({
      id: Number(id),
      type: text(path.join(GROUPS, id, 'type')),
      devices: list(path.join(GROUPS, id, 'devices')) ?? [],
      reservedRegions: lines(path.join(GROUPS, id, 'reserved_regions')),
    }))
    .sort((a, b) => a.id - b.id),
  devVfio: devNodes('/dev/vfio'),
  devVfioDevices: devNodes('/dev/vfio/devices'),
  devIommu: fs.existsSync('/dev/iommu') ? devNode('/dev', 'iommu') : null,
  /** IOMMU units; VT-d ones with their CAP and ECAP registers as intel-iommu prints them (hex, no 0x) */
  iommus: (list('/sys/class/iommu') ?? []).map((name) => ({
    name,
    cap: text(`/sys/class/iommu/${name}/intel-iommu/cap`),
    ecap: text(`/sys/class/iommu/${name}/intel-iommu/ecap`),
  })),
  /** iommufd: in /sys/module (loaded or built in), and whether its module file is installed for this kernel */
  iommufd: {
    sysModule: fs.existsSync('/sys/module/iommufd'),
    moduleFile: ['', '.xz', '.zst', '.gz'].some((z) => fs.existsSync(`/lib/modules/${os.release()}/kernel/drivers/iommu/iommufd/iommufd.ko${z}`)),
  },
}
process.stdout.write(JSON.stringify(doc, null, 2) + '\n')
