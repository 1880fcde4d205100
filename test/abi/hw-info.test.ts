// IOMMU_GET_HW_INFO with a data buffer: the vendor decoders, the two asks of Vfio.hwInfo, the second
// buffer through the read-only guard and through --save / --from.
import { describe, expect, it } from 'vitest'
import { InternalError } from '../../src/errors.js'
import { decodeHwInfoData } from '../../src/kernel/abi/hw-info.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'
import { hwCapabilityNames } from '../../src/kernel/abi/flags.js'
import { ReadOnlySys } from '../../src/kernel/read-only.js'
import type { IoctlArg, Sys } from '../../src/kernel/sys.js'
import { Vfio } from '../../src/kernel/vfio.js'
import { Recording, RecordingSys } from '../../src/snapshot/record.js'
import { ReplaySys } from '../../src/snapshot/replay.js'
import { plainStyle } from '../../src/render/style.js'
import { renderText } from '../../src/render/text.js'
import { cdevInventory } from '../render/rich-inventory.js'

// QEMU intel-iommu's registers as the 6.12 guest's boot log printed them ("DMAR: dmar0: … cap
// d2008c22260206 ecap f00f4a").
const CAP = 0xd2008c22260206n
const ECAP = 0xf00f4an

function vtd(flags: number, cap: bigint, ecap: bigint): Uint8Array {
  const b = new Uint8Array(24)
  const dv = new DataView(b.buffer)
  dv.setUint32(0, flags, true)
  dv.setBigUint64(8, cap, true)
  dv.setBigUint64(16, ecap, true)
  return b
}

