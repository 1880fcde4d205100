// Byte layouts (x86-64/arm64 LP64) of every VFIO/iommufd struct lsvfio encodes, decodes or names, keyed by
// C struct name. Offsets are hard-coded from the C headers' LP64 layout, not computed: the point is that
// native/vfio-abi-check.c can hold them against a real compiler and header (test/abi/layout.test.ts).
// A flexible array member has size 0. Union members share an offset.

export interface FieldLayout {
  offset: number
  size: number
}

export interface StructLayout {
  size: number
  fields: Record<string, FieldLayout>
}

type Field = readonly [name: string, offset: number, size: number]

function struct(size: number, ...fields: Field[]): StructLayout {
  const out: Record<string, FieldLayout> = {}
  for (const [name, offset, fsize] of fields) out[name] = Object.freeze({ offset, size: fsize })
  return Object.freeze({ size, fields: Object.freeze(out) })
}

const HDR: Field = ['header', 0, 8]
const ARGSZ: Field = ['argsz', 0, 4]
const FLAGS: Field = ['flags', 4, 4]
const SIZE: Field = ['size', 0, 4] // iommufd structs start with size, not argsz

export const LAYOUTS: Record<string, StructLayout> = Object.freeze({
  // ---- vfio.h: common ----
  vfio_info_cap_header: struct(8, ['id', 0, 2], ['version', 2, 2], ['next', 4, 4]),
  vfio_group_status: struct(8, ARGSZ, FLAGS),
  // pad is missing in 6.1 headers (sizeof 20 there); the kernel accepts argsz 24 on every version.
  vfio_device_info: struct(24, ARGSZ, FLAGS, ['num_regions', 8, 4], ['num_irqs', 12, 4], ['cap_offset', 16, 4], ['pad', 20, 4]),
  vfio_device_info_cap_pci_atomic_comp: struct(16, HDR, ['flags', 8, 4], ['reserved', 12, 4]),

  // ---- regions ----
  vfio_region_info: struct(32, ARGSZ, FLAGS, ['index', 8, 4], ['cap_offset', 12, 4], ['size', 16, 8], ['offset', 24, 8]),
  vfio_region_sparse_mmap_area: struct(16, ['offset', 0, 8], ['size', 8, 8]),
  vfio_region_info_cap_sparse_mmap: struct(16, HDR, ['nr_areas', 8, 4], ['reserved', 12, 4], ['areas', 16, 0]),
  vfio_region_info_cap_type: struct(16, HDR, ['type', 8, 4], ['subtype', 12, 4]),
  vfio_region_gfx_edid: struct(
    24,
    ['edid_offset', 0, 4],
    ['edid_max_size', 4, 4],
    ['edid_size', 8, 4],
    ['max_xres', 12, 4],
    ['max_yres', 16, 4],
    ['link_state', 20, 4],
  ),
  vfio_device_migration_info: struct(
    32,
    ['device_state', 0, 4],
    ['reserved', 4, 4],
    ['pending_bytes', 8, 8],
    ['data_offset', 16, 8],
    ['data_size', 24, 8],
  ),
  vfio_region_info_cap_nvlink2_ssatgt: struct(16, HDR, ['tgt', 8, 8]),
  vfio_region_info_cap_nvlink2_lnkspd: struct(16, HDR, ['link_speed', 8, 4], ['__pad', 12, 4]),

  // ---- irqs ----
  vfio_irq_info: struct(16, ARGSZ, FLAGS, ['index', 8, 4], ['count', 12, 4]),
  vfio_irq_set: struct(20, ARGSZ, FLAGS, ['index', 8, 4], ['start', 12, 4], ['count', 16, 4], ['data', 20, 0]),

  // ---- PCI hot reset ----
  vfio_pci_dependent_device: struct(8, ['group_id', 0, 4], ['devid', 0, 4], ['segment', 4, 2], ['bus', 6, 1], ['devfn', 7, 1]),
  vfio_pci_hot_reset_info: struct(12, ARGSZ, FLAGS, ['count', 8, 4], ['devices', 12, 0]),
  vfio_pci_hot_reset: struct(12, ARGSZ, FLAGS, ['count', 8, 4], ['group_fds', 12, 0]),

  // ---- gfx plane, ioeventfd ----
  vfio_device_gfx_plane_info: struct(
    64,
    ARGSZ,
    FLAGS,
    ['drm_plane_type', 8, 4],
    ['drm_format', 12, 4],
    ['drm_format_mod', 16, 8],
    ['width', 24, 4],
    ['height', 28, 4],
    ['stride', 32, 4],
    ['size', 36, 4],
    ['x_pos', 40, 4],
    ['y_pos', 44, 4],
    ['x_hot', 48, 4],
    ['y_hot', 52, 4],
    ['region_index', 56, 4],
    ['dmabuf_id', 56, 4],
    ['reserved', 60, 4],
  ),
  vfio_device_ioeventfd: struct(32, ARGSZ, FLAGS, ['offset', 8, 8], ['data', 16, 8], ['fd', 24, 4], ['reserved', 28, 4]),

  // ---- device features ----
  vfio_device_feature: struct(8, ARGSZ, FLAGS, ['data', 8, 0]),
  vfio_device_feature_migration: struct(8, ['flags', 0, 8]),
  vfio_device_feature_mig_state: struct(8, ['device_state', 0, 4], ['data_fd', 4, 4]),
  vfio_precopy_info: struct(24, ARGSZ, FLAGS, ['initial_bytes', 8, 8], ['dirty_bytes', 16, 8]),
  vfio_device_low_power_entry_with_wakeup: struct(8, ['wakeup_eventfd', 0, 4], ['reserved', 4, 4]),
  vfio_device_feature_dma_logging_control: struct(
    24,
    ['page_size', 0, 8],
    ['num_ranges', 8, 4],
    ['__reserved', 12, 4],
    ['ranges', 16, 8],
  ),
  vfio_device_feature_dma_logging_range: struct(16, ['iova', 0, 8], ['length', 8, 8]),
  vfio_device_feature_dma_logging_report: struct(32, ['iova', 0, 8], ['length', 8, 8], ['page_size', 16, 8], ['bitmap', 24, 8]),
  vfio_device_feature_mig_data_size: struct(8, ['stop_copy_length', 0, 8]),
  vfio_device_feature_bus_master: struct(4, ['op', 0, 4]),
  vfio_region_dma_range: struct(16, ['offset', 0, 8], ['length', 8, 8]),
  vfio_device_feature_dma_buf: struct(
    16,
    ['region_index', 0, 4],
    ['open_flags', 4, 4],
    ['flags', 8, 4],
    ['nr_ranges', 12, 4],
    ['dma_ranges', 16, 0],
  ),

  // ---- cdev ----
  vfio_device_bind_iommufd: struct(24, ARGSZ, FLAGS, ['iommufd', 8, 4], ['out_devid', 12, 4], ['token_uuid_ptr', 16, 8]),
  vfio_device_attach_iommufd_pt: struct(16, ARGSZ, FLAGS, ['pt_id', 8, 4], ['pasid', 12, 4]),
  vfio_device_detach_iommufd_pt: struct(12, ARGSZ, FLAGS, ['pasid', 8, 4]),

  // ---- type1 IOMMU ----
  vfio_iommu_type1_info: struct(24, ARGSZ, FLAGS, ['iova_pgsizes', 8, 8], ['cap_offset', 16, 4], ['pad', 20, 4]),
  vfio_iova_range: struct(16, ['start', 0, 8], ['end', 8, 8]),
  vfio_iommu_type1_info_cap_iova_range: struct(16, HDR, ['nr_iovas', 8, 4], ['reserved', 12, 4], ['iova_ranges', 16, 0]),
  // pgsize_bitmap is a plain __u64: 16 on LP64 (it would be 12 on i386).
  vfio_iommu_type1_info_cap_migration: struct(32, HDR, ['flags', 8, 4], ['pgsize_bitmap', 16, 8], ['max_dirty_bitmap_size', 24, 8]),
  vfio_iommu_type1_info_dma_avail: struct(12, HDR, ['avail', 8, 4]),
  vfio_iommu_type1_dma_map: struct(32, ARGSZ, FLAGS, ['vaddr', 8, 8], ['iova', 16, 8], ['size', 24, 8]),
  vfio_bitmap: struct(24, ['pgsize', 0, 8], ['size', 8, 8], ['data', 16, 8]),
  vfio_iommu_type1_dma_unmap: struct(24, ARGSZ, FLAGS, ['iova', 8, 8], ['size', 16, 8], ['data', 24, 0]),
  vfio_iommu_type1_dirty_bitmap: struct(8, ARGSZ, FLAGS, ['data', 8, 0]),
  vfio_iommu_type1_dirty_bitmap_get: struct(40, ['iova', 0, 8], ['size', 8, 8], ['bitmap', 16, 24]),

  // ---- sPAPR / EEH ----
  vfio_iommu_spapr_tce_ddw_info: struct(16, ['pgsizes', 0, 8], ['max_dynamic_windows_supported', 8, 4], ['levels', 12, 4]),
  vfio_iommu_spapr_tce_info: struct(
    32,
    ARGSZ,
    FLAGS,
    ['dma32_window_start', 8, 4],
    ['dma32_window_size', 12, 4],
    ['ddw', 16, 16],
  ),
  vfio_eeh_pe_err: struct(24, ['type', 0, 4], ['func', 4, 4], ['addr', 8, 8], ['mask', 16, 8]),
  vfio_eeh_pe_op: struct(40, ARGSZ, FLAGS, ['op', 8, 4], ['err', 16, 24]),
  vfio_iommu_spapr_register_memory: struct(24, ARGSZ, FLAGS, ['vaddr', 8, 8], ['size', 16, 8]),
  vfio_iommu_spapr_tce_create: struct(
    40,
    ARGSZ,
    FLAGS,
    ['page_shift', 8, 4],
    ['__resv1', 12, 4],
    ['window_size', 16, 8],
    ['levels', 24, 4],
    ['__resv2', 28, 4],
    ['start_addr', 32, 8],
  ),
  vfio_iommu_spapr_tce_remove: struct(16, ARGSZ, FLAGS, ['start_addr', 8, 8]),

  // ---- vfio_zdev.h (device-info caps 1-4; v1 ends at gid / version, v2 adds the tail) ----
  vfio_device_info_cap_zpci_base: struct(
    40,
    HDR,
    ['start_dma', 8, 8],
    ['end_dma', 16, 8],
    ['pchid', 24, 2],
    ['vfn', 26, 2],
    ['fmb_length', 28, 2],
    ['pft', 30, 1],
    ['gid', 31, 1],
    ['fh', 32, 4],
  ),
  vfio_device_info_cap_zpci_group: struct(
    48,
    HDR,
    ['dasm', 8, 8],
    ['msi_addr', 16, 8],
    ['flags', 24, 8],
    ['mui', 32, 2],
    ['noi', 34, 2],
    ['maxstbl', 36, 2],
    ['version', 38, 1],
    ['reserved', 39, 1],
    ['imaxstbl', 40, 2],
  ),
  vfio_device_info_cap_zpci_util: struct(12, HDR, ['size', 8, 4], ['util_str', 12, 0]),
  vfio_device_info_cap_zpci_pfip: struct(12, HDR, ['size', 8, 4], ['pfip', 12, 0]),

  // ---- vfio_ccw.h (packed) ----
  ccw_io_region: struct(124, ['orb_area', 0, 12], ['scsw_area', 12, 12], ['irb_area', 24, 96], ['ret_code', 120, 4]),
  ccw_cmd_region: struct(8, ['command', 0, 4], ['ret_code', 4, 4]),
  ccw_schib_region: struct(52, ['schib_area', 0, 52]),
  ccw_crw_region: struct(8, ['crw', 0, 4], ['pad', 4, 4]),

  // ---- iommufd.h ----
  iommu_destroy: struct(8, SIZE, ['id', 4, 4]),
  iommu_ioas_alloc: struct(12, SIZE, ['flags', 4, 4], ['out_ioas_id', 8, 4]),
  iommu_iova_range: struct(16, ['start', 0, 8], ['last', 8, 8]),
  iommu_ioas_iova_ranges: struct(
    32,
    SIZE,
    ['ioas_id', 4, 4],
    ['num_iovas', 8, 4],
    ['__reserved', 12, 4],
    ['allowed_iovas', 16, 8],
    ['out_iova_alignment', 24, 8],
  ),
  iommu_ioas_allow_iovas: struct(24, SIZE, ['ioas_id', 4, 4], ['num_iovas', 8, 4], ['__reserved', 12, 4], ['allowed_iovas', 16, 8]),
  iommu_ioas_map: struct(
    40,
    SIZE,
    ['flags', 4, 4],
    ['ioas_id', 8, 4],
    ['__reserved', 12, 4],
    ['user_va', 16, 8],
    ['length', 24, 8],
    ['iova', 32, 8],
  ),
  iommu_ioas_copy: struct(
    40,
    SIZE,
    ['flags', 4, 4],
    ['dst_ioas_id', 8, 4],
    ['src_ioas_id', 12, 4],
    ['length', 16, 8],
    ['dst_iova', 24, 8],
    ['src_iova', 32, 8],
  ),
  iommu_ioas_unmap: struct(24, SIZE, ['ioas_id', 4, 4], ['iova', 8, 8], ['length', 16, 8]),
  iommu_option: struct(
    24,
    SIZE,
    ['option_id', 4, 4],
    ['op', 8, 2],
    ['__reserved', 10, 2],
    ['object_id', 12, 4],
    ['val64', 16, 8],
  ),
  iommu_vfio_ioas: struct(12, SIZE, ['ioas_id', 4, 4], ['op', 8, 2], ['__reserved', 10, 2]),
  // 6.6 headers: 32 bytes, __u32 __reserved at 28 and no out_capabilities; 6.7 added out_capabilities.
  iommu_hw_info: struct(
    40,
    SIZE,
    ['flags', 4, 4],
    ['dev_id', 8, 4],
    ['data_len', 12, 4],
    ['data_uptr', 16, 8],
    ['in_data_type', 24, 4],
    ['out_data_type', 24, 4],
    ['out_max_pasid_log2', 28, 1],
    ['__reserved', 29, 3],
    ['out_capabilities', 32, 8],
  ),
  iommu_hw_info_vtd: struct(24, ['flags', 0, 4], ['__reserved', 4, 4], ['cap_reg', 8, 8], ['ecap_reg', 16, 8]),
  iommu_hw_info_arm_smmuv3: struct(40, ['flags', 0, 4], ['__reserved', 4, 4], ['idr', 8, 24], ['iidr', 32, 4], ['aidr', 36, 4]),
  iommu_hw_info_tegra241_cmdqv: struct(
    8,
    ['flags', 0, 4],
    ['version', 4, 1],
    ['log2vcmdqs', 5, 1],
    ['log2vsids', 6, 1],
    ['__reserved', 7, 1],
  ),
  iommu_hwpt_set_dirty_tracking: struct(16, SIZE, ['flags', 4, 4], ['hwpt_id', 8, 4], ['__reserved', 12, 4]),
  iommu_hwpt_get_dirty_bitmap: struct(
    48,
    SIZE,
    ['hwpt_id', 4, 4],
    ['flags', 8, 4],
    ['__reserved', 12, 4],
    ['iova', 16, 8],
    ['length', 24, 8],
    ['page_size', 32, 8],
    ['data', 40, 8],
  ),
})
