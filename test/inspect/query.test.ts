import { describe, expect, it } from 'vitest'
import { InternalError } from '../../src/errors.js'
import { inspect } from '../../src/inspect/inspect.js'
import { NodeFs } from '../../src/inspect/node-fs.js'
import { ALL } from '../../src/inspect/selection.js'
import { ReadOnlySys } from '../../src/kernel/read-only.js'
import type { IommuGroup, Region } from '../../src/model/types.js'
import { FakeSys, REQ, le, u32at, type DeviceScript, type FakeKernel } from '../helpers/fake-sys.js'
import { makeTree, pciDevice } from '../helpers/fake-sysfs.js'

// An nvme-like PCIe device as the x86 test VM reports it: BAR0 with MSIX_MAPPABLE (two-pass argsz),
// ROM, CONFIG 4K, VGA EINVAL; INTx, MSI-X 65; FLR; one hot-reset dependent.
const nvme: DeviceScript = (req, arg) => {
  const argsz = u32at(arg, 0)
  if (req === REQ.DEVICE_INFO) return { bytes: le([0, 'u32', 24], [4, 'u32', 0x3], [8, 'u32', 9], [12, 'u32', 5], [16, 'u32', 0]) }
  if (req === REQ.REGION_INFO) {
    const i = u32at(arg, 8)
    const off = BigInt(i) << 40n
    if (i === 0) {
      if (argsz < 40) return { bytes: le([0, 'u32', 40], [4, 'u32', 0xf], [8, 'u32', 0], [12, 'u32', 0], [16, 'u64', 0x4000n], [24, 'u64', 0n]) }
      return { bytes: le([0, 'u32', 40], [4, 'u32', 0xf], [8, 'u32', 0], [12, 'u32', 32], [16, 'u64', 0x4000n], [24, 'u64', 0n], [32, 'u16', 3], [34, 'u16', 1], [36, 'u32', 0]) }
    }
    if (i === 6) return { bytes: le([0, 'u32', 32], [4, 'u32', 1], [8, 'u32', 6], [16, 'u64', 0x40000n], [24, 'u64', off]) }
    if (i === 7) return { bytes: le([0, 'u32', 32], [4, 'u32', 3], [8, 'u32', 7], [16, 'u64', 0x1000n], [24, 'u64', off]) }
    if (i === 8) return { ret: -22 }
    return { bytes: le([0, 'u32', 32], [4, 'u32', 0], [8, 'u32', i], [16, 'u64', 0n], [24, 'u64', off]) }
  }
  if (req === REQ.IRQ_INFO) {
    const i = u32at(arg, 8)
    const [flags, count] = [[7, 1], [9, 0], [1, 65], [9, 1], [9, 1]][i] ?? [0, 0]
    return { bytes: le([0, 'u32', 16], [4, 'u32', flags ?? 0], [8, 'u32', i], [12, 'u32', count ?? 0]) }
  }
  if (req === REQ.HOT_RESET_INFO) {
    if (argsz < 20) return { bytes: le([0, 'u32', 12], [4, 'u32', 0], [8, 'u32', 1]), ret: -28 }
    return { bytes: le([0, 'u32', 20], [4, 'u32', 0], [8, 'u32', 1], [12, 'u32', 12], [16, 'u16', 0], [18, 'u16', 0x0001]) }
  }
  if (req === REQ.FEATURE) return { ret: [3, 4, 5].includes(u32at(arg, 4) & 0xffff) ? 0 : -25 }
  return { ret: -25 }
}

// The first 0x50 bytes of a QEMU nvme's config as vfio-pci shows it: IDs, cap list at 0x40 (MSI-X → PM).
const nvmeConfig = new Uint8Array(4096)
nvmeConfig.set([0x36, 0x1b, 0x10, 0x00, 0x07, 0x05, 0x10, 0x00, 0x02, 0x02, 0x08, 0x01], 0)
nvmeConfig[0x34] = 0x40
nvmeConfig.set([0x11, 0x60, 0x40, 0x00], 0x40)
nvmeConfig.set([0x01, 0x00, 0x03, 0x00], 0x60)

// A conventional PCI device whose BAR0 carries a looped capability chain and whose ERR index is EINVAL.
const looped: DeviceScript = (req, arg) => {
  if (req === REQ.DEVICE_INFO) return { bytes: le([0, 'u32', 24], [4, 'u32', 0x2], [8, 'u32', 1], [12, 'u32', 4]) }
  if (req === REQ.REGION_INFO) {
    if (u32at(arg, 0) < 48) return { bytes: le([0, 'u32', 48], [4, 'u32', 0xb], [8, 'u32', 0], [16, 'u64', 0x1000n]) }
    return { bytes: le([0, 'u32', 48], [4, 'u32', 0xb], [8, 'u32', 0], [12, 'u32', 32], [16, 'u64', 0x1000n], [32, 'u16', 3], [34, 'u16', 1], [36, 'u32', 40], [40, 'u16', 3], [42, 'u16', 1], [44, 'u32', 32]) }
  }
  if (req === REQ.IRQ_INFO) {
    const i = u32at(arg, 8)
    return i === 3 ? { ret: -22 } : { bytes: le([0, 'u32', 16], [4, 'u32', 9], [8, 'u32', i], [12, 'u32', 1]) }
  }
  if (req === REQ.HOT_RESET_INFO) return { ret: -19 }
  return { ret: -25 }
}

