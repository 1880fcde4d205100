// What sysfs tells root, without opening anything, that vfio-pci's answers depend on: read once per
// host (kernel version, vfio-pci parameters, page size) and once per device (config, irq, siblings).
import { posix } from 'node:path'
import type { Device } from '../../model/types.js'
import { FsError, type FsReader } from '../fs.js'
import { resolveLink } from '../sysfs-device.js'
import { decodeConfig, type ConfigFacts } from './pci-config.js'

export interface HostFacts {
  /** [major, minor] of the running kernel; null when unknown. */
  kernel: readonly [number, number] | null
  /** vfio_pci's disable_vga / nointxmask; null when the parameter cannot be read. */
  disableVga: boolean | null
  nointxmask: boolean | null
  x86: boolean | null
  pageSize: number | null
}

export interface DeviceFacts {
  config: ConfigFacts | null
  /** Bytes the root read of sysfs `config` returned: pdev->cfg_size (256 or 4096); null when unread. */
  configSize: number | null
  /** sysfs `irq` (pdev->irq); null when unread. */
  irq: number | null
  /** An SR-IOV VF (it has a physfn link). */
  virtfn: boolean | null
  /** Other functions on the same bus, and whether the bus has an upstream bridge (not a root bus). */
  busSiblings: number | null
  rootBus: boolean | null
}

/** Reads that may be refused (EACCES) or absent from an older snapshot (ENODATA) are unknown, never fatal. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f()
  } catch (e: unknown) {
    if (e instanceof FsError) return undefined
    throw e
  }
}

const flag = (t: string | null | undefined): boolean | null => (t === undefined || t === null ? null : /^[Y1]/.test(t.trim()))

export function readHostFacts(fs: FsReader, release: string | null): HostFacts {
  const m = release === null ? null : /^(\d+)\.(\d+)/.exec(release)
  const params = '/sys/module/vfio_pci/parameters/'
  // disable_vga exists only with CONFIG_VFIO_PCI_VGA: without it VGA is always disabled.
  const vga = attempt(() => fs.readText(params + 'disable_vga'))
  const loaded = attempt(() => fs.stat('/sys/module/vfio_pci'))
  const cpu = attempt(() => fs.readBytes('/proc/cpuinfo', 512))
  const x86 = cpu === undefined || cpu === null ? null : Buffer.from(cpu).toString('latin1').includes('vendor_id')
  // A PMD maps PAGE_SIZE/8 pages: hpage_pmd_size = PAGE_SIZE²/8 (2 MiB ↔ 4 KiB, 32 MiB ↔ 16 KiB, 512 MiB ↔ 64 KiB).
  const pmd = Number(attempt(() => fs.readText('/sys/kernel/mm/transparent_hugepage/hpage_pmd_size'))?.trim() ?? NaN)
  const fromPmd = Number.isFinite(pmd) && pmd > 0 ? Math.round(Math.sqrt(pmd * 8)) : null
  return {
    kernel: m === null ? null : [Number(m[1]), Number(m[2])],
    disableVga: vga === undefined ? null : vga === null ? (loaded === null || loaded === undefined ? null : true) : flag(vga),
    nointxmask: flag(attempt(() => fs.readText(params + 'nointxmask'))),
    x86,
    pageSize: x86 === true ? 4096 : fromPmd !== null && [4096, 16384, 65536].includes(fromPmd) ? fromPmd : null,
  }
}

const BDF = /^([0-9a-f]{4}):([0-9a-f]{2}):[0-9a-f]{2}\.[0-7]$/

/** Functions per bus ("0000:05") under one parent directory: listed once, however many devices it holds. */
export type BusCensus = Map<string, Map<string, number> | null>

export function readDeviceFacts(fs: FsReader, d: Device, census: BusCensus = new Map()): DeviceFacts {
  const base = `/sys/bus/pci/devices/${d.address}`
  const path = attempt(() => resolveLink(fs, base)) ?? null
  const irqText = attempt(() => fs.readText(base + '/irq'))
  const irq = irqText === undefined || irqText === null ? null : Number(irqText.trim())
  const phys = attempt(() => fs.readLink(base + '/physfn'))
  // Root read of `config` returns exactly cfg_size bytes; 64 means an unprivileged read.
  const head = d.sysfsConfig === null ? null : decodeConfig(d.sysfsConfig)
  // Only PCI Express and PCI-X mode 2 devices can have 4 KiB (pci_cfg_space_size()): read on only for them.
  const wide = head !== null && (head.pcie !== null || head.pcix?.mode2 === true)
  const full = !wide ? null : (attempt(() => fs.readBytes(base + '/config', 4096)) ?? null)
  const config = head
  let busSiblings: number | null = null
  let rootBus: boolean | null = null
  const m = BDF.exec(d.address)
  if (path !== null && m !== null) {
    const parent = posix.basename(posix.dirname(path))
    rootBus = !BDF.test(parent)
    const dir = posix.dirname(path)
    if (!census.has(dir)) {
      const entries = attempt(() => fs.list(dir))
      const buses = new Map<string, number>()
      for (const e of entries ?? []) if (BDF.test(e)) buses.set(e.slice(0, 7), (buses.get(e.slice(0, 7)) ?? 0) + 1)
      census.set(dir, entries === undefined || entries === null ? null : buses)
    }
    const buses = census.get(dir)
    if (buses !== undefined && buses !== null) busSiblings = (buses.get(`${m[1]}:${m[2]}`) ?? 1) - 1
  }
  return {
    config,
    // 256 bytes from a PCI Express device: no extended space, or a snapshot holding only the head: not told apart.
    configSize: head === null ? null : !wide ? 256 : full !== null && full.length === 4096 ? 4096 : null,
    irq: irq !== null && Number.isFinite(irq) ? irq : null,
    virtfn: phys === undefined ? null : phys !== null,
    busSiblings,
    rootBus,
  }
}
