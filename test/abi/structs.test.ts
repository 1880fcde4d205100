import { describe, expect, it } from 'vitest'
import {
  decodeBindIommufd,
  decodeHwInfo,
  decodeHwInfoVtd,
  decodeIommuIovaRanges,
  decodeIommuOption,
  encodeBindIommufd,
  encodeHwInfo,
  encodeIommuOption,
} from '../../src/kernel/abi/structs-iommufd.js'
import {
  LAYOUTS,
  decodeDeviceInfo,
  decodeFeatureMigState,
  decodeFeatureMigration,
  decodeGroupStatus,
  decodeHotResetInfo,
  decodeIommuType1Info,
  decodeIrqInfo,
  decodeRegionInfo,
  encodeDeviceInfo,
  encodeFeature,
  encodeGroupStatus,
  encodeHotResetInfo,
  encodeInt32,
  encodeIommuType1Info,
  encodeIrqInfo,
  encodeRegionInfo,
  pciAddress,
} from '../../src/kernel/abi/structs.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'
import { Bytes, hex } from '../helpers/abi-bytes.js'

describe('encoders write argsz and the input fields, little-endian', () => {
  it('group status', () => {
    expect(encodeGroupStatus()).toEqual(hex('08 00 00 00  00 00 00 00'))
  })
  it('device info: 24 by default, any argsz on request', () => {
    expect(encodeDeviceInfo()).toEqual(hex('18 00 00 00' + ' 00'.repeat(20)))
    expect(encodeDeviceInfo(120).length).toBe(120)
    expect(encodeDeviceInfo(16)).toEqual(hex('10 00 00 00' + ' 00'.repeat(12)))
  })
  it('region info carries the index at 8', () => {
    expect(encodeRegionInfo(7)).toEqual(hex('20 00 00 00  00 00 00 00  07 00 00 00' + ' 00'.repeat(20)))
    const big = encodeRegionInfo(9, 40)
    expect(big.length).toBe(40)
    expect(big.subarray(0, 12)).toEqual(hex('28 00 00 00  00 00 00 00  09 00 00 00'))
  })
  it('irq info, iommu info, hot reset info', () => {
    expect(encodeIrqInfo(2)).toEqual(hex('10 00 00 00  00 00 00 00  02 00 00 00  00 00 00 00'))
    expect(encodeIommuType1Info()).toEqual(hex('18 00 00 00' + ' 00'.repeat(20)))
    expect(encodeHotResetInfo()).toEqual(hex('0c 00 00 00  00 00 00 00  00 00 00 00'))
    expect(encodeHotResetInfo(28).length).toBe(28)
  })
  it('feature: PROBE|GET|MIGRATION with an 8-byte payload', () => {
    const b = encodeFeature(U.VFIO_DEVICE_FEATURE_PROBE | U.VFIO_DEVICE_FEATURE_GET | U.VFIO_DEVICE_FEATURE_MIGRATION, 8)
    expect(b).toEqual(hex('10 00 00 00  01 00 05 00  00 00 00 00 00 00 00 00'))
    expect(encodeFeature(U.VFIO_DEVICE_FEATURE_PROBE | 11)).toEqual(hex('08 00 00 00  0b 00 04 00'))
  })
  it('int32 for SET_CONTAINER, including negatives', () => {
    expect(encodeInt32(5)).toEqual(hex('05 00 00 00'))
    expect(encodeInt32(-1)).toEqual(hex('ff ff ff ff'))
  })
  it('rejects an argsz that is a caller bug', () => {
    expect(() => encodeDeviceInfo(-1)).toThrow(RangeError)
    expect(() => encodeDeviceInfo(1.5)).toThrow(RangeError)
    expect(() => encodeDeviceInfo(1 << 30)).toThrow(RangeError)
  })
})

