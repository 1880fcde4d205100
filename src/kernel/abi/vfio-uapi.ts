// VFIO and iommufd user ABI constants, transcribed by hand (names exactly as in the C headers) from
//   torvalds/linux include/uapi/linux/vfio.h      @ 02256acf1e81 (v6.19-era: FEATURE_DMA_BUF, BIND_FLAG_TOKEN)
//   torvalds/linux include/uapi/linux/iommufd.h   @ b4d90dbc4c1b (commands up to IOMMU_HW_QUEUE_ALLOC 0x94)
//   torvalds/linux include/uapi/linux/vfio_zdev.h @ 512a93a93dbe, vfio_ccw.h (same era)
// Check: `npx vitest run test/abi/layout.test.ts` compiles native/vfio-abi-check.c against the installed
// <linux/vfio.h> (and <linux/iommufd.h> if present) and compares every value here that the header has;
// names the header lacks are listed as "newer than installed header". To update, transcribe the new
// header's additions here, add them to the C file under #ifdef, and rerun that test.

import { _IO, IOMMUFD_CMD_BASE, IOMMUFD_TYPE, VFIO_BASE, VFIO_TYPE } from './ioc.js'

export { IOMMUFD_CMD_BASE, IOMMUFD_TYPE, VFIO_BASE, VFIO_TYPE } from './ioc.js'

const vfio = (n: number): number => _IO(VFIO_TYPE, VFIO_BASE + n)
const iommufd = (n: number): number => _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + n)

export const VFIO_API_VERSION = 0

// ---- VFIO_CHECK_EXTENSION ids (passed by value) ----
export const VFIO_TYPE1_IOMMU = 1
export const VFIO_SPAPR_TCE_IOMMU = 2
export const VFIO_TYPE1v2_IOMMU = 3
export const VFIO_DMA_CC_IOMMU = 4
export const VFIO_EEH = 5
/** Name used up to ~6.13 headers; the id is reserved now and nobody answers 1. */
export const VFIO_TYPE1_NESTING_IOMMU = 6
export const __VFIO_RESERVED_TYPE1_NESTING_IOMMU = 6
export const VFIO_SPAPR_TCE_v2_IOMMU = 7
export const VFIO_NOIOMMU_IOMMU = 8
export const VFIO_UNMAP_ALL = 9
export const VFIO_UPDATE_VADDR = 10