describe('decodeHwInfoData', () => {
  it('VT-d: cap and ecap, named bits, fields, and the bits it does not name kept raw', () => {
    const d = decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_INTEL_VTD, vtd(1, CAP, ECAP), 24)
    expect(d.flags).toBe(1)
    expect(d.flagNames).toEqual(['errata-772415-spr17'])
    const [cap, ecap] = d.registers
    expect(cap?.name).toBe('cap')
    expect(cap?.value).toBe(CAP)
    // 0x00d2_008c_2226_0206 by hand: ND 6, SAGAW 0b00010, MGAW 38, FRO 0x22, SLLPS 0b0011, PSI, NFR 0,
    // MAMV 18, DWD, DRD
    expect(cap?.bits).toEqual(['psi', 'dwd', 'drd'])
    const f = Object.fromEntries((cap?.fields ?? []).map((x) => [x.name, x.text]))
    expect(f).toEqual({ nd: '65536 domains', sagaw: '39-bit', mgaw: '39-bit', fro: 'fault registers at 0x220', sllps: '2M,1G', nfr: '1 fault register', mamv: '18' })
    expect(cap?.unknown).toBe(0n)
    // 0xf00f4a: QI, IR, PT; IRO 0x00f; MHMV 15
    expect(ecap?.bits).toEqual(['qi', 'ir', 'pt'])
    expect(ecap?.fields.find((x) => x.name === 'mhmv')?.value).toBe(15)
    expect(ecap?.fields.find((x) => x.name === 'pss')?.text).toBe('no PASID')
    expect(ecap?.fields.find((x) => x.name === 'iro')?.text).toBe('IOTLB registers at 0xf0')
    expect(ecap?.unknown).toBe(0n)
    // A bit of no name (ECAP bit 5, bit 28) is shown raw, never dropped.
    const odd = decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_INTEL_VTD, vtd(2, CAP | (1n << 38n), ECAP | (1n << 5n) | (1n << 28n)), 24)
    expect(odd.flagNames).toEqual(['bit1'])
    expect(odd.registers[0]?.unknown).toBe(1n << 38n)
    expect(odd.registers[1]?.unknown).toBe((1n << 5n) | (1n << 28n))
  })

  it('fewer bytes than the struct: only the registers wholly inside them (an older or shorter kernel struct)', () => {
    const b = vtd(1, CAP, ECAP)
    expect(decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_INTEL_VTD, b, 16).registers.map((r) => r.name)).toEqual(['cap'])
    expect(decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_INTEL_VTD, b, 20).registers.map((r) => r.name)).toEqual(['cap'])
    const none = decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_INTEL_VTD, b, 2)
    expect([none.flags, none.registers]).toEqual([null, []])
  })

  it('SMMUv3: idr0-5, iidr, aidr with the fields the uapi lists', () => {
    const b = new Uint8Array(40)
    const dv = new DataView(b.buffer)
    // IDR0: S1P S2P, TTF aarch64, COHACC, ASID16, 2-level stream table, TERM_MODEL; IDR1: SIDSIZE 16,
    // SSIDSIZE 20; IDR3: RIL; IDR5: OAS 44-bit, GRAN4K GRAN64K; AIDR SMMUv3.1
    dv.setUint32(8, (1 << 1) | 1 | (2 << 2) | (1 << 4) | (1 << 12) | (1 << 27) | (1 << 26), true)
    dv.setUint32(12, 16 | (20 << 6), true)
    dv.setUint32(20, 1 << 10, true)
    dv.setUint32(28, 4 | (1 << 4) | (1 << 6), true)
    dv.setUint32(32, 0x43b, true)
    dv.setUint32(36, 1, true)
    const d = decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_ARM_SMMUV3, b, 40)
    expect(d.registers.map((r) => r.name)).toEqual(['idr0', 'idr1', 'idr2', 'idr3', 'idr4', 'idr5', 'iidr', 'aidr'])
    const r = Object.fromEntries(d.registers.map((x) => [x.name, x]))
    expect(r['idr0']?.bits).toEqual(['s2p', 's1p', 'cohacc', 'asid16', 'term_model'])
    expect(r['idr0']?.fields.filter((x) => x.name === 'ttf' || x.name === 'st_level').map((x) => x.text)).toEqual(['aarch64', '2-level'])
    expect(r['idr1']?.fields.slice(0, 2).map((x) => x.text)).toEqual(['16-bit StreamIDs', '20-bit SubstreamIDs'])
    expect(r['idr3']?.bits).toEqual(['ril'])
    expect(r['idr5']?.bits).toEqual(['gran4k', 'gran64k'])
    expect(r['idr5']?.fields[0]?.text).toBe('44-bit')
    expect(r['iidr']?.fields[0]?.text).toBe('0x43b')
    expect(r['aidr']?.fields[0]?.text).toBe('SMMUv3.1')
    expect(d.registers.every((x) => x.unknown === 0n)).toBe(true)
  })

  it('other types (Tegra241 CMDQV, AMD, unknown): bytes only, nothing guessed', () => {
    expect(decodeHwInfoData(U.IOMMU_HW_INFO_TYPE_AMD, new Uint8Array(16).fill(0xff), 16)).toEqual({ flags: null, flagNames: [], registers: [] })
  })

  it('names every out_capabilities bit of the current ABI, unknown bits raw', () => {
    expect(hwCapabilityNames(0x1f)).toEqual(['dirty-tracking', 'pci-pasid-exec', 'pci-pasid-priv', 'pci-ats-not-supported', 'bit4'])
    expect(U.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED).toBe(8)
  })
})

/** The kernel's side of IOMMU_GET_HW_INFO (iommufd_get_hw_info): copies min(data_len, its length),
 * zeroes the rest, answers its own length. */
class HwInfoKernel implements Sys {
  asks: { dataLen: number; kind: string }[] = []
  constructor(
    private readonly payload: Uint8Array,
    private readonly type = U.IOMMU_HW_INFO_TYPE_INTEL_VTD,
    private readonly claim = payload.length,
  ) {}
  open(): number {
    return 7
  }
  close(): void {}
  pread(): number {
    return -22
  }
  ioctl(_fd: number, request: number, arg: IoctlArg): number {
    if (request !== U.IOMMU_GET_HW_INFO || (arg.kind !== 'buf' && arg.kind !== 'bufptr')) return -25
    const dv = new DataView(arg.buf.buffer, arg.buf.byteOffset)
    const asked = dv.getUint32(12, true)
    this.asks.push({ dataLen: asked, kind: arg.kind })
    if (arg.kind === 'bufptr') {
      arg.data.fill(0)
      arg.data.set(this.payload.subarray(0, Math.min(asked, this.payload.length)))
    }
    dv.setUint32(12, this.claim, true)
    dv.setUint32(24, this.type, true)
    dv.setBigUint64(32, BigInt(U.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED), true)
    return 0
  }
}