// Type1 IOMMU info as QEMU's VT-d answers (the x86 test VM): page sizes 4K|2M|1G, then on the second
// call an IOVA_RANGE cap with two ranges and DMA_AVAIL.
const iommuInfo = (arg: Uint8Array) =>
  u32at(arg, 0) < 88
    ? { bytes: le([0, 'u32', 88], [4, 'u32', 3], [8, 'u64', 0x40201000n], [16, 'u32', 0]) }
    : {
        bytes: le(
          [0, 'u32', 88], [4, 'u32', 3], [8, 'u64', 0x40201000n], [16, 'u32', 24],
          [24, 'u16', 1], [26, 'u16', 1], [28, 'u32', 72], [32, 'u32', 2], [40, 'u64', 0n], [48, 'u64', 0xfedfffffn], [56, 'u64', 0xfef00000n], [64, 'u64', 0x7fffffffffn],
          [72, 'u16', 3], [74, 'u16', 1], [76, 'u32', 0], [80, 'u32', 65535], [84, 'u32', 0],
        ),
      }

function host(kernel: FakeKernel, extra: Parameters<typeof pciDevice>[0][] = []) {
  const t = makeTree({
    ...pciDevice({ bdf: '0000:01:00.0', vendor: 0x1b36, device: 0x10, cls: 0x010802, driver: 'vfio-pci', group: 12 }),
    ...Object.assign({}, ...extra.map(pciDevice)),
    '/dev/vfio/12': '',
    '/dev/vfio/13': '',
    '/dev/vfio/vfio': '',
  })
  const sys = new FakeSys(kernel)
  return { h: { fs: new NodeFs(t.root), sys, names: null }, sys, cleanup: t.cleanup }
}

const group = (inv: { groups: readonly IommuGroup[] }, id: number): IommuGroup | undefined => inv.groups.find((g) => g.id === id)

