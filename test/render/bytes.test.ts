import { describe, expect, it } from 'vitest'
import { parseRegionSpec } from '../../src/cli/program.js'
import { UsageError } from '../../src/errors.js'
import type { ConfigSpace, Region } from '../../src/model/types.js'
import { configDumpLines, rawReplyLines, regionDumpLines } from '../../src/render/bytes.js'
import { layoutLines, msixSpans } from '../../src/render/layout.js'
import { plainStyle } from '../../src/render/style.js'
import { device, group, inventory, ok, pciView, region } from '../helpers/builders.js'

// Config header of a device with an MSI-X capability at 0x40: table in BAR3 at 0x0 (5 entries), PBA BAR3 0x2000.
function msixConfig(): ConfigSpace {
  const b = new Uint8Array(256)
  b.set([0x86, 0x80, 0xd3, 0x10, 0x07, 0x05, 0x10, 0x00], 0)
  b[0x34] = 0x40
  b.set([0x11, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x20, 0x00, 0x00], 0x40)
  return { bytes: b, virtualized: [] }
}

const view = { verbose: 0 as const, numeric: 0 as const }

describe('layout pictures', () => {
  it('finds the MSI-X table and PBA in the BAR that holds them', () => {
    expect(msixSpans(msixConfig(), 3).map((s) => [s.start, s.end, s.what])).toEqual([
      [0n, 80n, 'MSI-X table (5 entries)'],
      [0x2000n, 0x2008n, 'MSI-X PBA'],
    ])
    expect(msixSpans(msixConfig(), 0)).toEqual([])
  })

  it('draws sparse mmap areas and the trapped rest, 80 columns at most', () => {
    const r: Region = {
      ...region({ index: 2, size: 0x100000n }),
      caps: [{ kind: 'sparse-mmap', id: 1, version: 1, offset: 32, areas: [{ offset: 0x40000n, size: 0x40000n }] }],
    }
    const lines = layoutLines('BAR2', r, null, plainStyle, '')
    expect(lines[1]).toBe(`  [${'#'.repeat(16)}${'='.repeat(16)}${'#'.repeat(32)}]`)
    expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([
      ['0x0-0x3ffff', '256K'],
      ['0x40000-0x7ffff', '256K'],
      ['0x80000-0xfffff', '512K'],
    ])
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80)
  })

  it('draws nothing for a plain BAR', () => {
    expect(layoutLines('BAR0', region({ index: 0, size: 0x1000n }), null, plainStyle, '')).toEqual([])
  })
})

describe('byte views', () => {
  const cfg = msixConfig()
  const d = device({ address: '0000:02:00.0', vfio: ok({ ...pciView(), config: ok(cfg) }) })
  const inv = inventory({ groups: [group({ id: 15, devices: [d] })] })

  it('prints config in lspci -x layout: unindented device line, %02x: rows, blank line', () => {
    const lines = configDumpLines(inv, 1, view, plainStyle)
    expect(lines[0]).toMatch(/^# Config space through VFIO/)
    expect(lines[1]).toMatch(/^0000:02:00\.0 /)
    expect(lines.slice(2)).toEqual([
      '00: 86 80 d3 10 07 05 10 00 00 00 00 00 00 00 00 00',
      '10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00',
      '',
    ])
    expect(configDumpLines(inv, 3, view, plainStyle).filter((l) => /^[0-9a-f]{2}:/.test(l))).toHaveLength(16)
    expect(configDumpLines(inv, 0, view, plainStyle)).toEqual([])
  })

  it('labels raw replies and marks a fault, still showing the bytes', () => {
    const raw = { op: 'VFIO_DEVICE_GET_INFO', bytes: new Uint8Array([24, 0, 0, 0, 0x83, 0, 0, 0]), fields: [{ offset: 0, size: 4, label: 'argsz' }, { offset: 4, size: 4, label: 'flags' }], fault: 'capability chain looped at offset 24' }
    const dv = device({ address: '0000:02:00.0', vfio: ok({ ...pciView(), raw }) })
    const lines = rawReplyLines(inventory({ groups: [group({ id: 15, devices: [dv] })] }), plainStyle)
    expect(lines.slice(0, 4)).toEqual(['VFIO_DEVICE_GET_INFO (8 bytes) 0000:02:00.0', '  00: 18 00 00 00                                      argsz', '  04: 83 00 00 00                                      flags', '  <capability chain looped at offset 24>'])
  })

  it('prints a region dump with offsets inside the region', () => {
    const dv = device({ address: '0000:02:00.0', vfio: ok({ ...pciView(), regionDump: ok({ index: 6, offset: 0x10n, bytes: new Uint8Array([0x55, 0xaa]) }) }) })
    expect(regionDumpLines(inventory({ groups: [group({ id: 15, devices: [dv] })] }), plainStyle)).toEqual(['0000:02:00.0 ROM at offset 0x10, 2 bytes:', '  10: 55 aa', ''])
  })
})

describe('--read-region spec', () => {
  it('parses names, numbers and hex', () => {
    expect(parseRegionSpec('CONFIG')).toEqual({ index: 7, offset: 0n, length: 256 })
    expect(parseRegionSpec('rom:0x10:64')).toEqual({ index: 6, offset: 16n, length: 64 })
    expect(parseRegionSpec('2:4096:0x20')).toEqual({ index: 2, offset: 4096n, length: 32 })
  })
  it.each(['', 'BAR9x', '0:zz', '0:0:0', '0:0:70000', '1:2:3:4'])('rejects %j with a usage error', (s) => {
    expect(() => parseRegionSpec(s)).toThrow(UsageError)
  })
})