// ---- Request numbers. One number means different things on different fd kinds (docs/vfio-abi.md, Request numbers). ----
// container fd
export const VFIO_GET_API_VERSION = vfio(0)
export const VFIO_CHECK_EXTENSION = vfio(1)
export const VFIO_SET_IOMMU = vfio(2)
// group fd
export const VFIO_GROUP_GET_STATUS = vfio(3)
export const VFIO_GROUP_SET_CONTAINER = vfio(4)
export const VFIO_GROUP_UNSET_CONTAINER = vfio(5)
export const VFIO_GROUP_GET_DEVICE_FD = vfio(6)
// device fd
export const VFIO_DEVICE_GET_INFO = vfio(7)
export const VFIO_DEVICE_GET_REGION_INFO = vfio(8)
export const VFIO_DEVICE_GET_IRQ_INFO = vfio(9)
export const VFIO_DEVICE_SET_IRQS = vfio(10)
export const VFIO_DEVICE_RESET = vfio(11)
export const VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = vfio(12)
export const VFIO_DEVICE_PCI_HOT_RESET = vfio(13)
export const VFIO_DEVICE_QUERY_GFX_PLANE = vfio(14)
export const VFIO_DEVICE_GET_GFX_DMABUF = vfio(15)
export const VFIO_DEVICE_IOEVENTFD = vfio(16)
export const VFIO_DEVICE_FEATURE = vfio(17)
export const VFIO_DEVICE_BIND_IOMMUFD = vfio(18)
export const VFIO_DEVICE_ATTACH_IOMMUFD_PT = vfio(19)
export const VFIO_DEVICE_DETACH_IOMMUFD_PT = vfio(20)
// migration data fd
export const VFIO_MIG_GET_PRECOPY_INFO = vfio(21)
// type1 container fd (after VFIO_SET_IOMMU)
export const VFIO_IOMMU_GET_INFO = vfio(12)
export const VFIO_IOMMU_MAP_DMA = vfio(13)
export const VFIO_IOMMU_UNMAP_DMA = vfio(14)
export const VFIO_IOMMU_DIRTY_PAGES = vfio(17)
// sPAPR container fd
export const VFIO_IOMMU_SPAPR_TCE_GET_INFO = vfio(12)
export const VFIO_IOMMU_ENABLE = vfio(15)
export const VFIO_IOMMU_DISABLE = vfio(16)
export const VFIO_IOMMU_SPAPR_REGISTER_MEMORY = vfio(17)
export const VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY = vfio(18)
export const VFIO_IOMMU_SPAPR_TCE_CREATE = vfio(19)
export const VFIO_IOMMU_SPAPR_TCE_REMOVE = vfio(20)
export const VFIO_EEH_PE_OP = vfio(21)
// iommufd (/dev/iommu)
export const IOMMU_DESTROY = iommufd(0x00)
export const IOMMU_IOAS_ALLOC = iommufd(0x01)
export const IOMMU_IOAS_ALLOW_IOVAS = iommufd(0x02)
export const IOMMU_IOAS_COPY = iommufd(0x03)
export const IOMMU_IOAS_IOVA_RANGES = iommufd(0x04)
export const IOMMU_IOAS_MAP = iommufd(0x05)
export const IOMMU_IOAS_UNMAP = iommufd(0x06)
export const IOMMU_OPTION = iommufd(0x07)
export const IOMMU_VFIO_IOAS = iommufd(0x08)
export const IOMMU_HWPT_ALLOC = iommufd(0x09)
export const IOMMU_GET_HW_INFO = iommufd(0x0a)
export const IOMMU_HWPT_SET_DIRTY_TRACKING = iommufd(0x0b)
export const IOMMU_HWPT_GET_DIRTY_BITMAP = iommufd(0x0c)
export const IOMMU_HWPT_INVALIDATE = iommufd(0x0d)
export const IOMMU_FAULT_QUEUE_ALLOC = iommufd(0x0e)
export const IOMMU_IOAS_MAP_FILE = iommufd(0x0f)
export const IOMMU_VIOMMU_ALLOC = iommufd(0x10)
export const IOMMU_VDEVICE_ALLOC = iommufd(0x11)
export const IOMMU_IOAS_CHANGE_PROCESS = iommufd(0x12)
export const IOMMU_VEVENTQ_ALLOC = iommufd(0x13)
export const IOMMU_HW_QUEUE_ALLOC = iommufd(0x14)

// ---- Group ----
export const VFIO_GROUP_FLAGS_VIABLE = 1 << 0
export const VFIO_GROUP_FLAGS_CONTAINER_SET = 1 << 1

// ---- Device info ----
export const VFIO_DEVICE_FLAGS_RESET = 1 << 0
export const VFIO_DEVICE_FLAGS_PCI = 1 << 1
export const VFIO_DEVICE_FLAGS_PLATFORM = 1 << 2
export const VFIO_DEVICE_FLAGS_AMBA = 1 << 3
export const VFIO_DEVICE_FLAGS_CCW = 1 << 4
export const VFIO_DEVICE_FLAGS_AP = 1 << 5
export const VFIO_DEVICE_FLAGS_FSL_MC = 1 << 6
export const VFIO_DEVICE_FLAGS_CAPS = 1 << 7
export const VFIO_DEVICE_FLAGS_CDX = 1 << 8
// device-info capability ids
export const VFIO_DEVICE_INFO_CAP_ZPCI_BASE = 1
export const VFIO_DEVICE_INFO_CAP_ZPCI_GROUP = 2
export const VFIO_DEVICE_INFO_CAP_ZPCI_UTIL = 3
export const VFIO_DEVICE_INFO_CAP_ZPCI_PFIP = 4
export const VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP = 5
export const VFIO_PCI_ATOMIC_COMP32 = 1 << 0
export const VFIO_PCI_ATOMIC_COMP64 = 1 << 1
export const VFIO_PCI_ATOMIC_COMP128 = 1 << 2
export const VFIO_DEVICE_INFO_ZPCI_FLAG_REFRESH = 1 // vfio_zdev.h, zpci_group.flags

