// IOMMU_GET_HW_INFO's type-specific data: the raw IOMMU registers the kernel copies out (struct
// iommu_hw_info_vtd, iommu_hw_info_arm_smmuv3), decoded bit by bit. Names are the register mnemonics of
// the VT-d and SMMUv3 specifications as the kernel spells them (drivers/iommu/intel/iommu.h,
// arm-smmu-v3.h, the uapi comment on iommu_hw_info_arm_smmuv3); set bits without a name stay as raw
// bits in `unknown`, never dropped or guessed.
import type { DecodedRegister, HwInfoData } from '../../model/hw-info.js'
import { Reader } from './structs.js'
import * as U from './vfio-uapi.js'

interface FieldSpec {
  name: string
  lo: number
  width: number
  /** the register too: a field may mean something only when a bit elsewhere is set */
  text: (v: number, reg: bigint) => string
}

interface RegisterSpec {
  bits: Readonly<Record<number, string>>
  fields: readonly FieldSpec[]
}

const num = (v: number): string => String(v)
const hex = (v: number): string => `0x${v.toString(16)}`
const list = (v: number, names: readonly string[]): string => names.filter((_, i) => (v >> i) & 1).join(',') || 'none'

export function decodeRegister(name: string, value: bigint, spec: RegisterSpec): DecodedRegister {
  const v = BigInt.asUintN(64, value)
  const bits: string[] = []
  let known = 0n
  for (let b = 0; b < 64; b++) {
    const n = spec.bits[b]
    if (n === undefined) continue
    known |= 1n << BigInt(b)
    if ((v >> BigInt(b)) & 1n) bits.push(n)
  }
  const fields = spec.fields.map((f) => {
    const mask = (1n << BigInt(f.width)) - 1n
    known |= mask << BigInt(f.lo)
    const x = Number((v >> BigInt(f.lo)) & mask)
    return { name: f.name, value: x, text: f.text(x, v) }
  })
  return { name, value: v, bits, fields, unknown: v & ~known }
}

// ---- Intel VT-d: Capability and Extended Capability registers ----

const VTD_CAP: RegisterSpec = {
  bits: { 3: 'afl', 4: 'rwbf', 5: 'plmr', 6: 'phmr', 7: 'cm', 22: 'zlr', 23: 'isoch', 39: 'psi', 54: 'dwd', 55: 'drd', 56: 'fl1gp', 59: 'pi', 60: 'fl5lp', 61: 'ecmds', 62: 'esirtps', 63: 'esrtps' },
  fields: [
    { name: 'nd', lo: 0, width: 3, text: (v) => `${2 ** (4 + 2 * v)} domains` },
    // SAGAW bit i: an address width of 30 + 9i bits (agaw_to_width)
    { name: 'sagaw', lo: 8, width: 5, text: (v) => list(v, ['30-bit', '39-bit', '48-bit', '57-bit', '64-bit']) },
    { name: 'mgaw', lo: 16, width: 6, text: (v) => `${v + 1}-bit` },
    { name: 'fro', lo: 24, width: 10, text: (v) => `fault registers at ${hex(v * 16)}` },
    { name: 'sllps', lo: 34, width: 4, text: (v) => list(v, ['2M', '1G', '512G', '1T']) },
    { name: 'nfr', lo: 40, width: 8, text: (v) => (v === 0 ? '1 fault register' : `${v + 1} fault registers`) },
    { name: 'mamv', lo: 48, width: 6, text: num },
  ],
}

const VTD_ECAP: RegisterSpec = {
  bits: {
    0: 'c', 1: 'qi', 2: 'dt', 3: 'ir', 4: 'eim', 6: 'pt', 7: 'sc', 25: 'mts', 26: 'nest', 27: 'dis', 29: 'prs', 30: 'ers', 31: 'srs',
    33: 'nwfs', 34: 'eafs', 40: 'pasid', 41: 'dit', 42: 'pds', 43: 'smts', 45: 'slads', 46: 'slts', 47: 'flts', 48: 'smpwc', 49: 'rps', 51: 'pms',
  },
  fields: [
    { name: 'iro', lo: 8, width: 10, text: (v) => `IOTLB registers at ${hex(v * 16)}` },
    { name: 'mhmv', lo: 20, width: 4, text: num },
    // PSS counts only when ECAP.PASID (bit 40) is set
    { name: 'pss', lo: 35, width: 5, text: (v, reg) => ((reg >> 40n) & 1n ? `${v + 1}-bit PASIDs` : 'no PASID') },
  ],
}

// ---- ARM SMMUv3: ID registers ----