describe('inspect with a fake kernel', () => {
  it('gathers container, device, regions with caps, IRQs, hot reset and features; closes every fd', () => {
    const { h, sys, cleanup } = host({ extensions: { 1: 1, 3: 1, 9: 1 }, iommuInfo, devices: { '0000:01:00.0': nvme }, config: { '0000:01:00.0': nvmeConfig } })
    try {
      const inv = inspect(h, ALL, { open: true, via: 'auto' }).inventory
      expect(inv.failures).toBe(0)
      const g = group(inv, 12)
      expect(g?.status).toMatchObject({ ok: true, value: { flags: 1, viable: true, containerSet: false } })
      expect(g?.container?.ok && g.container.value.model).toBe('type1v2')
      const ii = g?.container?.ok ? g.container.value.iommuInfo : null
      expect(ii).toMatchObject({ ok: true, value: { pageSizes: 0x40201000n, iovaRanges: [{ start: 0n, end: 0xfedfffffn }, { start: 0xfef00000n, end: 0x7fffffffffn }], dmaAvail: 65535 } })
      const v = g?.devices[0]?.vfio
      if (!v?.ok) throw new Error('device not gathered')
      expect(v.value.flagNames).toEqual(['reset', 'pci'])
      const bar0 = v.value.regions[0]?.info as { ok: true; value: Region }
      expect(bar0.value).toMatchObject({ size: 0x4000n, flagNames: ['read', 'write', 'mmap', 'caps'], absent: false })
      expect(bar0.value.caps).toEqual([{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }])
      expect(v.value.regions[1]?.info).toMatchObject({ ok: true, value: { absent: true } })
      expect(v.value.regions.map((r) => r.name)).toEqual(['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA'])
      expect(v.value.regions[8]?.info).toMatchObject({ state: 'unavailable', error: { code: 'EINVAL' } })
      expect(v.value.irqs[2]?.info).toMatchObject({ ok: true, value: { count: 65, flagNames: ['eventfd'] } })
      expect(v.value.hotReset).toMatchObject({ ok: true, value: { devices: [{ groupOrDevid: 12, address: '0000:01:00.0' }] } })
      expect(v.value.features.filter((f) => f.supported).map((f) => f.id)).toEqual([3, 4, 5])
      const cfg = v.value.config
      if (!cfg?.ok) throw new Error('config not read')
      expect(cfg.value.bytes.length).toBe(256)
      expect(cfg.value.virtualized.map((r) => r.what)).toEqual([
        'command/status (emulated bits)', 'BARs (emulated)', 'expansion ROM BAR (emulated)', 'interrupt line/pin (emulated)',
        'MSI-X capability (emulated)', 'power management capability (emulated)',
      ])
      expect(bar0.value.raw?.fields.map((f) => f.label)).toEqual(['argsz', 'flags', 'index', 'cap_offset', 'size', 'offset', 'cap msix-mappable: id', 'version', 'next'])
      expect(sys.fds.size).toBe(0)
    } finally {
      cleanup()
    }
  })

  it('turns EBUSY on the group into data with a hint: a state, not a failure (exit 0)', () => {
    const { h, sys, cleanup } = host({ openErrors: { '/dev/vfio/12': -16 }, devices: {} })
    try {
      const inv = inspect(h, ALL, { open: true, via: 'auto' }).inventory
      const g = group(inv, 12)
      expect(g?.status).toMatchObject({ ok: false, error: { op: 'open', code: 'EBUSY', path: '/dev/vfio/12' } })
      expect(g?.status?.ok === false && g.status.error.hint).toMatch(/fuser -v \/dev\/vfio\/12/)
      expect(g?.devices[0]?.vfio).toMatchObject({ ok: false, error: { code: 'EBUSY' } })
      expect(inv.failures).toBe(0)
      expect(sys.fds.size).toBe(0)
    } finally {
      cleanup()
    }
  })

  it('reports a non-viable group without attaching a container', () => {
    const { h, sys, cleanup } = host({ groupFlags: 0, devices: { '0000:01:00.0': nvme } })
    try {
      const inv = inspect(h, ALL, { open: true, via: 'auto' }).inventory
      expect(group(inv, 12)?.devices[0]?.vfio).toMatchObject({ ok: false, error: { code: 'NOT_VIABLE' } })
      expect(sys.calls.some((c) => c.req === REQ.SET_CONTAINER)).toBe(false)
    } finally {
      cleanup()
    }
  })

  it('marks a looped capability chain (a failure: exit 2) and treats ERR EINVAL as a quirk', () => {
    const { h, cleanup } = host({ extensions: { 3: 1 }, iommuInfo, devices: { '0000:01:00.0': looped } })
    try {
      const inv = inspect(h, ALL, { open: true, via: 'auto' }).inventory
      const v = group(inv, 12)?.devices[0]?.vfio
      if (!v?.ok) throw new Error('device not gathered')
      const bar0 = v.value.regions[0]?.info as { ok: true; value: Region }
      expect(bar0.value.caps.map((c) => c.kind)).toEqual(['msix-mappable', 'msix-mappable', 'chain-error'])
      expect(v.value.irqs[3]?.info).toMatchObject({ state: 'unavailable' })
      expect(inv.failures).toBe(1)
    } finally {
      cleanup()
    }
  })

  it('opens nothing with --no-open', () => {
    const { h, sys, cleanup } = host({ devices: { '0000:01:00.0': nvme } })
    try {
      const inv = inspect(h, ALL, { open: false, via: 'auto' }).inventory
      expect(inv.opened).toBe(false)
      expect(group(inv, 12)?.devices[0]?.vfio).toBeNull()
      expect(sys.calls).toEqual([])
    } finally {
      cleanup()
    }
  })
})

describe('ReadOnlySys', () => {
  it('refuses a reset, SET_IRQS and a feature SET, and lets info queries through', () => {
    const fake = new FakeSys({ devices: { '0000:01:00.0': nvme } })
    const ro = new ReadOnlySys(fake)
    const g = ro.open('/dev/vfio/12', 'rw')
    const d = ro.ioctl(g, REQ.GET_DEVICE_FD, { kind: 'str', value: '0000:01:00.0' })
    expect(() => ro.ioctl(d, 0x3b6f /* VFIO_DEVICE_RESET */, { kind: 'none' })).toThrow(InternalError)
    expect(() => ro.ioctl(d, 0x3b6e /* SET_IRQS */, { kind: 'buf', buf: new Uint8Array(20) })).toThrow(InternalError)
    expect(() => ro.ioctl(d, 0x3b71 /* PCI_HOT_RESET */, { kind: 'buf', buf: new Uint8Array(12) })).toThrow(InternalError)
    const set = le([0, 'u32', 8], [4, 'u32', (1 << 17) | 3])
    expect(() => ro.ioctl(d, REQ.FEATURE, { kind: 'buf', buf: set })).toThrow(/read-only/)
    expect(ro.ioctl(d, REQ.FEATURE, { kind: 'buf', buf: le([0, 'u32', 8], [4, 'u32', (1 << 18) | 3]) })).toBe(0)
    expect(() => ro.ioctl(g, 0x3b69 + 9 /* MAP_DMA number on a group fd */, { kind: 'none' })).toThrow(InternalError)
  })
})
