// Bit → name and id → name tables (pure, table-driven). Names are short and lowercase for flags;
// unknown set bits come back as "bit<N>" so a newer kernel's flags are shown, not dropped.

/** Index = bit number. */
type BitTable = readonly (string | undefined)[]

function bitNames(table: BitTable, value: number | bigint): string[] {
  // number flags are __u32 in the ABI; bigint for the one __u64 flags field (migration)
  let v = typeof value === 'bigint' ? BigInt.asUintN(64, value) : BigInt(Number.isFinite(value) ? Math.trunc(value) >>> 0 : 0)
  const out: string[] = []
  for (let bit = 0; v !== 0n; bit++, v >>= 1n) {
    if ((v & 1n) === 0n) continue
    out.push(table[bit] ?? `bit${bit}`)
  }
  return out
}

const DEVICE_FLAGS: BitTable = ['reset', 'pci', 'platform', 'amba', 'ccw', 'ap', 'fsl-mc', 'caps', 'cdx']
const REGION_FLAGS: BitTable = ['read', 'write', 'mmap', 'caps']
const IRQ_FLAGS: BitTable = ['eventfd', 'maskable', 'automasked', 'noresize']
const GROUP_FLAGS: BitTable = ['viable', 'container-set']
const IOMMU_INFO_FLAGS: BitTable = ['pgsizes', 'caps']
const HOT_RESET_FLAGS: BitTable = ['dev-id', 'dev-id-owned']
const MIGRATION_FLAGS: BitTable = ['stop-copy', 'p2p', 'pre-copy']
const ATOMIC_COMP_FLAGS: BitTable = ['comp32', 'comp64', 'comp128']
const HW_CAP_FLAGS: BitTable = ['dirty-tracking', 'pci-pasid-exec', 'pci-pasid-priv', 'pci-ats-not-supported']