const SMMU_IDR: readonly RegisterSpec[] = [
  {
    bits: { 0: 's2p', 1: 's1p', 4: 'cohacc', 9: 'hyp', 10: 'ats', 12: 'asid16', 13: 'msi', 14: 'sev', 16: 'pri', 18: 'vmid16', 19: 'cd2l', 26: 'term_model' },
    fields: [
      { name: 'ttf', lo: 2, width: 2, text: (v) => ['reserved', 'aarch32', 'aarch64', 'aarch32+aarch64'][v] ?? num(v) },
      { name: 'httu', lo: 6, width: 2, text: (v) => ['none', 'access', 'access+dirty', 'access+dirty+haft'][v] ?? num(v) },
      { name: 'ttendian', lo: 21, width: 2, text: (v) => ['mixed', 'reserved', 'le', 'be'][v] ?? num(v) },
      { name: 'stall_model', lo: 24, width: 2, text: (v) => ['stall+terminate', 'terminate', 'stall forced', 'reserved'][v] ?? num(v) },
      { name: 'st_level', lo: 27, width: 2, text: (v) => ['linear', '2-level', 'reserved', 'reserved'][v] ?? num(v) },
    ],
  },
  {
    bits: { 27: 'attr_types_ovr', 28: 'rel', 29: 'queues_preset', 30: 'tables_preset' },
    fields: [
      { name: 'sidsize', lo: 0, width: 6, text: (v) => `${v}-bit StreamIDs` },
      { name: 'ssidsize', lo: 6, width: 5, text: (v) => `${v}-bit SubstreamIDs` },
      { name: 'priqs', lo: 11, width: 5, text: (v) => `2^${v} entries` },
      { name: 'evtqs', lo: 16, width: 5, text: (v) => `2^${v} entries` },
      { name: 'cmdqs', lo: 21, width: 5, text: (v) => `2^${v} entries` },
    ],
  },
  { bits: {}, fields: [] },
  { bits: { 8: 'fwb', 10: 'ril' }, fields: [{ name: 'bbml', lo: 11, width: 2, text: num }] },
  { bits: {}, fields: [] },
  {
    bits: { 4: 'gran4k', 5: 'gran16k', 6: 'gran64k', 7: 'ds' },
    fields: [
      { name: 'oas', lo: 0, width: 3, text: (v) => (v < 7 ? `${[32, 36, 40, 42, 44, 48, 52][v]}-bit` : 'reserved') },
      { name: 'vax', lo: 10, width: 2, text: (v) => ['48-bit', '52-bit', 'reserved', 'reserved'][v] ?? num(v) },
      { name: 'stall_max', lo: 16, width: 16, text: num },
    ],
  },
]

const SMMU_IIDR: RegisterSpec = {
  bits: {},
  fields: [
    { name: 'implementer', lo: 0, width: 12, text: hex },
    { name: 'revision', lo: 12, width: 4, text: num },
    { name: 'variant', lo: 16, width: 4, text: num },
    { name: 'productid', lo: 20, width: 12, text: hex },
  ],
}

const SMMU_AIDR: RegisterSpec = {
  bits: {},
  fields: [
    { name: 'archminorrev', lo: 0, width: 4, text: (v) => `SMMUv3.${v}` },
    { name: 'archmajorrev', lo: 4, width: 4, text: num },
  ],
}

const VTD_FLAGS = ['errata-772415-spr17']
const SMMU_FLAGS = ['errata-repeat-tlbi-cfgi']

/** The decoded part of HwInfoData. */
export type HwInfoVendorData = Pick<HwInfoData, 'flags' | 'flagNames' | 'registers'>

const flagNames = (names: readonly string[], v: number): string[] => {
  const out: string[] = []
  for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out.push(names[b] ?? `bit${b}`)
  return out
}

/** Decodes the first `valid` bytes of `data` (the kernel's own length, not the buffer's) for `type`. */
export function decodeHwInfoData(type: number, data: Uint8Array, valid: number): HwInfoVendorData {
  const r = new Reader(data.subarray(0, Math.min(valid, data.length)))
  const has = (off: number, size: number): boolean => r.fits(off, size)
  const flags = has(0, 4) ? r.u32(0) : null
  if (type === U.IOMMU_HW_INFO_TYPE_INTEL_VTD) {
    const registers: DecodedRegister[] = []
    if (has(8, 8)) registers.push(decodeRegister('cap', r.u64(8), VTD_CAP))
    if (has(16, 8)) registers.push(decodeRegister('ecap', r.u64(16), VTD_ECAP))
    return { flags, flagNames: flags === null ? [] : flagNames(VTD_FLAGS, flags), registers }
  }
  if (type === U.IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
    const registers: DecodedRegister[] = []
    SMMU_IDR.forEach((spec, i) => {
      if (has(8 + 4 * i, 4)) registers.push(decodeRegister(`idr${i}`, BigInt(r.u32(8 + 4 * i)), spec))
    })
    if (has(32, 4)) registers.push(decodeRegister('iidr', BigInt(r.u32(32)), SMMU_IIDR))
    if (has(36, 4)) registers.push(decodeRegister('aidr', BigInt(r.u32(36)), SMMU_AIDR))
    return { flags, flagNames: flags === null ? [] : flagNames(SMMU_FLAGS, flags), registers }
  }
  // Tegra241 CMDQV, AMD and types to come: the bytes only (the caller keeps them).
  return { flags: null, flagNames: [], registers: [] }
}
