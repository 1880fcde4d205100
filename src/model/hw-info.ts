// IOMMU_GET_HW_INFO's type-specific data (cdev path): the IOMMU's own registers as the kernel copied
// them out, with what lsvfio decodes of them (src/kernel/abi/hw-info.ts).

export interface RegisterField {
  name: string
  value: number
  /** what the value means, e.g. "48-bit" */
  text: string
}

export interface DecodedRegister {
  /** cap, ecap (VT-d); idr0…idr5, iidr, aidr (SMMUv3) */
  name: string
  value: bigint
  /** the named one-bit features that are set, in bit order */
  bits: string[]
  fields: RegisterField[]
  /** set bits that are neither a named bit nor inside a named field, raw */
  unknown: bigint
}

export interface HwInfoData {
  /** bytes asked for: the data_len the kernel gave when asked with none */
  asked: number
  /** data_len of this answer, the length the kernel holds; below `asked`, the rest came back zeroed */
  kernelLen: number
  /** the bytes the kernel filled: the first min(asked, kernelLen) */
  bytes: Uint8Array
  /** the struct's flags word; null when there is none (other types) or the kernel wrote fewer bytes */
  flags: number | null
  flagNames: string[]
  /** the registers wholly inside the filled bytes, in struct order; one past them is absent */
  registers: DecodedRegister[]
}
