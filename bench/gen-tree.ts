// A generated host for the scale benchmarks, written as a real directory tree laid out like /sys, /dev
// and /proc (so NodeFs and pciutils' lspci read it as they read a host): SR-IOV physical functions,
// each with up to 63 virtual functions; every function alone in its IOMMU group (ACS), the VFs bound
// to vfio-pci with a vfio-dev cdev, the PFs to ice. Identity, config space and resources follow the
// template: a real e1000e function recorded by the VM suite (test/fixtures/x86-6.12), with the IDs of
// an Intel E810 PF (8086:1592) and its VF (8086:1889).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { SnapshotDoc } from '../src/snapshot/doc.js'

export const TEMPLATE_SNAPSHOT = 'test/fixtures/x86-6.12/snapshot.json'
export const TEMPLATE_GROUP = 15
export const TEMPLATE_BDF = '0000:02:00.0'
const TEMPLATE_DIR = '/sys/devices/pci0000:00/0000:00:11.0/0000:02:00.0'
export const PF_ID = 0x1592
export const VF_ID = 0x1889
const VFS_PER_PF = 63

export interface GenDevice {
  bdf: string
  group: number
  vf: boolean
  /** the VF's vfio-dev index */
  cdev: number | null
}

export interface GenTree {
  root: string
  devices: GenDevice[]
  cleanup(): void
}

export function loadTemplate(): SnapshotDoc {
  // relative to the repository root: the bench and the tests run there
  return JSON.parse(readFileSync(path.resolve(TEMPLATE_SNAPSHOT), 'utf8')) as SnapshotDoc
}

function templateFs(doc: SnapshotDoc, key: string): string {
  const e = doc.fs[key]
  if (e === undefined || !('v' in e) || e.v === null) throw new Error(`template ${TEMPLATE_SNAPSHOT} lacks ${key}`)
  return e.v
}

/** The template's config space with another device ID (bytes 2-3). */
export function withDeviceId(config: Uint8Array, id: number): Uint8Array {
  const c = config.slice()
  c[2] = id & 0xff
  c[3] = id >> 8
  return c
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0')

/** `count` functions: PFs with VFs after them, buses from 1 on (a second domain past bus 0xff). */
export function layout(count: number): GenDevice[] {
  const out: GenDevice[] = []
  let cdev = 0
  for (let pf = 0; out.length < count; pf++) {
    const domain = Math.floor(pf / 255)
    const bus = (pf % 255) + 1
    for (let devfn = 0; devfn <= VFS_PER_PF && out.length < count; devfn++) {
      const bdf = `${hex4(domain)}:${bus.toString(16).padStart(2, '0')}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`
      out.push({ bdf, group: out.length + 1, vf: devfn > 0, cdev: devfn > 0 ? cdev++ : null })
    }
  }
  return out
}

/** Writes the tree under a fresh directory (in /dev/shm when there is one: it is tmpfs). */
export function generateTree(count: number, template: SnapshotDoc = loadTemplate()): GenTree {
  const base = (() => {
    try {
      return mkdtempSync('/dev/shm/lsvfio-bench-')
    } catch {
      return mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-'))
    }
  })()
  const root = base
  const config = Buffer.from(templateFs(template, `bytes ${TEMPLATE_DIR}/config`), 'hex')
  const resource = templateFs(template, `text ${TEMPLATE_DIR}/resource`)
  const made = new Set<string>()
  const dir = (p: string): string => {
    if (!made.has(p)) {
      mkdirSync(root + p, { recursive: true })
      made.add(p)
    }
    return p
  }
  const file = (p: string, v: string | Uint8Array): void => {
    dir(path.posix.dirname(p))
    writeFileSync(root + p, v)
  }
  const link = (p: string, target: string): void => {
    dir(path.posix.dirname(p))
    symlinkSync(path.posix.relative(path.posix.dirname(p), target), root + p)
  }

  file('/proc/sys/kernel/osrelease', '6.12.0-bench\n')
  for (const m of ['vfio', 'vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1', 'iommufd']) dir(`/sys/module/${m}`)
  dir('/sys/class/iommu/dmar0')
  file('/dev/vfio/vfio', '')
  for (const d of ['vfio-pci', 'ice']) dir(`/sys/bus/pci/drivers/${d}`)

  const devices = layout(count)
  let pfDir = ''
  for (const d of devices) {
    const host = `pci${d.bdf.slice(0, 4)}:00`
    const dev = `/sys/devices/${host}/${d.bdf}`
    const id = d.vf ? VF_ID : PF_ID
    const driver = d.vf ? 'vfio-pci' : 'ice'
    file(`${dev}/vendor`, '0x8086\n')
    file(`${dev}/device`, `0x${hex4(id)}\n`)
    file(`${dev}/class`, '0x020000\n')
    file(`${dev}/subsystem_vendor`, '0x8086\n')
    file(`${dev}/subsystem_device`, '0x0000\n')
    file(`${dev}/revision`, '0x02\n')
    // as pci_uevent writes it
    file(`${dev}/uevent`, `DRIVER=${driver}\nPCI_CLASS=20000\nPCI_ID=8086:${hex4(id).toUpperCase()}\nPCI_SUBSYS_ID=8086:0000\nPCI_SLOT_NAME=${d.bdf}\nMODALIAS=pci:v00008086d0000${hex4(id).toUpperCase()}sv00008086sd00000000bc02sc00i00\n`)
    file(`${dev}/irq`, '0\n')
    file(`${dev}/numa_node`, '0\n')
    file(`${dev}/local_cpulist`, '0-1\n')
    file(`${dev}/enable`, '1\n')
    file(`${dev}/driver_override`, d.vf ? 'vfio-pci\n' : '(null)\n')
    file(`${dev}/resource`, resource)
    file(`${dev}/reset_method`, 'flr\n')
    file(`${dev}/config`, withDeviceId(config, id))
    link(`${dev}/subsystem`, '/sys/bus/pci')
    link(`${dev}/driver`, `/sys/bus/pci/drivers/${driver}`)
    link(`${dev}/iommu_group`, `/sys/kernel/iommu_groups/${d.group}`)
    link(`/sys/bus/pci/devices/${d.bdf}`, dev)
    link(`/sys/kernel/iommu_groups/${d.group}/devices/${d.bdf}`, dev)
    file(`/sys/kernel/iommu_groups/${d.group}/type`, 'DMA\n')
    file(`/sys/kernel/iommu_groups/${d.group}/reserved_regions`, '0x00000000fee00000 0x00000000feefffff msi\n')
    file(`/dev/vfio/${d.group}`, '')
    if (d.vf) {
      link(`${dev}/physfn`, pfDir)
      link(`${pfDir}/virtfn${(Number.parseInt(d.bdf.slice(-4, -2), 16) << 3) + Number(d.bdf.slice(-1)) - 1}`, dev)
      file(`${dev}/vfio-dev/vfio${d.cdev ?? 0}/dev`, `511:${d.cdev ?? 0}\n`)
    } else {
      pfDir = dev
      file(`${dev}/sriov_totalvfs`, `${VFS_PER_PF}\n`)
      file(`${dev}/sriov_numvfs`, `${VFS_PER_PF}\n`)
    }
  }
  return { root, devices, cleanup: () => rmSync(base, { recursive: true, force: true }) }
}