describe('decoders on hand-written replies', () => {
  it('group status: viable, container set', () => {
    expect(decodeGroupStatus(hex('08 00 00 00  03 00 00 00'))).toEqual({ argsz: 8, flags: 3, truncated: false })
  })

  it('device info as a 6.1 kernel fills it (argsz 20: PCI|RESET, 9 regions, 5 irqs)', () => {
    const b = hex('14 00 00 00  03 00 00 00  09 00 00 00  05 00 00 00  00 00 00 00  00 00 00 00')
    expect(decodeDeviceInfo(b)).toEqual({ argsz: 20, flags: 3, numRegions: 9, numIrqs: 5, capOffset: 0, truncated: false })
  })

  it('region info: nvme BAR0 16K RW,MMAP,CAPS at offset 0, cap at 32, argsz 40', () => {
    const b = hex(`
      28 00 00 00  0f 00 00 00  00 00 00 00  20 00 00 00   # argsz flags index cap_offset
      00 40 00 00 00 00 00 00  00 00 00 00 00 00 00 00     # size 0x4000, offset 0
      03 00 01 00  00 00 00 00                             # MSIX_MAPPABLE v1, next 0`)
    expect(decodeRegionInfo(b)).toEqual({ argsz: 40, flags: 0xf, index: 0, capOffset: 32, size: 0x4000n, offset: 0n, truncated: false })
  })

  it('region info: CONFIG at 7 << 40 with u64 values beyond 2^53', () => {
    const b = hex(`
      20 00 00 00  03 00 00 00  07 00 00 00  00 00 00 00
      00 10 00 00 00 00 00 00  00 00 00 00 00 07 00 00`)
    const d = decodeRegionInfo(b)
    expect(d.offset).toBe(0x70000000000n)
    expect(d.size).toBe(4096n)
    const huge = hex('20 00 00 00  00 00 00 00  02 00 00 00  00 00 00 00' + ' ff'.repeat(8) + ' 00'.repeat(8))
    expect(decodeRegionInfo(huge).size).toBe(0xffffffffffffffffn)
  })

  it('irq info: MSI-X with dynamic allocation (EVENTFD only), 65 vectors', () => {
    expect(decodeIrqInfo(hex('10 00 00 00  01 00 00 00  02 00 00 00  41 00 00 00'))).toEqual({
      argsz: 16,
      flags: 1,
      index: 2,
      count: 65,
      truncated: false,
    })
  })

  it('type1 iommu info: PGSIZES|CAPS, 4K|2M|1G, caps at 24, argsz 120', () => {
    const b = hex('78 00 00 00  03 00 00 00  00 10 20 40 00 00 00 00  18 00 00 00  00 00 00 00')
    expect(decodeIommuType1Info(b)).toEqual({ argsz: 120, flags: 3, iovaPgsizes: 0x40201000n, capOffset: 24, truncated: false })
  })

  it('hot reset info: group path, two functions', () => {
    const b = hex(`
      1c 00 00 00  00 00 00 00  02 00 00 00     # argsz 28, flags 0, count 2
      0f 00 00 00  00 00 05 08                  # group 15, 0000:05:01.0
      0f 00 00 00  00 00 05 10                  # group 15, 0000:05:02.0`)
    const d = decodeHotResetInfo(b)
    expect(d).toEqual({
      argsz: 28,
      flags: 0,
      count: 2,
      devices: [
        { groupOrDevid: 15, segment: 0, bus: 5, devfn: 0x08 },
        { groupOrDevid: 15, segment: 0, bus: 5, devfn: 0x10 },
      ],
      truncated: false,
    })
    expect(d.devices.map((e) => pciAddress(e.segment, e.bus, e.devfn))).toEqual(['0000:05:01.0', '0000:05:02.0'])
  })

  it('hot reset info after ENOSPC: header says 3, no entry fits', () => {
    const d = decodeHotResetInfo(hex('0c 00 00 00  00 00 00 00  03 00 00 00'))
    expect(d.count).toBe(3)
    expect(d.devices).toEqual([])
    expect(d.truncated).toBe(false)
  })

  it('hot reset info, cdev path: DEV_ID flag, NOT_OWNED devid reads back as 0xffffffff', () => {
    const d = decodeHotResetInfo(hex('14 00 00 00  01 00 00 00  01 00 00 00  ff ff ff ff  01 00 3a 07'))
    expect(d.devices[0]).toEqual({ groupOrDevid: U.VFIO_PCI_DEVID_NOT_OWNED, segment: 1, bus: 0x3a, devfn: 7 })
    expect(pciAddress(1, 0x3a, 7)).toBe('0001:3a:00.7')
  })

  it('hot reset info with a lying count only returns what fits', () => {
    const d = decodeHotResetInfo(hex('14 00 00 00  00 00 00 00  ff ff ff ff  01 00 00 00  00 00 01 00  aa bb'))
    expect(d.count).toBe(0xffffffff)
    expect(d.devices).toHaveLength(1)
  })

  it('feature migration payload: STOP_COPY|P2P|PRE_COPY as a u64', () => {
    const b = hex('10 00 00 00  01 00 01 00  07 00 00 00 00 00 00 00')
    expect(decodeFeatureMigration(b)).toEqual({ flags: 7n, truncated: false })
    expect(decodeFeatureMigState(hex('10 00 00 00  02 00 01 00  02 00 00 00  ff ff ff ff'))).toEqual({
      deviceState: 2,
      dataFd: -1,
      truncated: false,
    })
  })
})