// ---- Region info ----
export const VFIO_REGION_INFO_FLAG_READ = 1 << 0
export const VFIO_REGION_INFO_FLAG_WRITE = 1 << 1
export const VFIO_REGION_INFO_FLAG_MMAP = 1 << 2
export const VFIO_REGION_INFO_FLAG_CAPS = 1 << 3
// region-info capability ids
export const VFIO_REGION_INFO_CAP_SPARSE_MMAP = 1
export const VFIO_REGION_INFO_CAP_TYPE = 2
export const VFIO_REGION_INFO_CAP_MSIX_MAPPABLE = 3
export const VFIO_REGION_INFO_CAP_NVLINK2_SSATGT = 4 // deprecated, no longer provided
export const VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD = 5 // deprecated, no longer provided
// region types (CAP_TYPE.type); (1 << 31) in C, kept unsigned here because fields are __u32
export const VFIO_REGION_TYPE_PCI_VENDOR_TYPE = 0x8000_0000
export const VFIO_REGION_TYPE_PCI_VENDOR_MASK = 0xffff
export const VFIO_REGION_TYPE_GFX = 1
export const VFIO_REGION_TYPE_CCW = 2
export const VFIO_REGION_TYPE_MIGRATION_DEPRECATED = 3
// region subtypes (CAP_TYPE.subtype), per type
export const VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION = 1
export const VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG = 2
export const VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG = 3
export const VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM = 1
export const VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD = 1
export const VFIO_REGION_SUBTYPE_GFX_EDID = 1
export const VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD = 1
export const VFIO_REGION_SUBTYPE_CCW_SCHIB = 2
export const VFIO_REGION_SUBTYPE_CCW_CRW = 3
export const VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED = 1
// contents of typed regions
export const VFIO_DEVICE_GFX_LINK_STATE_UP = 1
export const VFIO_DEVICE_GFX_LINK_STATE_DOWN = 2
export const VFIO_CCW_ASYNC_CMD_HSCH = 1 << 0
export const VFIO_CCW_ASYNC_CMD_CSCH = 1 << 1
export const VFIO_DEVICE_STATE_V1_STOP = 0
export const VFIO_DEVICE_STATE_V1_RUNNING = 1 << 0
export const VFIO_DEVICE_STATE_V1_SAVING = 1 << 1
export const VFIO_DEVICE_STATE_V1_RESUMING = 1 << 2
export const VFIO_DEVICE_STATE_MASK = 0x7

// ---- IRQ info / SET_IRQS ----
export const VFIO_IRQ_INFO_EVENTFD = 1 << 0
export const VFIO_IRQ_INFO_MASKABLE = 1 << 1
export const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2
export const VFIO_IRQ_INFO_NORESIZE = 1 << 3
export const VFIO_IRQ_SET_DATA_NONE = 1 << 0
export const VFIO_IRQ_SET_DATA_BOOL = 1 << 1
export const VFIO_IRQ_SET_DATA_EVENTFD = 1 << 2
export const VFIO_IRQ_SET_ACTION_MASK = 1 << 3
export const VFIO_IRQ_SET_ACTION_UNMASK = 1 << 4
export const VFIO_IRQ_SET_ACTION_TRIGGER = 1 << 5
export const VFIO_IRQ_SET_DATA_TYPE_MASK = 0x07
export const VFIO_IRQ_SET_ACTION_TYPE_MASK = 0x38

