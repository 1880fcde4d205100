// A temp directory laid out like /sys, /dev and /proc, for NodeFs rooted at it. Symlinks are
// relative, as the kernel makes them, so path resolution is exercised for real.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

export type Tree = Record<string, string | { link: string } | { dir: true }>

export function makeTree(tree: Tree): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lsvfio-sysfs-'))
  for (const [p, v] of Object.entries(tree)) {
    const abs = join(root, p)
    mkdirSync(dirname(abs), { recursive: true })
    if (typeof v === 'string') writeFileSync(abs, v)
    else if ('dir' in v) mkdirSync(abs, { recursive: true })
    else symlinkSync(relative(dirname(abs), join(root, v.link)), abs)
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

export interface PciDev {
  bdf: string
  vendor: number
  device: number
  cls: number
  driver?: string
  group?: number
  override?: string
  resource?: string
  resetMethod?: string
}

/** sysfs entries for one PCI device under /sys/devices/pci0000:00, its bus link and group link. */
export function pciDevice(d: PciDev): Tree {
  const dev = `/sys/devices/pci0000:00/${d.bdf}`
  const t: Tree = {
    [`${dev}/vendor`]: `0x${d.vendor.toString(16).padStart(4, '0')}\n`,
    [`${dev}/device`]: `0x${d.device.toString(16).padStart(4, '0')}\n`,
    [`${dev}/class`]: `0x${d.cls.toString(16).padStart(6, '0')}\n`,
    [`${dev}/revision`]: '0x00\n',
    [`${dev}/driver_override`]: `${d.override ?? '(null)'}\n`,
    [`${dev}/numa_node`]: '-1\n',
    [`${dev}/resource`]: d.resource ?? '0x0000000000000000 0x0000000000000000 0x0000000000000000\n',
    [`${dev}/subsystem`]: { link: '/sys/bus/pci' },
    [`/sys/bus/pci/devices/${d.bdf}`]: { link: dev },
  }
  if (d.driver !== undefined) {
    t[`/sys/bus/pci/drivers/${d.driver}/bind`] = ''
    t[`${dev}/driver`] = { link: `/sys/bus/pci/drivers/${d.driver}` }
  }
  if (d.resetMethod !== undefined) t[`${dev}/reset_method`] = d.resetMethod + '\n'
  if (d.group !== undefined) {
    t[`/sys/kernel/iommu_groups/${d.group}/devices/${d.bdf}`] = { link: dev }
    t[`/sys/kernel/iommu_groups/${d.group}/type`] = 'DMA\n'
    t[`${dev}/iommu_group`] = { link: `/sys/kernel/iommu_groups/${d.group}` }
  }
  return t
}