describe('decoders never throw on short buffers', () => {
  const decoders = [decodeGroupStatus, decodeDeviceInfo, decodeRegionInfo, decodeIrqInfo, decodeIommuType1Info, decodeHotResetInfo, decodeFeatureMigration]
  it.each(decoders.map((d) => [d.name, d] as const))('%s', (_name, decode) => {
    expect(decode(new Uint8Array(0)).truncated).toBe(true)
    for (let n = 0; n < 40; n++) expect(() => decode(new Uint8Array(n))).not.toThrow()
  })

  it('fields that do not fit read as zero and the reply is flagged', () => {
    expect(decodeRegionInfo(hex('28 00 00 00  0f 00 00 00  00 00 00 00  20 00 00 00  00 40'))).toEqual({
      argsz: 40,
      flags: 0xf,
      index: 0,
      capOffset: 32,
      size: 0n,
      offset: 0n,
      truncated: true,
    })
  })

  it('a subarray view is decoded from its own start', () => {
    const whole = new Bytes().u32(0xdeadbeef).u32(8).u32(2).bytes()
    expect(decodeGroupStatus(whole.subarray(4))).toEqual({ argsz: 8, flags: 2, truncated: false })
  })
})

describe('iommufd and cdev structs', () => {
  it('bind: flags 0 without a token, TOKEN and argsz 24 with one', () => {
    expect(encodeBindIommufd(3)).toEqual(hex('10 00 00 00  00 00 00 00  03 00 00 00  00 00 00 00'))
    const t = encodeBindIommufd(3, { tokenUuidPtr: 0x7fff0000n })
    expect(t).toEqual(hex('18 00 00 00  01 00 00 00  03 00 00 00  00 00 00 00  00 00 ff 7f 00 00 00 00'))
    expect(decodeBindIommufd(hex('10 00 00 00  00 00 00 00  03 00 00 00  01 00 00 00')).outDevid).toBe(1)
  })

  it('hw info: 6.6-sized reply has no capabilities; 40-byte one does', () => {
    expect(encodeHwInfo(1, 24, 0x1000n)).toEqual(hex('28 00 00 00  00 00 00 00  01 00 00 00  18 00 00 00  00 10 00 00 00 00 00 00' + ' 00'.repeat(16)))
    const old = decodeHwInfo(hex('20 00 00 00  00 00 00 00  01 00 00 00  18 00 00 00  00 10 00 00 00 00 00 00  01 00 00 00  00 00 00 00'))
    expect(old).toMatchObject({ dataLen: 24, outDataType: U.IOMMU_HW_INFO_TYPE_INTEL_VTD, outCapabilities: 0n, truncated: false })
    const now = decodeHwInfo(hex('28 00 00 00  00 00 00 00  01 00 00 00  18 00 00 00' + ' 00'.repeat(8) + ' 02 00 00 00  14 00 00 00  05 00 00 00 00 00 00 00'))
    expect(now).toMatchObject({ outDataType: 2, outMaxPasidLog2: 20, outCapabilities: 5n })
  })

  it('vt-d payload and iova ranges', () => {
    const vtd = decodeHwInfoVtd(new Bytes().u32(1).u32(0).u64(0xd2008c40660462n).u64(0xf050daen).bytes())
    expect(vtd).toEqual({ flags: 1, capReg: 0xd2008c40660462n, ecapReg: 0xf050daen, truncated: false })
    const ranges = new Bytes().u64(0n).u64(0xfedfffffn).u64(0xfef00000n).u64(0x7fffffffffn).bytes()
    expect(decodeIommuIovaRanges(ranges, 5)).toEqual([
      { start: 0n, last: 0xfedfffffn },
      { start: 0xfef00000n, last: 0x7fffffffffn },
    ])
  })

  it('option GET of RLIMIT_MODE', () => {
    const b = encodeIommuOption(U.IOMMU_OPTION_RLIMIT_MODE, U.IOMMU_OPTION_OP_GET)
    expect(b).toEqual(hex('18 00 00 00  00 00 00 00  01 00 00 00  00 00 00 00' + ' 00'.repeat(8)))
    b[16] = 1
    expect(decodeIommuOption(b)).toEqual({ optionId: 0, op: 1, objectId: 0, val64: 1n, truncated: false })
  })
})

