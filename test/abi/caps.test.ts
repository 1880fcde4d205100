import { describe, expect, expectTypeOf, it } from 'vitest'
import { capHeaders, walkCaps, type CapNamespace, type DecodedCap } from '../../src/kernel/abi/caps.js'
import type { InfoCap } from '../../src/model/types.js'
import { Bytes, hex, prng } from '../helpers/abi-bytes.js'

// The reply of VFIO_IOMMU_GET_INFO on QEMU VT-d (the x86 test VM): caps at 24, 72, 104; argsz 120.
const TYPE1_REPLY = hex(`
  78 00 00 00  03 00 00 00  00 10 20 40 00 00 00 00  18 00 00 00  00 00 00 00   # argsz 120, PGSIZES|CAPS, cap_offset 24
  01 00 01 00  48 00 00 00  02 00 00 00  00 00 00 00                             # @24 IOVA_RANGE v1 next 72, nr_iovas 2
  00 00 00 00 00 00 00 00  ff ff df fe 00 00 00 00                               #   [0x0, 0xfedfffff]
  00 00 f0 fe 00 00 00 00  ff ff ff ff 7f 00 00 00                               #   [0xfef00000, 0x7fffffffff]
  02 00 01 00  68 00 00 00  00 00 00 00  00 00 00 00                             # @72 MIGRATION v1 next 104, flags 0, pad
  00 10 00 00 00 00 00 00  00 00 00 10 00 00 00 00                               #   pgsize_bitmap 0x1000, max_dirty 0x10000000
  03 00 01 00  00 00 00 00  ff ff 00 00  00 00 00 00                             # @104 DMA_AVAIL v1 next 0, avail 65535, pad`)

// GET_REGION_INFO(BAR0) of the nvme in the VM: MSIX_MAPPABLE at 32, argsz 40.
const NVME_BAR0 = hex(`
  28 00 00 00  0f 00 00 00  00 00 00 00  20 00 00 00
  00 40 00 00 00 00 00 00  00 00 00 00 00 00 00 00
  03 00 01 00  00 00 00 00`)

/** A region-info reply with the given chain appended after the 32-byte fixed part. */
function regionReply(build: (b: Bytes) => Bytes, argsz?: number): { buf: Uint8Array; argsz: number } {
  const buf = build(new Bytes().u32(0).u32(0xf).u32(9).u32(32).u64(0x2000n).u64(0x90000000000n)).bytes()
  const a = argsz ?? buf.length
  new DataView(buf.buffer).setUint32(0, a, true)
  return { buf, argsz: a }
}

