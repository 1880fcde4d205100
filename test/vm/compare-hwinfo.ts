// IOMMU_GET_HW_INFO's vendor data (cdev path) against what the guest kernel shows elsewhere: the VT-d
// CAP/ECAP registers in /sys/class/iommu/<unit>/intel-iommu/{cap,ecap} and in the boot log line of
// dmar.c ("DMAR: dmar0: reg_base_addr … cap … ecap …"). Bit positions here come from the VT-d
// specification, written again by hand, not imported from src/.
import type { JsonDocument } from '../../src/render/json-types.js'
import { devicesOf, type Ledger } from './compare.js'
import type { Witness } from './witness.js'

/** "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap 12008c22260286 ecap f00f5e" → unit → registers */
export function parseDmarLog(dmesg: string): Map<string, { cap: bigint; ecap: bigint }> {
  const out = new Map<string, { cap: bigint; ecap: bigint }>()
  for (const m of dmesg.matchAll(/DMAR: (dmar\d+): reg_base_addr \S+ ver \S+ cap ([0-9a-f]+) ecap ([0-9a-f]+)/g)) {
    out.set(m[1] ?? '', { cap: BigInt(`0x${m[2]}`), ecap: BigInt(`0x${m[3]}`) })
  }
  return out
}

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n
const field = (v: bigint, lo: number, width: number): number => Number((v >> BigInt(lo)) & ((1n << BigInt(width)) - 1n))

/** kernel: the major.minor of the guest, e.g. "6.12" (which out_capabilities bits its ABI has). */
export function compareHwInfoData(led: Ledger, doc: JsonDocument, w: Witness, dmesg: string, kernel: string): void {
  const units = new Map((w.iommus ?? []).map((u) => [u.name, u]))
  const logged = parseDmarLog(dmesg)
  const wdev = new Map(w.devices.map((d) => [d.address, d]))
  for (const { device } of devicesOf(doc)) {
    const v = device.vfio?.state === 'ok' ? device.vfio.value : null
    const hw = v?.iommufd?.hwInfo.state === 'ok' ? v.iommufd.hwInfo.value : null
    if (hw === null) continue
    const a = device.address
    const unitName = wdev.get(a)?.iommu ?? null
    const unit = unitName === null ? undefined : units.get(unitName)
    led.eq(a, 'hw_info type', hw.typeName, 'intel-vtd', 'QEMU intel-iommu')
    led.eq(a, 'hw_info dataLen', hw.dataLen, 24, 'sizeof(struct iommu_hw_info_vtd)')
    const data = hw.data?.state === 'ok' ? hw.data.value : null
    led.eq(a, 'hw_info data asked', data !== null, true, 'data_uptr answered')
    if (data === null || unit === undefined || unit.cap === null || unit.ecap === null) {
      led.eq(a, 'VT-d unit in sysfs', unitName, 'a unit with intel-iommu/cap', 'sysfs iommu link')
      continue
    }
    led.eq(a, 'data asked/kernelLen/bytes', [data.asked, data.kernelLen, data.bytes.length / 2], [24, 24, 24], 'the kernel fills 24 bytes')
    const reg = (n: string): bigint | null => {
      const r = data.registers.find((x) => x.name === n)
      return r === undefined ? null : BigInt(r.value)
    }
    const cap = reg('cap')
    const ecap = reg('ecap')
    led.eq(a, 'cap_reg', cap, unit.cap, `sysfs ${unitName}/intel-iommu/cap`)
    led.eq(a, 'ecap_reg', ecap, unit.ecap, `sysfs ${unitName}/intel-iommu/ecap`)
    const log = logged.get(unitName ?? '')
    led.eq(a, 'cap_reg, ecap_reg', [cap, ecap], log === undefined ? 'no DMAR line' : [log.cap, log.ecap], 'dmesg DMAR line')
    // intel_iommu_hw_info sets the erratum flag unconditionally (6.12, 7.3 source)
    led.eq(a, 'flags', [data.flags, data.flagNames], [1, ['errata-772415-spr17']], 'intel_iommu_hw_info')
    // The decode, against the VT-d specification's bit positions applied to the sysfs value.
    const c = unit.cap
    const e = unit.ecap
    const capReg = data.registers.find((x) => x.name === 'cap')
    const ecapReg = data.registers.find((x) => x.name === 'ecap')
    const f = (r: typeof capReg, n: string): number | undefined => r?.fields.find((x) => x.name === n)?.value
    led.eq(a, 'cap mgaw sagaw nd', [f(capReg, 'mgaw'), f(capReg, 'sagaw'), f(capReg, 'nd')], [field(c, 16, 6), field(c, 8, 5), field(c, 0, 3)], 'VT-d spec CAP')
    led.eq(a, 'cap cm', capReg?.bits.includes('cm'), bit(c, 7), 'VT-d spec CAP.CM (bit 7)')
    led.eq(a, 'ecap qi ir eim pt sc dt', ['qi', 'ir', 'eim', 'pt', 'sc', 'dt'].map((n) => ecapReg?.bits.includes(n)), [1, 3, 4, 6, 7, 2].map((n) => bit(e, n)), 'VT-d spec ECAP')
    led.eq(a, 'ecap smts pasid slads', ['smts', 'pasid', 'slads'].map((n) => ecapReg?.bits.includes(n)), [43, 40, 45].map((n) => bit(e, n)), 'VT-d spec ECAP')
    // out_capabilities: dirty tracking needs second-stage A/D (ECAP.SLADS); 7.3 adds pci-ats-not-supported,
    // set unless the unit has a device TLB (ECAP.DT) and the device ATS (no QEMU device here has both).
    if (!bit(e, 45)) led.eq(a, 'capability dirty-tracking', hw.capabilityNames.includes('dirty-tracking'), false, 'ECAP.SLADS clear')
    // The bit is in the 7.3 uapi header and not in the 6.12 one (checked in both kernels' headers).
    const atsBit = kernel === '7.3'
    if (!bit(e, 2)) led.eq(a, 'capability pci-ats-not-supported', hw.capabilityNames.includes('pci-ats-not-supported'), atsBit, atsBit ? 'ECAP.DT clear' : 'not in this kernel ABI')
  }
}