describe('Vfio.hwInfo: asked without, then with a buffer of the length the kernel gave', () => {
  it('reads the VT-d registers through data_uptr', () => {
    const k = new HwInfoKernel(vtd(1, CAP, ECAP))
    const p = new Vfio(k).hwInfo(7, 1, '/dev/iommu')
    expect(k.asks).toEqual([
      { dataLen: 0, kind: 'buf' },
      { dataLen: 24, kind: 'bufptr' },
    ])
    if (!p.ok) throw new Error('failed')
    expect(p.value.capabilityNames).toEqual(['pci-ats-not-supported'])
    expect(p.value.data?.ok && p.value.data.value.registers.map((r) => r.value)).toEqual([CAP, ECAP])
  })

  it('a kernel that fills fewer bytes than asked: only its own length is data', () => {
    // First answer 24, second answer 16 (as a kernel with a shorter struct would): ecap is absent.
    let n = 0
    const k = new HwInfoKernel(vtd(1, CAP, ECAP))
    const shrinking: Sys = { ...k, open: () => 7, close: () => {}, pread: () => -22, ioctl: (fd, r, a) => { const x = k.ioctl(fd, r, a); if (n++ === 1) new DataView((a as { buf: Uint8Array }).buf.buffer).setUint32(12, 16, true); return x } }
    const p = new Vfio(shrinking).hwInfo(7, 1, '/dev/iommu')
    const d = p.ok && p.value.data?.ok ? p.value.data.value : null
    expect([d?.asked, d?.kernelLen, d?.bytes.length, d?.registers.map((r) => r.name)]).toEqual([24, 16, 16, ['cap']])
  })

  it('no data (type none, data_len 0): no second ask; a data_len past 4 KiB or a changed type is EPROTO', () => {
    const none = new HwInfoKernel(new Uint8Array(0), U.IOMMU_HW_INFO_TYPE_NONE)
    const p = new Vfio(none).hwInfo(7, 1, '/dev/iommu')
    expect(none.asks.length).toBe(1)
    expect(p.ok && p.value.data).toBeUndefined()
    const huge = new Vfio(new HwInfoKernel(new Uint8Array(0), 1, 0x10000000)).hwInfo(7, 1, '/dev/iommu')
    expect(huge.ok && huge.value.data?.ok === false && huge.value.data.error.code).toBe('EPROTO')
  })

  it('a failed second ask is shown on its own; the first answer stays', () => {
    const k = new HwInfoKernel(vtd(1, CAP, ECAP))
    const failing: Sys = { open: () => 7, close: () => {}, pread: () => -22, ioctl: (fd, r, a) => (a.kind === 'bufptr' ? -14 : k.ioctl(fd, r, a)) }
    const p = new Vfio(failing).hwInfo(7, 1, '/dev/iommu')
    expect(p.ok && p.value.typeName).toBe('intel-vtd')
    expect(p.ok && p.value.data?.ok === false && p.value.data.error.code).toBe('EFAULT')
  })
})