describe('walkCaps on real-looking replies', () => {
  it('is the model InfoCap union, structurally', () => {
    expectTypeOf<DecodedCap>().toEqualTypeOf<InfoCap>()
  })

  it('nvme BAR0: MSIX_MAPPABLE', () => {
    expect(walkCaps(NVME_BAR0, 32, 40, 'region')).toEqual([{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }])
  })

  it('type1 iommu info: IOVA_RANGE, MIGRATION, DMA_AVAIL', () => {
    expect(walkCaps(TYPE1_REPLY, 24, 120, 'iommu')).toEqual([
      {
        kind: 'iova-range',
        id: 1,
        version: 1,
        offset: 24,
        ranges: [
          { start: 0n, end: 0xfedfffffn },
          { start: 0xfef00000n, end: 0x7fffffffffn },
        ],
      },
      { kind: 'migration', id: 2, version: 1, offset: 72, flags: 0, pgsizeBitmap: 0x1000n, maxDirtyBitmapSize: 0x10000000n },
      { kind: 'dma-avail', id: 3, version: 1, offset: 104, avail: 65535 },
    ])
  })

  it('capHeaders lists the same chain for a hexdump', () => {
    expect(capHeaders(TYPE1_REPLY, 24, 120)).toEqual([
      { offset: 24, id: 1, version: 1, next: 72 },
      { offset: 72, id: 2, version: 1, next: 104 },
      { offset: 104, id: 3, version: 1, next: 0 },
    ])
  })

  it('IGD OpRegion: CAP_TYPE with vendor type 0x80008086, then a sparse mmap', () => {
    const { buf, argsz } = regionReply((b) =>
      b
        .cap(2, 1, 48)
        .u32(0x80008086)
        .u32(1)
        .cap(1, 1, 0)
        .u32(2)
        .u32(0)
        .u64(0n)
        .u64(0x1000n)
        .u64(0x3000n)
        .u64(0x1000n),
    )
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'type', id: 2, version: 1, offset: 32, type: 0x80008086, subtype: 1, typeName: 'pci-vendor:8086', subtypeName: 'igd-opregion' },
      {
        kind: 'sparse-mmap',
        id: 1,
        version: 1,
        offset: 48,
        areas: [
          { offset: 0n, size: 0x1000n },
          { offset: 0x3000n, size: 0x1000n },
        ],
      },
    ])
  })

  it('deprecated NVLink2 caps still decode', () => {
    const { buf, argsz } = regionReply((b) => b.cap(4, 1, 48).u64(0x123456789abcdefn).cap(5, 1, 0).u32(9).u32(0))
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'nvlink2-ssatgt', id: 4, version: 1, offset: 32, tgt: 0x123456789abcdefn },
      { kind: 'nvlink2-lnkspd', id: 5, version: 1, offset: 48, linkSpeed: 9 },
    ])
  })

  it('device info: PCI_ATOMIC_COMP, zPCI kept raw, unknown id kept raw', () => {
    const buf = new Bytes()
      .u32(0)
      .u32(0x82)
      .u32(9)
      .u32(5)
      .u32(24)
      .u32(0)
      .cap(5, 1, 40)
      .u32(3)
      .u32(0)
      .cap(3, 1, 56)
      .u32(4)
      .u8(0xc1)
      .u8(0xc2)
      .u8(0xc3)
      .u8(0xc4)
      .cap(0x77, 2, 0)
      .u32(0xabcd)
      .bytes()
    new DataView(buf.buffer).setUint32(0, buf.length, true)
    expect(walkCaps(buf, 24, buf.length, 'device')).toEqual([
      { kind: 'pci-atomic-comp', id: 5, version: 1, offset: 24, flags: 3, flagNames: ['comp32', 'comp64'] },
      { kind: 'zpci', id: 3, version: 1, offset: 40, name: 'zpci-util', raw: hex('04 00 00 00 c1 c2 c3 c4') },
      { kind: 'unknown', id: 0x77, version: 2, offset: 56, raw: hex('cd ab 00 00') },
    ])
  })

  it('the same id means different things per namespace', () => {
    const iommu = walkCaps(TYPE1_REPLY, 104, 120, 'iommu')
    const region = walkCaps(TYPE1_REPLY, 104, 120, 'region')
    expect(iommu[0]?.kind).toBe('dma-avail')
    expect(region[0]?.kind).toBe('msix-mappable')
  })

  it('no chain: capOffset 0', () => {
    expect(walkCaps(TYPE1_REPLY, 0, 120, 'iommu')).toEqual([])
    expect(capHeaders(TYPE1_REPLY, 0, 120)).toEqual([])
  })
})

