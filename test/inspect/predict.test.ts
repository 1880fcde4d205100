// The sysfs prediction's rules, each against the kernel behaviour it encodes (vfio_pci_core.c, measured
// in the VM suite), and the comparison that confirms it with --open.
import { describe, expect, it } from 'vitest'
import { openingNotice } from '../../src/cli/notice.js'
import { confirm } from '../../src/inspect/predict/confirm.js'
import { resetAtOpen } from '../../src/inspect/predict/device.js'
import type { DeviceFacts, HostFacts } from '../../src/inspect/predict/facts.js'
import { errIrqRule, msixResizeRule } from '../../src/inspect/predict/kernel-rules.js'
import { decodeConfig } from '../../src/inspect/predict/pci-config.js'
import type { PredictedView, VfioDeviceView } from '../../src/model/types.js'

function config(caps: [number, number[]][], pin = 1): Uint8Array {
  const b = new Uint8Array(256)
  b[0x06] = 0x10
  b[0x3d] = pin
  let pos = 0x40
  b[0x34] = pos
  caps.forEach(([id, body], i) => {
    b[pos] = id
    b[pos + 1] = i === caps.length - 1 ? 0 : pos + 0x20
    body.forEach((x, j) => (b[pos + 2 + j] = x))
    pos += 0x20
  })
  return b
}

const host = (kernel: [number, number] | null, x86: boolean | null = true): HostFacts => ({ kernel, disableVga: false, nointxmask: false, x86, pageSize: 4096 })
const facts = (o: Partial<DeviceFacts>): DeviceFacts => ({ config: null, configSize: 256, irq: 11, virtfn: false, busSiblings: 0, rootBus: false, ...o })

describe('config space facts', () => {
  it('reads MSI Multiple Message Capable, the MSI-X table size and BIR, PCI Express', () => {
    // MSI flags 0x0086: MMC = 3 (8 vectors); MSI-X flags 0x0040 → 65 entries, table in BAR 2
    const c = decodeConfig(config([[0x05, [0x86, 0x00]], [0x11, [0x40, 0x00, 0x02, 0, 0, 0]], [0x10, []]]))
    expect(c).toMatchObject({ pin: 1, msi: { multipleMessageCapable: 3 }, msix: { tableSize: 65, tableBir: 2 }, pcie: { pos: 0x80 } })
  })
  it('a looped chain or a 64-byte (unprivileged) read settles nothing', () => {
    const b = config([[0x05, []]])
    b[0x41] = 0x40
    expect(decodeConfig(b)).toBeNull()
    expect(decodeConfig(new Uint8Array(64))).toBeNull()
  })
})

describe('kernel version rules', () => {
  it('ERR: PCI Express always; conventional PCI EINVAL up to 6.12, count 1 from 7.3, unknown between', () => {
    expect([errIrqRule(host([6, 1]), true), errIrqRule(host([6, 1]), false), errIrqRule(host([6, 12]), false), errIrqRule(host([7, 3]), false), errIrqRule(host([7, 0]), false)]).toEqual([true, false, false, true, null])
  })
  it('MSI-X NORESIZE: always before 6.5; dynamic on x86 after; unknown elsewhere', () => {
    expect([msixResizeRule(host([6, 1])), msixResizeRule(host([6, 12])), msixResizeRule(host([7, 3], null)), msixResizeRule(host(null))]).toEqual([false, true, null, null])
  })
})

describe('the reset at open', () => {
  it('takes the first method that works: a bus reset only for a device alone on a non-root bus', () => {
    const why: string[] = []
    expect(resetAtOpen(['flr', 'bus'], facts({}), why)).toBe('flr')
    expect(resetAtOpen(['bus'], facts({ busSiblings: 1 }), why)).toBeNull()
    expect(resetAtOpen(['bus'], facts({ rootBus: true }), why)).toBeNull()
    expect(resetAtOpen(['bus'], facts({}), why)).toBe('bus')
    expect(resetAtOpen(null, facts({}), why)).toBeNull()
    expect(why).toEqual([])
    expect(resetAtOpen(['cxl_bus'], facts({}), why)).toBeUndefined()
    expect(why).toEqual(['reset: method "cxl_bus" is not predicted'])
  })
})

describe('confirmation with --open', () => {
  const predicted: PredictedView = {
    flags: { pci: true, reset: true },
    numRegions: 9,
    numIrqs: 5,
    regions: [{ index: 0, name: 'BAR0', size: 0x4000n, offset: 0n, flagNames: ['read', 'write', 'mmap'] }],
    irqs: [{ index: 3, name: 'ERR', available: false }],
    unknown: [],
  }
  const kernel = (size: bigint, err: boolean): VfioDeviceView =>
    ({
      via: 'group',
      iommufd: null,
      flags: 3,
      flagNames: ['reset', 'pci'],
      numRegions: 9,
      numIrqs: 5,
      caps: [],
      regions: [{ index: 0, name: 'BAR0', info: { ok: true, value: { index: 0, flags: 7, flagNames: ['read', 'write', 'mmap'], size, offset: 0n, caps: [], absent: false } } }],
      irqs: [{ index: 3, name: 'ERR', info: err ? { ok: true, value: { index: 3, flags: 9, flagNames: ['eventfd', 'noresize'], count: 1 } } : { state: 'unavailable', reason: '', error: { op: 'x', errno: 22, code: 'EINVAL' } } }],
      hotReset: null,
      features: [],
      config: null,
    }) as VfioDeviceView
  it('agrees field by field, and names each field that does not', () => {
    expect(confirm(predicted, kernel(0x4000n, false)).every((a) => a.agree)).toBe(true)
    expect(confirm(predicted, kernel(0x4000n, false))).toHaveLength(8)
    expect(confirm(predicted, kernel(0x8000n, true)).filter((a) => !a.agree)).toEqual([
      { field: 'BAR0 size', predicted: '0x4000', kernel: '0x8000', agree: false },
      { field: 'ERR available', predicted: 'false', kernel: 'true', agree: false },
    ])
  })
})

describe('the --open notice', () => {
  it('names the devices that will be reset and how, before anything is opened', () => {
    expect(openingNotice([{ address: '0000:01:00.0', reset: 'flr' }, { address: '0000:00:03.0', reset: null }, { address: '0000:03:00.0', reset: undefined }])).toBe(
      '--open: opening up to 3 VFIO devices (a busy group is left alone); vfio-pci resets 0000:01:00.0 (flr) on open and again on close; maybe reset (sysfs cannot tell): 0000:03:00.0; 1 without a reset method is not reset',
    )
    expect(openingNotice([])).toBeNull()
  })
})