describe('the second buffer at the seam', () => {
  const hwArg = (dataLen: number, ptr = 0n): Uint8Array => {
    const b = new Uint8Array(40)
    const dv = new DataView(b.buffer)
    dv.setUint32(0, 40, true)
    dv.setUint32(12, dataLen, true)
    dv.setBigUint64(16, ptr, true)
    return b
  }

  it('the read-only guard lets a data buffer go only to GET_HW_INFO at data_uptr, of the length data_len says', () => {
    const k = new HwInfoKernel(vtd(1, CAP, ECAP))
    const guard = new ReadOnlySys(k)
    const fd = guard.open('/dev/iommu', 'rw')
    expect(guard.ioctl(fd, U.IOMMU_GET_HW_INFO, { kind: 'bufptr', buf: hwArg(24), ptrAt: 16, data: new Uint8Array(24) })).toBe(0)
    const refused: IoctlArg[] = [
      { kind: 'bufptr', buf: hwArg(24), ptrAt: 8, data: new Uint8Array(24) },
      { kind: 'bufptr', buf: hwArg(16), ptrAt: 16, data: new Uint8Array(24) },
      { kind: 'bufptr', buf: hwArg(8192), ptrAt: 16, data: new Uint8Array(8192) },
      { kind: 'bufptr', buf: hwArg(24, 0x1000n), ptrAt: 16, data: new Uint8Array(24) },
      // A plain buffer naming an address or a length: the kernel would write wherever it points.
      { kind: 'buf', buf: hwArg(0, 0x7fff0000n) },
      { kind: 'buf', buf: hwArg(24) },
    ]
    for (const a of refused) expect(() => guard.ioctl(fd, U.IOMMU_GET_HW_INFO, a)).toThrow(InternalError)
    const cdev = guard.open('/dev/vfio/devices/vfio0', 'rw')
    expect(() => guard.ioctl(cdev, U.VFIO_DEVICE_GET_INFO, { kind: 'bufptr', buf: hwArg(24), ptrAt: 16, data: new Uint8Array(24) })).toThrow(InternalError)
    expect(k.asks.length).toBe(1)
  })

  it('--save records both buffers and --from gives both back; another length has no answer', () => {
    const rec = new Recording('lsvfio test', [], new Date(0))
    const sys = new RecordingSys(new HwInfoKernel(vtd(1, CAP, ECAP)), rec)
    const live = new Vfio(sys).hwInfo(sys.open('/dev/iommu', 'rw'), 1, '/dev/iommu')
    const keys = Object.keys(rec.doc.ioctl)
    expect(keys.length).toBe(2)
    expect(keys.some((k) => / bufptr [0-9a-f]+ 24$/.test(k))).toBe(true)
    const replay = new ReplaySys(rec.shareable())
    const again = new Vfio(replay).hwInfo(replay.open('/dev/iommu', 'rw'), 1, '/dev/iommu')
    expect(again).toEqual(live)
    const data = new Uint8Array(16)
    const buf = hwArg(16)
    expect(replay.ioctl(replay.open('/dev/iommu', 'rw'), U.IOMMU_GET_HW_INFO, { kind: 'bufptr', buf, ptrAt: 16, data })).toBe(-61)
  })
})

describe('text -vv on the cdev path', () => {
  it('shows the registers decoded, a short fill, unknown bits raw and a failed ask; -v shows none of it', () => {
    const lines = renderText(cdevInventory(), { verbose: 2, numeric: 0 }, plainStyle)
    const data = lines.filter((l) => /IOMMU data:|^\s+(idr\d|iidr|aidr|cap|ecap):/.test(l)).map((l) => l.trim())
    expect(data).toEqual([
      'IOMMU data: arm-smmuv3, 40 bytes',
      // bits 0 1 2 4 12 13 18 19 26 27 by hand
      'idr0: 0xc0c3017 [s2p s1p cohacc asid16 msi vmid16 cd2l term_model] ttf=1 (aarch32) httu=0 (none) ttendian=0 (mixed) stall_model=0 (stall+terminate) st_level=1 (2-level)',
      // bit 26 (ATTR_PERMS_OVR) has no name here: raw
      'idr1: 0xe730410 [attr_types_ovr] sidsize=16 (16-bit StreamIDs) ssidsize=16 (16-bit SubstreamIDs) priqs=0 (2^0 entries) evtqs=19 (2^19 entries) cmdqs=19 (2^19 entries) unknown 0x4000000',
      'idr2: 0x0',
      'idr3: 0x400 [ril] bbml=0',
      'idr4: 0x0',
      'idr5: 0x75 [gran4k gran16k gran64k] oas=5 (48-bit) vax=0 (48-bit) stall_max=0',
      'iidr: 0x0 implementer=0 (0x0) revision=0 variant=0 productid=0 (0x0)',
      'aidr: 0x1 archminorrev=1 (SMMUv3.1) archmajorrev=0',
      'IOMMU data: intel-vtd, 24 bytes, the kernel filled 16',
      'cap: 0xd200cc22260206 [psi dwd drd] nd=6 (65536 domains) sagaw=2 (39-bit) mgaw=38 (39-bit) fro=34 (fault registers at 0x220) sllps=3 (2M,1G) nfr=0 (1 fault register) mamv=18 unknown 0x4000000000',
      'IOMMU data: IOMMU_GET_HW_INFO data: EFAULT (/dev/iommu)',
    ])
    expect(renderText(cdevInventory(), { verbose: 1, numeric: 0 }, plainStyle).some((l) => l.includes('IOMMU data'))).toBe(false)
  })
})