describe('walkCaps on malformed chains', () => {
  it('self-loop', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 32))
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'msix-mappable', id: 3, version: 1, offset: 32 },
      { kind: 'chain-error', reason: 'looped', offset: 32 },
    ])
    expect(capHeaders(buf, 32, argsz).at(-1)).toEqual({ kind: 'chain-error', reason: 'looped', offset: 32 })
  })

  it('two-cap cycle', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 40).cap(0x99, 1, 32))
    const caps = walkCaps(buf, 32, argsz, 'region')
    expect(caps.map((c) => c.kind)).toEqual(['msix-mappable', 'unknown', 'chain-error'])
    expect(caps.at(-1)).toEqual({ kind: 'chain-error', reason: 'looped', offset: 32 })
  })

  it('next pointing into the middle of a visited header', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 40).cap(3, 1, 36).at(48))
    expect(walkCaps(buf, 32, argsz, 'region').at(-1)).toEqual({ kind: 'chain-error', reason: 'looped', offset: 36 })
  })

  it('next pointing past argsz', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 64).at(80), 48)
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'msix-mappable', id: 3, version: 1, offset: 32 },
      { kind: 'chain-error', reason: 'out-of-bounds', offset: 64 },
    ])
  })

  it('header straddling the end', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 40).u32(0x00010003))
    expect(argsz).toBe(44)
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'msix-mappable', id: 3, version: 1, offset: 32 },
      { kind: 'chain-error', reason: 'out-of-bounds', offset: 40 },
    ])
  })

  it('nr_areas = 0xffffffff is clamped to what fits and flagged', () => {
    const { buf, argsz } = regionReply((b) => b.cap(1, 1, 0).u32(0xffffffff).u32(0).u64(0n).u64(0x1000n).u32(7))
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'sparse-mmap', id: 1, version: 1, offset: 32, areas: [{ offset: 0n, size: 0x1000n }] },
      { kind: 'chain-error', reason: 'out-of-bounds', offset: 64 },
    ])
  })

  it('nr_iovas running into the next cap is clamped too, and the walk goes on', () => {
    const buf = new Bytes().u32(0).u32(3).u64(0x1000n).u32(24).u32(0).cap(1, 1, 56).u32(5).u32(0).u64(1n).u64(2n).cap(3, 1, 0).u32(10).bytes()
    new DataView(buf.buffer).setUint32(0, buf.length, true)
    expect(walkCaps(buf, 24, buf.length, 'iommu')).toEqual([
      { kind: 'iova-range', id: 1, version: 1, offset: 24, ranges: [{ start: 1n, end: 2n }] },
      { kind: 'chain-error', reason: 'out-of-bounds', offset: 56 },
      { kind: 'dma-avail', id: 3, version: 1, offset: 56, avail: 10 },
    ])
  })

  it('capOffset inside the fixed struct', () => {
    expect(walkCaps(NVME_BAR0, 16, 40, 'region')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 16 }])
    expect(walkCaps(TYPE1_REPLY, 8, 120, 'iommu')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 8 }])
    expect(walkCaps(TYPE1_REPLY, 4, 120, 'device')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 4 }])
    expect(capHeaders(NVME_BAR0, 16, 40, 'region')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 16 }])
  })

  it('next pointing back into the fixed struct', () => {
    const { buf, argsz } = regionReply((b) => b.cap(3, 1, 8))
    expect(walkCaps(buf, 32, argsz, 'region').at(-1)).toEqual({ kind: 'chain-error', reason: 'out-of-bounds', offset: 8 })
  })

  it('argsz larger than the buffer: bounded by the buffer', () => {
    expect(walkCaps(NVME_BAR0, 32, 4096, 'region')).toEqual([{ kind: 'msix-mappable', id: 3, version: 1, offset: 32 }])
    expect(walkCaps(NVME_BAR0.subarray(0, 36), 32, 40, 'region')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 32 }])
  })

  it('argsz smaller than the chain: bounded by argsz', () => {
    expect(walkCaps(TYPE1_REPLY, 24, 72, 'iommu').map((c) => c.kind)).toEqual(['iova-range', 'chain-error'])
  })

  it('empty buffer', () => {
    expect(walkCaps(new Uint8Array(0), 32, 0, 'region')).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 32 }])
    expect(walkCaps(new Uint8Array(0), 0, 0, 'iommu')).toEqual([])
    expect(capHeaders(new Uint8Array(0), 24, 100)).toEqual([{ kind: 'chain-error', reason: 'out-of-bounds', offset: 24 }])
  })

  it('a cap cut by the end of the buffer is truncated', () => {
    // MIGRATION needs 32 bytes from 72; its next (104) is past the 96-byte buffer as well.
    expect(walkCaps(TYPE1_REPLY.subarray(0, 96), 72, 120, 'iommu')).toEqual([
      { kind: 'chain-error', reason: 'truncated', offset: 72 },
      { kind: 'chain-error', reason: 'out-of-bounds', offset: 104 },
    ])
    expect(walkCaps(TYPE1_REPLY, 104, 114, 'iommu')).toEqual([{ kind: 'chain-error', reason: 'truncated', offset: 104 }])
  })

  it('a cap whose next header starts inside its struct is truncated, and the walk goes on', () => {
    const { buf, argsz } = regionReply((b) => b.cap(2, 1, 40).cap(3, 1, 0))
    expect(walkCaps(buf, 32, argsz, 'region')).toEqual([
      { kind: 'chain-error', reason: 'truncated', offset: 32 },
      { kind: 'msix-mappable', id: 3, version: 1, offset: 40 },
    ])
  })

  it('nonsense numbers for capOffset and argsz', () => {
    for (const off of [-1, Number.NaN, 0xffffffff, 2 ** 40, 1.5]) {
      expect(walkCaps(TYPE1_REPLY, off, 120, 'iommu').at(-1)?.kind).toBe('chain-error')
    }
    for (const a of [-5, Number.NaN, Infinity]) expect(() => walkCaps(TYPE1_REPLY, 24, a, 'iommu')).not.toThrow()
  })

  it('a 64 KiB chain of 8-byte headers walks once through, linearly', () => {
    const b = new Bytes().u32(0x10000).u32(3).u64(0n).u32(24).u32(0)
    for (let off = 24; off < 0x10000; off += 8) b.cap(0x55, 1, off + 8 < 0x10000 ? off + 8 : 0)
    const caps = walkCaps(b.bytes(), 24, 0x10000, 'iommu')
    expect(caps).toHaveLength((0x10000 - 24) / 8)
    expect(caps.every((c) => c.kind === 'unknown')).toBe(true)
  })
})