// ---- Fixed indexes per bus driver (enums in C) ----
export const VFIO_PCI_BAR0_REGION_INDEX = 0
export const VFIO_PCI_BAR1_REGION_INDEX = 1
export const VFIO_PCI_BAR2_REGION_INDEX = 2
export const VFIO_PCI_BAR3_REGION_INDEX = 3
export const VFIO_PCI_BAR4_REGION_INDEX = 4
export const VFIO_PCI_BAR5_REGION_INDEX = 5
export const VFIO_PCI_ROM_REGION_INDEX = 6
export const VFIO_PCI_CONFIG_REGION_INDEX = 7
export const VFIO_PCI_VGA_REGION_INDEX = 8
export const VFIO_PCI_NUM_REGIONS = 9 // indexes >= 9 are device specific and carry CAP_TYPE
export const VFIO_PCI_INTX_IRQ_INDEX = 0
export const VFIO_PCI_MSI_IRQ_INDEX = 1
export const VFIO_PCI_MSIX_IRQ_INDEX = 2
export const VFIO_PCI_ERR_IRQ_INDEX = 3
export const VFIO_PCI_REQ_IRQ_INDEX = 4
export const VFIO_PCI_NUM_IRQS = 5
export const VFIO_CCW_CONFIG_REGION_INDEX = 0
export const VFIO_CCW_NUM_REGIONS = 1
export const VFIO_CCW_IO_IRQ_INDEX = 0
export const VFIO_CCW_CRW_IRQ_INDEX = 1
export const VFIO_CCW_REQ_IRQ_INDEX = 2
export const VFIO_CCW_NUM_IRQS = 3
export const VFIO_AP_REQ_IRQ_INDEX = 0
export const VFIO_AP_CFG_CHG_IRQ_INDEX = 1
export const VFIO_AP_NUM_IRQS = 2 // 1 in headers before CFG_CHG existed

// ---- PCI hot reset ----
export const VFIO_PCI_HOT_RESET_FLAG_DEV_ID = 1 << 0
export const VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED = 1 << 1
export const VFIO_PCI_DEVID_OWNED = 0
/** -1 in C; the field is __u32, so it reads back as 0xffffffff. */
export const VFIO_PCI_DEVID_NOT_OWNED = 0xffff_ffff

// ---- GFX plane (issued only as a PROBE, read-only.ts), ioeventfd (never issued) ----
export const VFIO_GFX_PLANE_TYPE_PROBE = 1 << 0
export const VFIO_GFX_PLANE_TYPE_DMABUF = 1 << 1
export const VFIO_GFX_PLANE_TYPE_REGION = 1 << 2
export const VFIO_DEVICE_IOEVENTFD_8 = 1 << 0
export const VFIO_DEVICE_IOEVENTFD_16 = 1 << 1
export const VFIO_DEVICE_IOEVENTFD_32 = 1 << 2
export const VFIO_DEVICE_IOEVENTFD_64 = 1 << 3
export const VFIO_DEVICE_IOEVENTFD_SIZE_MASK = 0xf

// ---- VFIO_DEVICE_FEATURE ----
export const VFIO_DEVICE_FEATURE_MASK = 0xffff
export const VFIO_DEVICE_FEATURE_GET = 1 << 16
export const VFIO_DEVICE_FEATURE_SET = 1 << 17
export const VFIO_DEVICE_FEATURE_PROBE = 1 << 18
export const VFIO_DEVICE_FEATURE_PCI_VF_TOKEN = 0
export const VFIO_DEVICE_FEATURE_MIGRATION = 1
export const VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE = 2
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY = 3
export const VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP = 4
export const VFIO_DEVICE_FEATURE_LOW_POWER_EXIT = 5
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_START = 6
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP = 7
export const VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT = 8
export const VFIO_DEVICE_FEATURE_MIG_DATA_SIZE = 9
export const VFIO_DEVICE_FEATURE_BUS_MASTER = 10
export const VFIO_DEVICE_FEATURE_DMA_BUF = 11
// vfio_device_feature_migration.flags
export const VFIO_MIGRATION_STOP_COPY = 1 << 0
export const VFIO_MIGRATION_P2P = 1 << 1
export const VFIO_MIGRATION_PRE_COPY = 1 << 2
// enum vfio_device_mig_state
export const VFIO_DEVICE_STATE_ERROR = 0
export const VFIO_DEVICE_STATE_STOP = 1
export const VFIO_DEVICE_STATE_RUNNING = 2
export const VFIO_DEVICE_STATE_STOP_COPY = 3
export const VFIO_DEVICE_STATE_RESUMING = 4
export const VFIO_DEVICE_STATE_RUNNING_P2P = 5
export const VFIO_DEVICE_STATE_PRE_COPY = 6
export const VFIO_DEVICE_STATE_PRE_COPY_P2P = 7
// vfio_device_feature_bus_master.op
export const VFIO_DEVICE_FEATURE_CLEAR_MASTER = 0
export const VFIO_DEVICE_FEATURE_SET_MASTER = 1