export const deviceFlagNames = (n: number): string[] => bitNames(DEVICE_FLAGS, n)
export const regionFlagNames = (n: number): string[] => bitNames(REGION_FLAGS, n)
export const irqFlagNames = (n: number): string[] => bitNames(IRQ_FLAGS, n)
export const groupFlagNames = (n: number): string[] => bitNames(GROUP_FLAGS, n)
export const iommuInfoFlagNames = (n: number): string[] => bitNames(IOMMU_INFO_FLAGS, n)
export const hotResetFlagNames = (n: number): string[] => bitNames(HOT_RESET_FLAGS, n)
/** vfio_device_feature_migration.flags is a __u64: accepts the bigint decodeFeatureMigration returns. */
export const migrationFlagNames = (n: number | bigint): string[] => bitNames(MIGRATION_FLAGS, n)
export const atomicCompFlagNames = (n: number): string[] => bitNames(ATOMIC_COMP_FLAGS, n)
/** iommu_hw_info.out_capabilities (__u64). */
export const hwCapabilityNames = (n: number | bigint): string[] => bitNames(HW_CAP_FLAGS, n)

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`

// ---- region types (VFIO_REGION_INFO_CAP_TYPE) ----

const VENDOR_TYPE = 0x8000_0000
const VENDOR_SUBTYPES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  0x8086: { 1: 'igd-opregion', 2: 'igd-host-cfg', 3: 'igd-lpc-cfg' },
  0x10de: { 1: 'nvlink2-ram' }, // deprecated, no longer provided
  0x1014: { 1: 'nvlink2-atsd' }, // deprecated, no longer provided
}
const TYPES: Readonly<Record<number, { name: string; subtypes: Readonly<Record<number, string>> }>> = {
  1: { name: 'gfx', subtypes: { 1: 'edid' } },
  2: { name: 'ccw', subtypes: { 1: 'async-cmd', 2: 'schib', 3: 'crw' } },
  3: { name: 'migration-deprecated', subtypes: { 1: 'migration-deprecated' } },
}

/** e.g. (0x80008086, 1) → pci-vendor:8086 / igd-opregion; unknown values come back as hex. */
export function regionTypeName(type: number, subtype: number): { typeName: string; subtypeName: string } {
  const t = type >>> 0
  const s = subtype >>> 0
  if ((t & 0xffff_0000) >>> 0 === VENDOR_TYPE) {
    const vendor = t & 0xffff
    return { typeName: `pci-vendor:${vendor.toString(16).padStart(4, '0')}`, subtypeName: VENDOR_SUBTYPES[vendor]?.[s] ?? hex(s) }
  }
  const known = TYPES[t]
  return { typeName: known?.name ?? hex(t), subtypeName: known?.subtypes[s] ?? hex(s) }
}

// ---- fixed region / irq indexes ----

const PCI_REGIONS = ['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA'] as const
const PCI_IRQS = ['INTx', 'MSI', 'MSI-X', 'ERR', 'REQ'] as const
const CCW_REGIONS = ['CONFIG'] as const
const CCW_IRQS = ['IO', 'CRW', 'REQ'] as const
const AP_IRQS = ['REQ', 'CFG_CHG'] as const

const at = (t: readonly string[], i: number): string | null => (Number.isInteger(i) && i >= 0 ? (t[i] ?? null) : null)

/** BAR0…BAR5, ROM, CONFIG, VGA; null for device-specific indexes (≥ 9) and nonsense. */
export const pciRegionName = (index: number): string | null => at(PCI_REGIONS, index)
export const pciIrqName = (index: number): string | null => at(PCI_IRQS, index)
export const ccwRegionName = (index: number): string | null => at(CCW_REGIONS, index)
export const ccwIrqName = (index: number): string | null => at(CCW_IRQS, index)
export const apIrqName = (index: number): string | null => at(AP_IRQS, index)

// ---- VFIO_CHECK_EXTENSION ids, VFIO_DEVICE_FEATURE ids ----

const EXTENSIONS: Readonly<Record<number, string>> = {
  1: 'type1',
  2: 'spapr-tce',
  3: 'type1v2',
  4: 'dma-cc',
  5: 'eeh',
  6: 'type1-nesting', // reserved now; kernels answer 0
  7: 'spapr-tce-v2',
  8: 'noiommu',
  9: 'unmap-all',
  10: 'update-vaddr',
}
// Every id up to 16 is asked: VFIO_CHECK_EXTENSION only answers (0 for an id no backend knows), so ids
// newer than this table show up raw ("ext11") with their answer instead of going unseen.
export const EXTENSION_IDS: readonly number[] = Object.freeze(Array.from({ length: 16 }, (_, i) => i + 1))
/** Unknown ids → "ext<N>". */
export const extensionName = (id: number): string => EXTENSIONS[id] ?? `ext${id}`

const FEATURES: Readonly<Record<number, string>> = {
  0: 'pci-vf-token',
  1: 'migration',
  2: 'mig-device-state',
  3: 'low-power-entry',
  4: 'low-power-entry-with-wakeup',
  5: 'low-power-exit',
  6: 'dma-logging-start',
  7: 'dma-logging-stop',
  8: 'dma-logging-report',
  9: 'mig-data-size',
  10: 'bus-master',
  11: 'dma-buf',
}
// Ids 0-15, each with PROBE only (read-only.ts refuses anything else): a probe changes nothing, so ids
// newer than this table show up raw ("feature12") with the errno each gives.
export const FEATURE_IDS: readonly number[] = Object.freeze(Array.from({ length: 16 }, (_, i) => i))
/** Unknown ids → "feature<N>". */
export const featureName = (id: number): string => FEATURES[id] ?? `feature${id}`

const MIG_STATES = ['error', 'stop', 'running', 'stop-copy', 'resuming', 'running-p2p', 'pre-copy', 'pre-copy-p2p']
/** enum vfio_device_mig_state; unknown → "state<N>". */
export const migStateName = (n: number): string => at(MIG_STATES, n) ?? `state${n}`

const HW_INFO_TYPES = ['none', 'intel-vtd', 'arm-smmuv3', 'tegra241-cmdqv', 'amd']
/** enum iommu_hw_info_type; unknown → "type<N>". */
export const hwInfoTypeName = (n: number): string => at(HW_INFO_TYPES, n) ?? `type${n}`

// ---- capability ids, per namespace ----

export type CapNamespace = 'device' | 'region' | 'iommu'

const CAP_NAMES: Readonly<Record<CapNamespace, readonly string[]>> = {
  device: ['', 'zpci-base', 'zpci-group', 'zpci-util', 'zpci-pfip', 'pci-atomic-comp'],
  region: ['', 'sparse-mmap', 'type', 'msix-mappable', 'nvlink2-ssatgt', 'nvlink2-lnkspd'],
  iommu: ['', 'iova-range', 'migration', 'dma-avail'],
}

/** Capability name within its info namespace; unknown → "cap<N>". */
export function capName(ns: CapNamespace, id: number): string {
  const n = id > 0 ? at(CAP_NAMES[ns], id) : null
  return n ?? `cap${id}`
}

// ---- request numbers, per fd kind (the same number means different things on different fds) ----

export type FdKind = 'container' | 'group' | 'device' | 'iommufd' | 'migration' | 'spapr'

// key = request - 0x3b64 (VFIO_BASE + n)
const CONTAINER_REQS = { 0: 'VFIO_GET_API_VERSION', 1: 'VFIO_CHECK_EXTENSION', 2: 'VFIO_SET_IOMMU' }
const VFIO_REQS: Readonly<Record<Exclude<FdKind, 'iommufd'>, Readonly<Record<number, string>>>> = {
  container: { ...CONTAINER_REQS, 12: 'VFIO_IOMMU_GET_INFO', 13: 'VFIO_IOMMU_MAP_DMA', 14: 'VFIO_IOMMU_UNMAP_DMA', 17: 'VFIO_IOMMU_DIRTY_PAGES' },
  spapr: {
    ...CONTAINER_REQS,
    12: 'VFIO_IOMMU_SPAPR_TCE_GET_INFO',
    13: 'VFIO_IOMMU_MAP_DMA',
    14: 'VFIO_IOMMU_UNMAP_DMA',
    15: 'VFIO_IOMMU_ENABLE',
    16: 'VFIO_IOMMU_DISABLE',
    17: 'VFIO_IOMMU_SPAPR_REGISTER_MEMORY',
    18: 'VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY',
    19: 'VFIO_IOMMU_SPAPR_TCE_CREATE',
    20: 'VFIO_IOMMU_SPAPR_TCE_REMOVE',
    21: 'VFIO_EEH_PE_OP',
  },
  group: { 3: 'VFIO_GROUP_GET_STATUS', 4: 'VFIO_GROUP_SET_CONTAINER', 5: 'VFIO_GROUP_UNSET_CONTAINER', 6: 'VFIO_GROUP_GET_DEVICE_FD' },
  device: {
    7: 'VFIO_DEVICE_GET_INFO',
    8: 'VFIO_DEVICE_GET_REGION_INFO',
    9: 'VFIO_DEVICE_GET_IRQ_INFO',
    10: 'VFIO_DEVICE_SET_IRQS',
    11: 'VFIO_DEVICE_RESET',
    12: 'VFIO_DEVICE_GET_PCI_HOT_RESET_INFO',
    13: 'VFIO_DEVICE_PCI_HOT_RESET',
    14: 'VFIO_DEVICE_QUERY_GFX_PLANE',
    15: 'VFIO_DEVICE_GET_GFX_DMABUF',
    16: 'VFIO_DEVICE_IOEVENTFD',
    17: 'VFIO_DEVICE_FEATURE',
    18: 'VFIO_DEVICE_BIND_IOMMUFD',
    19: 'VFIO_DEVICE_ATTACH_IOMMUFD_PT',
    20: 'VFIO_DEVICE_DETACH_IOMMUFD_PT',
  },
  migration: { 21: 'VFIO_MIG_GET_PRECOPY_INFO' },
}

const IOMMUFD_REQS = ['IOMMU_DESTROY', 'IOMMU_IOAS_ALLOC', 'IOMMU_IOAS_ALLOW_IOVAS', 'IOMMU_IOAS_COPY', 'IOMMU_IOAS_IOVA_RANGES',
  'IOMMU_IOAS_MAP', 'IOMMU_IOAS_UNMAP', 'IOMMU_OPTION', 'IOMMU_VFIO_IOAS', 'IOMMU_HWPT_ALLOC', 'IOMMU_GET_HW_INFO',
  'IOMMU_HWPT_SET_DIRTY_TRACKING', 'IOMMU_HWPT_GET_DIRTY_BITMAP', 'IOMMU_HWPT_INVALIDATE', 'IOMMU_FAULT_QUEUE_ALLOC',
  'IOMMU_IOAS_MAP_FILE', 'IOMMU_VIOMMU_ALLOC', 'IOMMU_VDEVICE_ALLOC', 'IOMMU_IOAS_CHANGE_PROCESS', 'IOMMU_VEVENTQ_ALLOC',
  'IOMMU_HW_QUEUE_ALLOC']

/** The C name of a request on a given kind of fd, or null (e.g. for snapshot listings). */
export function requestName(kind: FdKind, request: number): string | null {
  if (kind === 'iommufd') return at(IOMMUFD_REQS, request - 0x3b80)
  return VFIO_REQS[kind][request - 0x3b64] ?? null
}
