import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { ALL, matches, parseGroup, parseId, parseSlot } from '../../src/inspect/selection.js'

const dev = (address: string, vendorId = 0x8086, deviceId = 0x10d3, classCode = 0x020000) => ({ address, pci: { vendorId, deviceId, classCode }, driver: 'vfio-pci' })

describe('parseSlot (lspci -s syntax)', () => {
  it.each([
    ['0000:01:00.0', { domain: 0, bus: 1, dev: 0, fn: 0 }],
    ['01:00.0', { domain: null, bus: 1, dev: 0, fn: 0 }],
    ['00.1', { domain: null, bus: null, dev: 0, fn: 1 }],
    ['1f', { domain: null, bus: null, dev: 0x1f, fn: null }],
    ['05:', { domain: null, bus: 5, dev: null, fn: null }],
    ['*:*.3', { domain: null, bus: null, dev: null, fn: 3 }],
    ['.2', { domain: null, bus: null, dev: null, fn: 2 }],
  ])('%s', (arg, slot) => {
    expect(parseSlot(arg)).toEqual({ slot, name: null })
  })
  it('treats platform names as names', () => {
    expect(parseSlot('a000000.virtio_mmio')).toEqual({ slot: null, name: 'a000000.virtio_mmio' })
  })
  it.each(['', '1:2:3:4', '00.0.1', 'zz:00.0', '100:00.0', '00:20.0', '00:00.8'])('rejects %j with one clear line', (arg) => {
    expect(() => parseSlot(arg)).toThrow(UsageError)
  })
})

describe('parseId (lspci -d syntax)', () => {
  it('parses vendor, device, class and prog-if', () => {
    expect(parseId('8086:')).toEqual({ vendor: 0x8086, device: null, cls: null, progIf: null })
    expect(parseId(':10d3')).toEqual({ vendor: null, device: 0x10d3, cls: null, progIf: null })
    expect(parseId('::0200')).toEqual({ vendor: null, device: null, cls: 0x200, progIf: null })
    expect(parseId('1b36:0010:0108:02')).toEqual({ vendor: 0x1b36, device: 0x10, cls: 0x108, progIf: 2 })
  })
  it.each(['8086', 'xyz:1', '10000:1', ':::::', '1:2:3:4:5'])('rejects %j', (arg) => {
    expect(() => parseId(arg)).toThrow(UsageError)
  })
})

describe('parseGroup', () => {
  it('accepts N and noiommu-N', () => {
    expect(parseGroup('12')).toBe(12)
    expect(parseGroup('noiommu-3')).toBe(3)
    expect(() => parseGroup('x')).toThrow(/IOMMU group number/)
  })
})

describe('matches', () => {
  it('filters by slot, id, group and driver together', () => {
    const sel = { ...ALL, ...parseSlot('01:00.0'), id: parseId('8086:') }
    expect(matches(sel, dev('0000:01:00.0'), 12)).toBe(true)
    expect(matches(sel, dev('0000:02:00.0'), 12)).toBe(false)
    expect(matches(sel, dev('0000:01:00.0', 0x1af4), 12)).toBe(false)
    expect(matches({ ...ALL, group: 13 }, dev('0000:01:00.0'), 12)).toBe(false)
    expect(matches({ ...ALL, driver: 'virtio-pci' }, dev('0000:01:00.0'), 12)).toBe(false)
    expect(matches({ ...ALL, id: parseId('::0200') }, dev('0000:01:00.0'), 12)).toBe(true)
  })
})