// ---- cdev: BIND / ATTACH / DETACH ----
export const VFIO_DEVICE_BIND_FLAG_TOKEN = 1 << 0
export const VFIO_DEVICE_ATTACH_PASID = 1 << 0
export const VFIO_DEVICE_DETACH_PASID = 1 << 0

// ---- type1 IOMMU ----
export const VFIO_IOMMU_INFO_PGSIZES = 1 << 0
export const VFIO_IOMMU_INFO_CAPS = 1 << 1
// type1 iommu-info capability ids
export const VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1
export const VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION = 2
export const VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL = 3
export const VFIO_DMA_MAP_FLAG_READ = 1 << 0
export const VFIO_DMA_MAP_FLAG_WRITE = 1 << 1
export const VFIO_DMA_MAP_FLAG_VADDR = 1 << 2
export const VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0
export const VFIO_DMA_UNMAP_FLAG_ALL = 1 << 1
export const VFIO_DMA_UNMAP_FLAG_VADDR = 1 << 2
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_START = 1 << 0
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP = 1 << 1
export const VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP = 1 << 2

// ---- sPAPR / EEH (names only) ----
export const VFIO_IOMMU_SPAPR_INFO_DDW = 1 << 0
export const VFIO_EEH_PE_DISABLE = 0
export const VFIO_EEH_PE_ENABLE = 1
export const VFIO_EEH_PE_UNFREEZE_IO = 2
export const VFIO_EEH_PE_UNFREEZE_DMA = 3
export const VFIO_EEH_PE_GET_STATE = 4
export const VFIO_EEH_PE_STATE_NORMAL = 0
export const VFIO_EEH_PE_STATE_RESET = 1
export const VFIO_EEH_PE_STATE_STOPPED = 2
export const VFIO_EEH_PE_STATE_STOPPED_DMA = 4
export const VFIO_EEH_PE_STATE_UNAVAIL = 5
export const VFIO_EEH_PE_RESET_DEACTIVATE = 5
export const VFIO_EEH_PE_RESET_HOT = 6
export const VFIO_EEH_PE_RESET_FUNDAMENTAL = 7
export const VFIO_EEH_PE_CONFIGURE = 8
export const VFIO_EEH_PE_INJECT_ERR = 9

// ---- iommufd values lsvfio decodes (enums in C) ----
export const IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0
export const IOMMU_IOAS_MAP_WRITEABLE = 1 << 1
export const IOMMU_IOAS_MAP_READABLE = 1 << 2
export const IOMMU_OPTION_RLIMIT_MODE = 0
export const IOMMU_OPTION_HUGE_PAGES = 1
export const IOMMU_OPTION_OP_SET = 0
export const IOMMU_OPTION_OP_GET = 1
export const IOMMU_VFIO_IOAS_GET = 0
export const IOMMU_VFIO_IOAS_SET = 1
export const IOMMU_VFIO_IOAS_CLEAR = 2
export const IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0
export const IOMMU_HW_INFO_TYPE_NONE = 0
export const IOMMU_HW_INFO_TYPE_DEFAULT = 0
export const IOMMU_HW_INFO_TYPE_INTEL_VTD = 1
export const IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2
export const IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3
export const IOMMU_HW_INFO_TYPE_AMD = 4
export const IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0
export const IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0
export const IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0
export const IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1
export const IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2
export const IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3

// ---- VFIO_DEVICE_QUERY_GFX_PLANE (struct vfio_device_gfx_plane_info, 64 bytes; flags above) ----
/** DRM_PLANE_TYPE_PRIMARY (drm_plane_type in the request) */
export const DRM_PLANE_TYPE_PRIMARY = 1
export const GFX_PLANE_INFO_SIZE = 64