describe('LAYOUTS', () => {
  const UNIONS = new Set(['vfio_pci_dependent_device', 'vfio_device_gfx_plane_info', 'iommu_hw_info'])

  it('every field lies inside its struct and only union members overlap', () => {
    const problems: string[] = []
    for (const [name, s] of Object.entries(LAYOUTS)) {
      const fields = Object.entries(s.fields).sort((a, b) => a[1].offset - b[1].offset)
      for (const [f, l] of fields) if (l.offset + l.size > s.size) problems.push(`${name}.${f} ends past sizeof`)
      for (let i = 1; i < fields.length; i++) {
        const [pf, p] = fields[i - 1] ?? ['', { offset: 0, size: 0 }]
        const [cf, c] = fields[i] ?? ['', { offset: 0, size: 0 }]
        const overlap = c.offset < p.offset + p.size
        const sameSlot = c.offset === p.offset && c.size === p.size
        if (overlap && !(UNIONS.has(name) && sameSlot)) problems.push(`${name}: ${pf} and ${cf} overlap`)
      }
    }
    expect(problems).toEqual([])
  })

  it('the decoders read the offsets LAYOUTS gives', () => {
    // Fill each field with a distinct value at the offset LAYOUTS states, then decode.
    const fill = (name: string, values: Record<string, number | bigint>, total: number): Uint8Array => {
      const s = LAYOUTS[name]
      if (!s) throw new Error(name)
      const b = new Uint8Array(total)
      const dv = new DataView(b.buffer)
      for (const [f, v] of Object.entries(values)) {
        const l = s.fields[f]
        if (!l) throw new Error(`${name}.${f}`)
        if (l.size === 8) dv.setBigUint64(l.offset, BigInt(v), true)
        else if (l.size === 4) dv.setUint32(l.offset, Number(v), true)
        else if (l.size === 2) dv.setUint16(l.offset, Number(v), true)
        else dv.setUint8(l.offset, Number(v))
      }
      return b
    }
    expect(decodeDeviceInfo(fill('vfio_device_info', { argsz: 1, flags: 2, num_regions: 3, num_irqs: 4, cap_offset: 5 }, 24))).toMatchObject({
      argsz: 1,
      flags: 2,
      numRegions: 3,
      numIrqs: 4,
      capOffset: 5,
    })
    expect(
      decodeRegionInfo(fill('vfio_region_info', { argsz: 1, flags: 2, index: 3, cap_offset: 4, size: 5n, offset: 6n }, 32)),
    ).toMatchObject({ argsz: 1, flags: 2, index: 3, capOffset: 4, size: 5n, offset: 6n })
    expect(decodeIrqInfo(fill('vfio_irq_info', { argsz: 1, flags: 2, index: 3, count: 4 }, 16))).toMatchObject({ flags: 2, index: 3, count: 4 })
    expect(
      decodeIommuType1Info(fill('vfio_iommu_type1_info', { argsz: 1, flags: 2, iova_pgsizes: 3n, cap_offset: 4 }, 24)),
    ).toMatchObject({ flags: 2, iovaPgsizes: 3n, capOffset: 4 })
    const dep = fill('vfio_pci_dependent_device', { group_id: 9, segment: 1, bus: 2, devfn: 3 }, 8)
    const hr = new Uint8Array(20)
    hr.set(fill('vfio_pci_hot_reset_info', { argsz: 20, count: 1 }, 12))
    hr.set(dep, LAYOUTS.vfio_pci_hot_reset_info?.fields.devices?.offset ?? -1)
    expect(decodeHotResetInfo(hr).devices).toEqual([{ groupOrDevid: 9, segment: 1, bus: 2, devfn: 3 }])
  })

  it('holds the LP64 sizes of the kernel headers for the structs lsvfio exchanges', () => {
    const sizes = Object.fromEntries(Object.entries(LAYOUTS).map(([k, v]) => [k, v.size]))
    expect(sizes).toMatchObject({
      vfio_info_cap_header: 8,
      vfio_group_status: 8,
      vfio_device_info: 24,
      vfio_region_info: 32,
      vfio_irq_info: 16,
      vfio_iommu_type1_info: 24,
      vfio_pci_hot_reset_info: 12,
      vfio_pci_dependent_device: 8,
      vfio_device_feature: 8,
      vfio_device_feature_migration: 8,
      vfio_iommu_type1_info_cap_migration: 32,
      vfio_iommu_type1_info_dma_avail: 12,
      vfio_device_bind_iommufd: 24,
      vfio_device_detach_iommufd_pt: 12,
      iommu_hw_info: 40,
    })
    expect(LAYOUTS.vfio_iommu_type1_info_cap_migration?.fields.pgsize_bitmap?.offset).toBe(16)
  })
})