describe('walkCaps property: random bytes never throw and always terminate', () => {
  const NAMESPACES: CapNamespace[] = ['device', 'region', 'iommu']
  const RUNS = 20_000

  it.each(NAMESPACES)('%s namespace, 20,000 seeded buffers', (ns) => {
    const rand = prng(0x5eed + ns.length)
    const int = (n: number): number => Math.floor(rand() * n)
    let caps = 0
    let faults = 0
    const problems: string[] = []
    for (let run = 0; run < RUNS; run++) {
      const len = int(256)
      const buf = new Uint8Array(len)
      for (let i = 0; i < len; i++) buf[i] = int(256)
      const dv = new DataView(buf.buffer)
      // Plant plausible headers so chains get long, loop and overlap, not just fail at the first hop.
      for (let k = int(6); k > 0 && len >= 8; k--) {
        const at = rand() < 0.7 ? 8 * int(len / 8) : int(len)
        if (at + 8 > len) continue
        dv.setUint16(at, int(7), true)
        dv.setUint16(at + 2, int(3), true)
        const r = rand()
        dv.setUint32(at + 4, r < 0.25 ? 0 : r < 0.8 ? 8 * int(len / 8 + 1) : int(0x1_0000_0000), true)
        if (at + 12 <= len && rand() < 0.5) dv.setUint32(at + 8, rand() < 0.5 ? int(4) : 0xffffffff, true)
      }
      const capOffset = rand() < 0.05 ? 0 : rand() < 0.8 ? 8 * int(len / 8 + 1) : int(0x1_0000_0000)
      const argsz = rand() < 0.2 ? 0xffffffff : int(len + 64)
      const bound = Math.min(argsz, len)
      let out: DecodedCap[] = []
      try {
        out = walkCaps(buf, capOffset, argsz, ns)
        capHeaders(buf, capOffset, argsz, ns)
      } catch (e) {
        problems.push(`run ${run}: threw ${String(e)}`)
      }
      // Every hop claims a fresh header byte and adds at most two entries.
      if (out.length > 2 * bound + 1) problems.push(`run ${run}: ${out.length} entries for bound ${bound}`)
      for (const c of out) {
        if (c.kind === 'chain-error') faults++
        else if (c.offset + 8 > bound) problems.push(`run ${run}: cap at ${c.offset} past bound ${bound}`)
        else caps++
      }
    }
    expect(problems.slice(0, 5)).toEqual([])
    // The generator must exercise the walker, not just its first check.
    expect(caps).toBeGreaterThan(RUNS / 4)
    expect(faults).toBeGreaterThan(RUNS / 4)
  })
})
