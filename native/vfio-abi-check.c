/*
 * vfio-abi-check: prints, as one JSON object, what the installed kernel UAPI headers say about every
 * struct, field and constant that lsvfio's TypeScript tables (src/kernel/abi/) hold:
 *   { "header": LINUX_VERSION_CODE, "headerVersion": "x.y.z",
 *     "sizes": {struct: sizeof}, "aligns": {struct: _Alignof},
 *     "offsets": {"struct.field": offsetof}, "fieldSizes": {"struct.field": sizeof},
 *     "consts": {NAME: value} }
 * Written by hand from the struct list in src/kernel/abi/layouts.ts and the names in vfio-uapi.ts.
 * Baseline: everything below is in the 6.1 headers (Debian 12 linux-libc-dev). Later additions are
 * guarded by #ifdef on a macro added in the same change; fields added without such a macro (e.g.
 * vfio_device_info.pad) are left out, and test/abi/layout.test.ts reports them as newer.
 * Build: cc -std=gnu11 -Wall -Wextra -Werror -o vfio-abi-check vfio-abi-check.c
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/version.h>
#include <linux/vfio.h>
#include <linux/vfio_ccw.h>
#include <linux/vfio_zdev.h>
#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#define HAVE_IOMMUFD_H 1
#endif
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "vfio-abi-check needs <linux/vfio.h> from 6.1 or newer"
#endif

struct rec {
	const char *name;
	long long value;
};
struct table {
	struct rec items[512];
	int n;
};
static struct table sizes, aligns, offsets, fieldsizes, consts;

static void add(struct table *t, const char *name, long long value)
{
	if (t->n == (int)(sizeof t->items / sizeof t->items[0])) {
		fprintf(stderr, "vfio-abi-check: table full at %s\n", name);
		exit(2);
	}
	t->items[t->n].name = name;
	t->items[t->n].value = value;
	t->n++;
}

static void print_table(const char *key, const struct table *t, int last)
{
	printf("  \"%s\": {", key);
	for (int i = 0; i < t->n; i++)
		printf("%s\n    \"%s\": %lld", i ? "," : "", t->items[i].name, t->items[i].value);
	printf("\n  }%s\n", last ? "" : ",");
}

#define S(s) (add(&sizes, #s, (long long)sizeof(struct s)), add(&aligns, #s, (long long)_Alignof(struct s)))
#define F(s, f) (add(&offsets, #s "." #f, (long long)offsetof(struct s, f)), \
		 add(&fieldsizes, #s "." #f, (long long)sizeof(((struct s *)0)->f)))
/* flexible array member: offset only (sizeof is not defined) */
#define FLEX(s, f) add(&offsets, #s "." #f, (long long)offsetof(struct s, f))
#define K(c) add(&consts, #c, (long long)(c))

static void vfio_structs(void)
{
	S(vfio_info_cap_header); F(vfio_info_cap_header, id); F(vfio_info_cap_header, version); F(vfio_info_cap_header, next);
	S(vfio_group_status); F(vfio_group_status, argsz); F(vfio_group_status, flags);
	S(vfio_device_info); F(vfio_device_info, argsz); F(vfio_device_info, flags); F(vfio_device_info, num_regions);
	F(vfio_device_info, num_irqs); F(vfio_device_info, cap_offset);
#ifdef VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP
	S(vfio_device_info_cap_pci_atomic_comp); F(vfio_device_info_cap_pci_atomic_comp, header);
	F(vfio_device_info_cap_pci_atomic_comp, flags); F(vfio_device_info_cap_pci_atomic_comp, reserved);
#endif
	S(vfio_region_info); F(vfio_region_info, argsz); F(vfio_region_info, flags); F(vfio_region_info, index);
	F(vfio_region_info, cap_offset); F(vfio_region_info, size); F(vfio_region_info, offset);
	S(vfio_region_sparse_mmap_area); F(vfio_region_sparse_mmap_area, offset); F(vfio_region_sparse_mmap_area, size);
	S(vfio_region_info_cap_sparse_mmap); F(vfio_region_info_cap_sparse_mmap, header);
	F(vfio_region_info_cap_sparse_mmap, nr_areas); F(vfio_region_info_cap_sparse_mmap, reserved);
	FLEX(vfio_region_info_cap_sparse_mmap, areas);
	S(vfio_region_info_cap_type); F(vfio_region_info_cap_type, header); F(vfio_region_info_cap_type, type);
	F(vfio_region_info_cap_type, subtype);
	S(vfio_region_gfx_edid); F(vfio_region_gfx_edid, edid_offset); F(vfio_region_gfx_edid, edid_max_size);
	F(vfio_region_gfx_edid, edid_size); F(vfio_region_gfx_edid, max_xres); F(vfio_region_gfx_edid, max_yres);
	F(vfio_region_gfx_edid, link_state);
	S(vfio_device_migration_info); F(vfio_device_migration_info, device_state); F(vfio_device_migration_info, reserved);
	F(vfio_device_migration_info, pending_bytes); F(vfio_device_migration_info, data_offset);
	F(vfio_device_migration_info, data_size);
	S(vfio_region_info_cap_nvlink2_ssatgt); F(vfio_region_info_cap_nvlink2_ssatgt, header);
	F(vfio_region_info_cap_nvlink2_ssatgt, tgt);
	S(vfio_region_info_cap_nvlink2_lnkspd); F(vfio_region_info_cap_nvlink2_lnkspd, header);
	F(vfio_region_info_cap_nvlink2_lnkspd, link_speed); F(vfio_region_info_cap_nvlink2_lnkspd, __pad);
	S(vfio_irq_info); F(vfio_irq_info, argsz); F(vfio_irq_info, flags); F(vfio_irq_info, index); F(vfio_irq_info, count);
	S(vfio_irq_set); F(vfio_irq_set, argsz); F(vfio_irq_set, flags); F(vfio_irq_set, index); F(vfio_irq_set, start);
	F(vfio_irq_set, count); FLEX(vfio_irq_set, data);
	S(vfio_pci_dependent_device); F(vfio_pci_dependent_device, group_id); F(vfio_pci_dependent_device, segment);
	F(vfio_pci_dependent_device, bus); F(vfio_pci_dependent_device, devfn);
#ifdef VFIO_PCI_DEVID_OWNED
	F(vfio_pci_dependent_device, devid);
#endif
	S(vfio_pci_hot_reset_info); F(vfio_pci_hot_reset_info, argsz); F(vfio_pci_hot_reset_info, flags);
	F(vfio_pci_hot_reset_info, count); FLEX(vfio_pci_hot_reset_info, devices);
	S(vfio_pci_hot_reset); F(vfio_pci_hot_reset, argsz); F(vfio_pci_hot_reset, flags); F(vfio_pci_hot_reset, count);
	FLEX(vfio_pci_hot_reset, group_fds);
	S(vfio_device_gfx_plane_info); F(vfio_device_gfx_plane_info, argsz); F(vfio_device_gfx_plane_info, flags);
	F(vfio_device_gfx_plane_info, drm_plane_type); F(vfio_device_gfx_plane_info, drm_format);
	F(vfio_device_gfx_plane_info, drm_format_mod); F(vfio_device_gfx_plane_info, width);
	F(vfio_device_gfx_plane_info, height); F(vfio_device_gfx_plane_info, stride); F(vfio_device_gfx_plane_info, size);
	F(vfio_device_gfx_plane_info, x_pos); F(vfio_device_gfx_plane_info, y_pos); F(vfio_device_gfx_plane_info, x_hot);
	F(vfio_device_gfx_plane_info, y_hot); F(vfio_device_gfx_plane_info, region_index);
	F(vfio_device_gfx_plane_info, dmabuf_id);
	S(vfio_device_ioeventfd); F(vfio_device_ioeventfd, argsz); F(vfio_device_ioeventfd, flags);
	F(vfio_device_ioeventfd, offset); F(vfio_device_ioeventfd, data); F(vfio_device_ioeventfd, fd);
	S(vfio_device_feature); F(vfio_device_feature, argsz); F(vfio_device_feature, flags); FLEX(vfio_device_feature, data);
	S(vfio_device_feature_migration); F(vfio_device_feature_migration, flags);
	S(vfio_device_feature_mig_state); F(vfio_device_feature_mig_state, device_state);
	F(vfio_device_feature_mig_state, data_fd);
	S(vfio_device_low_power_entry_with_wakeup); F(vfio_device_low_power_entry_with_wakeup, wakeup_eventfd);
	F(vfio_device_low_power_entry_with_wakeup, reserved);
	S(vfio_device_feature_dma_logging_control); F(vfio_device_feature_dma_logging_control, page_size);
	F(vfio_device_feature_dma_logging_control, num_ranges); F(vfio_device_feature_dma_logging_control, __reserved);
	F(vfio_device_feature_dma_logging_control, ranges);
	S(vfio_device_feature_dma_logging_range); F(vfio_device_feature_dma_logging_range, iova);
	F(vfio_device_feature_dma_logging_range, length);
	S(vfio_device_feature_dma_logging_report); F(vfio_device_feature_dma_logging_report, iova);
	F(vfio_device_feature_dma_logging_report, length); F(vfio_device_feature_dma_logging_report, page_size);
	F(vfio_device_feature_dma_logging_report, bitmap);
#ifdef VFIO_MIG_GET_PRECOPY_INFO
	S(vfio_precopy_info); F(vfio_precopy_info, argsz); F(vfio_precopy_info, flags);
	F(vfio_precopy_info, initial_bytes); F(vfio_precopy_info, dirty_bytes);
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
	S(vfio_device_feature_mig_data_size); F(vfio_device_feature_mig_data_size, stop_copy_length);
#endif
#ifdef VFIO_DEVICE_FEATURE_BUS_MASTER
	S(vfio_device_feature_bus_master); F(vfio_device_feature_bus_master, op);
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	S(vfio_region_dma_range); F(vfio_region_dma_range, offset); F(vfio_region_dma_range, length);
	S(vfio_device_feature_dma_buf); F(vfio_device_feature_dma_buf, region_index);
	F(vfio_device_feature_dma_buf, open_flags); F(vfio_device_feature_dma_buf, flags);
	F(vfio_device_feature_dma_buf, nr_ranges); FLEX(vfio_device_feature_dma_buf, dma_ranges);
#endif
#ifdef VFIO_DEVICE_BIND_IOMMUFD
	S(vfio_device_bind_iommufd); F(vfio_device_bind_iommufd, argsz); F(vfio_device_bind_iommufd, flags);
	F(vfio_device_bind_iommufd, iommufd); F(vfio_device_bind_iommufd, out_devid);
	S(vfio_device_attach_iommufd_pt); F(vfio_device_attach_iommufd_pt, argsz);
	F(vfio_device_attach_iommufd_pt, flags); F(vfio_device_attach_iommufd_pt, pt_id);
	S(vfio_device_detach_iommufd_pt); F(vfio_device_detach_iommufd_pt, argsz); F(vfio_device_detach_iommufd_pt, flags);
#endif
#ifdef VFIO_DEVICE_BIND_FLAG_TOKEN
	F(vfio_device_bind_iommufd, token_uuid_ptr);
#endif
#ifdef VFIO_DEVICE_ATTACH_PASID
	F(vfio_device_attach_iommufd_pt, pasid);
#endif
#ifdef VFIO_DEVICE_DETACH_PASID
	F(vfio_device_detach_iommufd_pt, pasid);
#endif
	S(vfio_iommu_type1_info); F(vfio_iommu_type1_info, argsz); F(vfio_iommu_type1_info, flags);
	F(vfio_iommu_type1_info, iova_pgsizes); F(vfio_iommu_type1_info, cap_offset);
	S(vfio_iova_range); F(vfio_iova_range, start); F(vfio_iova_range, end);
	S(vfio_iommu_type1_info_cap_iova_range); F(vfio_iommu_type1_info_cap_iova_range, header);
	F(vfio_iommu_type1_info_cap_iova_range, nr_iovas); F(vfio_iommu_type1_info_cap_iova_range, reserved);
	FLEX(vfio_iommu_type1_info_cap_iova_range, iova_ranges);
	S(vfio_iommu_type1_info_cap_migration); F(vfio_iommu_type1_info_cap_migration, header);
	F(vfio_iommu_type1_info_cap_migration, flags); F(vfio_iommu_type1_info_cap_migration, pgsize_bitmap);
	F(vfio_iommu_type1_info_cap_migration, max_dirty_bitmap_size);
	S(vfio_iommu_type1_info_dma_avail); F(vfio_iommu_type1_info_dma_avail, header);
	F(vfio_iommu_type1_info_dma_avail, avail);
	S(vfio_iommu_type1_dma_map); F(vfio_iommu_type1_dma_map, argsz); F(vfio_iommu_type1_dma_map, flags);
	F(vfio_iommu_type1_dma_map, vaddr); F(vfio_iommu_type1_dma_map, iova); F(vfio_iommu_type1_dma_map, size);
	S(vfio_bitmap); F(vfio_bitmap, pgsize); F(vfio_bitmap, size); F(vfio_bitmap, data);
	S(vfio_iommu_type1_dma_unmap); F(vfio_iommu_type1_dma_unmap, argsz); F(vfio_iommu_type1_dma_unmap, flags);
	F(vfio_iommu_type1_dma_unmap, iova); F(vfio_iommu_type1_dma_unmap, size); FLEX(vfio_iommu_type1_dma_unmap, data);
	S(vfio_iommu_type1_dirty_bitmap); F(vfio_iommu_type1_dirty_bitmap, argsz); F(vfio_iommu_type1_dirty_bitmap, flags);
	FLEX(vfio_iommu_type1_dirty_bitmap, data);
	S(vfio_iommu_type1_dirty_bitmap_get); F(vfio_iommu_type1_dirty_bitmap_get, iova);
	F(vfio_iommu_type1_dirty_bitmap_get, size); F(vfio_iommu_type1_dirty_bitmap_get, bitmap);
	S(vfio_iommu_spapr_tce_ddw_info); F(vfio_iommu_spapr_tce_ddw_info, pgsizes);
	F(vfio_iommu_spapr_tce_ddw_info, max_dynamic_windows_supported); F(vfio_iommu_spapr_tce_ddw_info, levels);
	S(vfio_iommu_spapr_tce_info); F(vfio_iommu_spapr_tce_info, argsz); F(vfio_iommu_spapr_tce_info, flags);
	F(vfio_iommu_spapr_tce_info, dma32_window_start); F(vfio_iommu_spapr_tce_info, dma32_window_size);
	F(vfio_iommu_spapr_tce_info, ddw);
	S(vfio_eeh_pe_err); F(vfio_eeh_pe_err, type); F(vfio_eeh_pe_err, func); F(vfio_eeh_pe_err, addr);
	F(vfio_eeh_pe_err, mask);
	S(vfio_eeh_pe_op); F(vfio_eeh_pe_op, argsz); F(vfio_eeh_pe_op, flags); F(vfio_eeh_pe_op, op); F(vfio_eeh_pe_op, err);
	S(vfio_iommu_spapr_register_memory); F(vfio_iommu_spapr_register_memory, argsz);
	F(vfio_iommu_spapr_register_memory, flags); F(vfio_iommu_spapr_register_memory, vaddr);
	F(vfio_iommu_spapr_register_memory, size);
	S(vfio_iommu_spapr_tce_create); F(vfio_iommu_spapr_tce_create, argsz); F(vfio_iommu_spapr_tce_create, flags);
	F(vfio_iommu_spapr_tce_create, page_shift); F(vfio_iommu_spapr_tce_create, __resv1);
	F(vfio_iommu_spapr_tce_create, window_size); F(vfio_iommu_spapr_tce_create, levels);
	F(vfio_iommu_spapr_tce_create, __resv2); F(vfio_iommu_spapr_tce_create, start_addr);
	S(vfio_iommu_spapr_tce_remove); F(vfio_iommu_spapr_tce_remove, argsz); F(vfio_iommu_spapr_tce_remove, flags);
	F(vfio_iommu_spapr_tce_remove, start_addr);
	/* vfio_zdev.h */
	S(vfio_device_info_cap_zpci_base); F(vfio_device_info_cap_zpci_base, header);
	F(vfio_device_info_cap_zpci_base, start_dma); F(vfio_device_info_cap_zpci_base, end_dma);
	F(vfio_device_info_cap_zpci_base, pchid); F(vfio_device_info_cap_zpci_base, vfn);
	F(vfio_device_info_cap_zpci_base, fmb_length); F(vfio_device_info_cap_zpci_base, pft);
	F(vfio_device_info_cap_zpci_base, gid); F(vfio_device_info_cap_zpci_base, fh);
	S(vfio_device_info_cap_zpci_group); F(vfio_device_info_cap_zpci_group, header);
	F(vfio_device_info_cap_zpci_group, dasm); F(vfio_device_info_cap_zpci_group, msi_addr);
	F(vfio_device_info_cap_zpci_group, flags); F(vfio_device_info_cap_zpci_group, mui);
	F(vfio_device_info_cap_zpci_group, noi); F(vfio_device_info_cap_zpci_group, maxstbl);
	F(vfio_device_info_cap_zpci_group, version); F(vfio_device_info_cap_zpci_group, reserved);
	F(vfio_device_info_cap_zpci_group, imaxstbl);
	S(vfio_device_info_cap_zpci_util); F(vfio_device_info_cap_zpci_util, header);
	F(vfio_device_info_cap_zpci_util, size); FLEX(vfio_device_info_cap_zpci_util, util_str);
	S(vfio_device_info_cap_zpci_pfip); F(vfio_device_info_cap_zpci_pfip, header);
	F(vfio_device_info_cap_zpci_pfip, size); FLEX(vfio_device_info_cap_zpci_pfip, pfip);
	/* vfio_ccw.h (packed) */
	S(ccw_io_region); F(ccw_io_region, orb_area); F(ccw_io_region, scsw_area); F(ccw_io_region, irb_area);
	F(ccw_io_region, ret_code);
	S(ccw_cmd_region); F(ccw_cmd_region, command); F(ccw_cmd_region, ret_code);
	S(ccw_schib_region); F(ccw_schib_region, schib_area);
	S(ccw_crw_region); F(ccw_crw_region, crw); F(ccw_crw_region, pad);
}

static void vfio_consts(void)
{
	K(VFIO_API_VERSION); K(VFIO_TYPE); K(VFIO_BASE);
	/* extensions */
	K(VFIO_TYPE1_IOMMU); K(VFIO_SPAPR_TCE_IOMMU); K(VFIO_TYPE1v2_IOMMU); K(VFIO_DMA_CC_IOMMU); K(VFIO_EEH);
	K(VFIO_SPAPR_TCE_v2_IOMMU); K(VFIO_NOIOMMU_IOMMU); K(VFIO_UNMAP_ALL); K(VFIO_UPDATE_VADDR);
#ifdef VFIO_TYPE1_NESTING_IOMMU /* renamed to the reserved name upstream */
	K(VFIO_TYPE1_NESTING_IOMMU);
#endif
#ifdef __VFIO_RESERVED_TYPE1_NESTING_IOMMU
	K(__VFIO_RESERVED_TYPE1_NESTING_IOMMU);
#endif
	/* requests */
	K(VFIO_GET_API_VERSION); K(VFIO_CHECK_EXTENSION); K(VFIO_SET_IOMMU); K(VFIO_GROUP_GET_STATUS);
	K(VFIO_GROUP_SET_CONTAINER); K(VFIO_GROUP_UNSET_CONTAINER); K(VFIO_GROUP_GET_DEVICE_FD); K(VFIO_DEVICE_GET_INFO);
	K(VFIO_DEVICE_GET_REGION_INFO); K(VFIO_DEVICE_GET_IRQ_INFO); K(VFIO_DEVICE_SET_IRQS); K(VFIO_DEVICE_RESET);
	K(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO); K(VFIO_DEVICE_PCI_HOT_RESET); K(VFIO_DEVICE_QUERY_GFX_PLANE);
	K(VFIO_DEVICE_GET_GFX_DMABUF); K(VFIO_DEVICE_IOEVENTFD); K(VFIO_DEVICE_FEATURE); K(VFIO_IOMMU_GET_INFO);
	K(VFIO_IOMMU_MAP_DMA); K(VFIO_IOMMU_UNMAP_DMA); K(VFIO_IOMMU_DIRTY_PAGES); K(VFIO_IOMMU_SPAPR_TCE_GET_INFO);
	K(VFIO_IOMMU_ENABLE); K(VFIO_IOMMU_DISABLE); K(VFIO_IOMMU_SPAPR_REGISTER_MEMORY);
	K(VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY); K(VFIO_IOMMU_SPAPR_TCE_CREATE); K(VFIO_IOMMU_SPAPR_TCE_REMOVE);
	K(VFIO_EEH_PE_OP);
#ifdef VFIO_DEVICE_BIND_IOMMUFD
	K(VFIO_DEVICE_BIND_IOMMUFD); K(VFIO_DEVICE_ATTACH_IOMMUFD_PT); K(VFIO_DEVICE_DETACH_IOMMUFD_PT);
#endif
#ifdef VFIO_MIG_GET_PRECOPY_INFO
	K(VFIO_MIG_GET_PRECOPY_INFO);
#endif
	/* group, device */
	K(VFIO_GROUP_FLAGS_VIABLE); K(VFIO_GROUP_FLAGS_CONTAINER_SET);
	K(VFIO_DEVICE_FLAGS_RESET); K(VFIO_DEVICE_FLAGS_PCI); K(VFIO_DEVICE_FLAGS_PLATFORM); K(VFIO_DEVICE_FLAGS_AMBA);
	K(VFIO_DEVICE_FLAGS_CCW); K(VFIO_DEVICE_FLAGS_AP); K(VFIO_DEVICE_FLAGS_FSL_MC); K(VFIO_DEVICE_FLAGS_CAPS);
#ifdef VFIO_DEVICE_FLAGS_CDX
	K(VFIO_DEVICE_FLAGS_CDX);
#endif
	K(VFIO_DEVICE_INFO_CAP_ZPCI_BASE); K(VFIO_DEVICE_INFO_CAP_ZPCI_GROUP); K(VFIO_DEVICE_INFO_CAP_ZPCI_UTIL);
	K(VFIO_DEVICE_INFO_CAP_ZPCI_PFIP); K(VFIO_DEVICE_INFO_ZPCI_FLAG_REFRESH);
#ifdef VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP
	K(VFIO_DEVICE_INFO_CAP_PCI_ATOMIC_COMP); K(VFIO_PCI_ATOMIC_COMP32); K(VFIO_PCI_ATOMIC_COMP64);
	K(VFIO_PCI_ATOMIC_COMP128);
#endif
	/* regions */
	K(VFIO_REGION_INFO_FLAG_READ); K(VFIO_REGION_INFO_FLAG_WRITE); K(VFIO_REGION_INFO_FLAG_MMAP);
	K(VFIO_REGION_INFO_FLAG_CAPS); K(VFIO_REGION_INFO_CAP_SPARSE_MMAP); K(VFIO_REGION_INFO_CAP_TYPE);
	K(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE); K(VFIO_REGION_INFO_CAP_NVLINK2_SSATGT);
	K(VFIO_REGION_INFO_CAP_NVLINK2_LNKSPD);
	K(VFIO_REGION_TYPE_PCI_VENDOR_TYPE); K(VFIO_REGION_TYPE_PCI_VENDOR_MASK); K(VFIO_REGION_TYPE_GFX);
	K(VFIO_REGION_TYPE_CCW); K(VFIO_REGION_TYPE_MIGRATION_DEPRECATED);
	K(VFIO_REGION_SUBTYPE_INTEL_IGD_OPREGION); K(VFIO_REGION_SUBTYPE_INTEL_IGD_HOST_CFG);
	K(VFIO_REGION_SUBTYPE_INTEL_IGD_LPC_CFG); K(VFIO_REGION_SUBTYPE_NVIDIA_NVLINK2_RAM);
	K(VFIO_REGION_SUBTYPE_IBM_NVLINK2_ATSD); K(VFIO_REGION_SUBTYPE_GFX_EDID); K(VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD);
	K(VFIO_REGION_SUBTYPE_CCW_SCHIB); K(VFIO_REGION_SUBTYPE_CCW_CRW); K(VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED);
	K(VFIO_DEVICE_GFX_LINK_STATE_UP); K(VFIO_DEVICE_GFX_LINK_STATE_DOWN); K(VFIO_CCW_ASYNC_CMD_HSCH);
	K(VFIO_CCW_ASYNC_CMD_CSCH); K(VFIO_DEVICE_STATE_V1_STOP); K(VFIO_DEVICE_STATE_V1_RUNNING);
	K(VFIO_DEVICE_STATE_V1_SAVING); K(VFIO_DEVICE_STATE_V1_RESUMING); K(VFIO_DEVICE_STATE_MASK);
	/* irqs */
	K(VFIO_IRQ_INFO_EVENTFD); K(VFIO_IRQ_INFO_MASKABLE); K(VFIO_IRQ_INFO_AUTOMASKED); K(VFIO_IRQ_INFO_NORESIZE);
	K(VFIO_IRQ_SET_DATA_NONE); K(VFIO_IRQ_SET_DATA_BOOL); K(VFIO_IRQ_SET_DATA_EVENTFD); K(VFIO_IRQ_SET_ACTION_MASK);
	K(VFIO_IRQ_SET_ACTION_UNMASK); K(VFIO_IRQ_SET_ACTION_TRIGGER); K(VFIO_IRQ_SET_DATA_TYPE_MASK);
	K(VFIO_IRQ_SET_ACTION_TYPE_MASK);
	/* fixed indexes (enums: always present; vfio-ap's enum is not in 6.1 and cannot be #ifdef'd) */
	K(VFIO_PCI_BAR0_REGION_INDEX); K(VFIO_PCI_BAR1_REGION_INDEX); K(VFIO_PCI_BAR2_REGION_INDEX);
	K(VFIO_PCI_BAR3_REGION_INDEX); K(VFIO_PCI_BAR4_REGION_INDEX); K(VFIO_PCI_BAR5_REGION_INDEX);
	K(VFIO_PCI_ROM_REGION_INDEX); K(VFIO_PCI_CONFIG_REGION_INDEX); K(VFIO_PCI_VGA_REGION_INDEX);
	K(VFIO_PCI_NUM_REGIONS); K(VFIO_PCI_INTX_IRQ_INDEX); K(VFIO_PCI_MSI_IRQ_INDEX); K(VFIO_PCI_MSIX_IRQ_INDEX);
	K(VFIO_PCI_ERR_IRQ_INDEX); K(VFIO_PCI_REQ_IRQ_INDEX); K(VFIO_PCI_NUM_IRQS);
	K(VFIO_CCW_CONFIG_REGION_INDEX); K(VFIO_CCW_NUM_REGIONS); K(VFIO_CCW_IO_IRQ_INDEX); K(VFIO_CCW_CRW_IRQ_INDEX);
	K(VFIO_CCW_REQ_IRQ_INDEX); K(VFIO_CCW_NUM_IRQS);
	/* hot reset */
#ifdef VFIO_PCI_HOT_RESET_FLAG_DEV_ID
	K(VFIO_PCI_HOT_RESET_FLAG_DEV_ID);
#endif
#ifdef VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED
	K(VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED);
#endif
#ifdef VFIO_PCI_DEVID_OWNED
	K(VFIO_PCI_DEVID_OWNED);
#endif
#ifdef VFIO_PCI_DEVID_NOT_OWNED
	K(VFIO_PCI_DEVID_NOT_OWNED);
#endif
	/* gfx plane, ioeventfd */
	K(VFIO_GFX_PLANE_TYPE_PROBE); K(VFIO_GFX_PLANE_TYPE_DMABUF); K(VFIO_GFX_PLANE_TYPE_REGION);
	K(VFIO_DEVICE_IOEVENTFD_8); K(VFIO_DEVICE_IOEVENTFD_16); K(VFIO_DEVICE_IOEVENTFD_32); K(VFIO_DEVICE_IOEVENTFD_64);
	K(VFIO_DEVICE_IOEVENTFD_SIZE_MASK);
	/* device features */
	K(VFIO_DEVICE_FEATURE_MASK); K(VFIO_DEVICE_FEATURE_GET); K(VFIO_DEVICE_FEATURE_SET); K(VFIO_DEVICE_FEATURE_PROBE);
	K(VFIO_DEVICE_FEATURE_PCI_VF_TOKEN); K(VFIO_DEVICE_FEATURE_MIGRATION); K(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE);
	K(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY); K(VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP);
	K(VFIO_DEVICE_FEATURE_LOW_POWER_EXIT); K(VFIO_DEVICE_FEATURE_DMA_LOGGING_START);
	K(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP); K(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT);
#ifdef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
	K(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE);
#endif
#ifdef VFIO_DEVICE_FEATURE_BUS_MASTER
	K(VFIO_DEVICE_FEATURE_BUS_MASTER); K(VFIO_DEVICE_FEATURE_CLEAR_MASTER); K(VFIO_DEVICE_FEATURE_SET_MASTER);
#endif
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	K(VFIO_DEVICE_FEATURE_DMA_BUF);
#endif
	K(VFIO_MIGRATION_STOP_COPY); K(VFIO_MIGRATION_P2P);
	K(VFIO_DEVICE_STATE_ERROR); K(VFIO_DEVICE_STATE_STOP); K(VFIO_DEVICE_STATE_RUNNING);
	K(VFIO_DEVICE_STATE_STOP_COPY); K(VFIO_DEVICE_STATE_RESUMING); K(VFIO_DEVICE_STATE_RUNNING_P2P);
#ifdef VFIO_MIGRATION_PRE_COPY /* the enum's PRE_COPY states came in the same change */
	K(VFIO_MIGRATION_PRE_COPY); K(VFIO_DEVICE_STATE_PRE_COPY); K(VFIO_DEVICE_STATE_PRE_COPY_P2P);
#endif
	/* cdev */
#ifdef VFIO_DEVICE_BIND_FLAG_TOKEN
	K(VFIO_DEVICE_BIND_FLAG_TOKEN);
#endif
#ifdef VFIO_DEVICE_ATTACH_PASID
	K(VFIO_DEVICE_ATTACH_PASID);
#endif
#ifdef VFIO_DEVICE_DETACH_PASID
	K(VFIO_DEVICE_DETACH_PASID);
#endif
	/* type1, sPAPR, EEH */
	K(VFIO_IOMMU_INFO_PGSIZES); K(VFIO_IOMMU_INFO_CAPS); K(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	K(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION); K(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	K(VFIO_DMA_MAP_FLAG_READ); K(VFIO_DMA_MAP_FLAG_WRITE); K(VFIO_DMA_MAP_FLAG_VADDR);
	K(VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP); K(VFIO_DMA_UNMAP_FLAG_ALL); K(VFIO_DMA_UNMAP_FLAG_VADDR);
	K(VFIO_IOMMU_DIRTY_PAGES_FLAG_START); K(VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP);
	K(VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP);
	K(VFIO_IOMMU_SPAPR_INFO_DDW); K(VFIO_EEH_PE_DISABLE); K(VFIO_EEH_PE_ENABLE); K(VFIO_EEH_PE_UNFREEZE_IO);
	K(VFIO_EEH_PE_UNFREEZE_DMA); K(VFIO_EEH_PE_GET_STATE); K(VFIO_EEH_PE_STATE_NORMAL); K(VFIO_EEH_PE_STATE_RESET);
	K(VFIO_EEH_PE_STATE_STOPPED); K(VFIO_EEH_PE_STATE_STOPPED_DMA); K(VFIO_EEH_PE_STATE_UNAVAIL);
	K(VFIO_EEH_PE_RESET_DEACTIVATE); K(VFIO_EEH_PE_RESET_HOT); K(VFIO_EEH_PE_RESET_FUNDAMENTAL);
	K(VFIO_EEH_PE_CONFIGURE); K(VFIO_EEH_PE_INJECT_ERR);
}

#ifdef HAVE_IOMMUFD_H
/* iommufd.h first shipped in 6.2; the part lsvfio uses. Later commands are guarded by their ioctl macro. */
static void iommufd_all(void)
{
	K(IOMMUFD_TYPE); K(IOMMUFD_CMD_BASE);
	K(IOMMU_DESTROY); K(IOMMU_IOAS_ALLOC); K(IOMMU_IOAS_ALLOW_IOVAS); K(IOMMU_IOAS_COPY); K(IOMMU_IOAS_IOVA_RANGES);
	K(IOMMU_IOAS_MAP); K(IOMMU_IOAS_UNMAP); K(IOMMU_OPTION); K(IOMMU_VFIO_IOAS);
	K(IOMMU_IOAS_MAP_FIXED_IOVA); K(IOMMU_IOAS_MAP_WRITEABLE); K(IOMMU_IOAS_MAP_READABLE);
	K(IOMMU_OPTION_RLIMIT_MODE); K(IOMMU_OPTION_HUGE_PAGES); K(IOMMU_OPTION_OP_SET); K(IOMMU_OPTION_OP_GET);
	K(IOMMU_VFIO_IOAS_GET); K(IOMMU_VFIO_IOAS_SET); K(IOMMU_VFIO_IOAS_CLEAR);
	S(iommu_destroy); F(iommu_destroy, size); F(iommu_destroy, id);
	S(iommu_ioas_alloc); F(iommu_ioas_alloc, size); F(iommu_ioas_alloc, flags); F(iommu_ioas_alloc, out_ioas_id);
	S(iommu_iova_range); F(iommu_iova_range, start); F(iommu_iova_range, last);
	S(iommu_ioas_iova_ranges); F(iommu_ioas_iova_ranges, size); F(iommu_ioas_iova_ranges, ioas_id);
	F(iommu_ioas_iova_ranges, num_iovas); F(iommu_ioas_iova_ranges, __reserved);
	F(iommu_ioas_iova_ranges, allowed_iovas); F(iommu_ioas_iova_ranges, out_iova_alignment);
	S(iommu_ioas_allow_iovas); F(iommu_ioas_allow_iovas, size); F(iommu_ioas_allow_iovas, ioas_id);
	F(iommu_ioas_allow_iovas, num_iovas); F(iommu_ioas_allow_iovas, __reserved);
	F(iommu_ioas_allow_iovas, allowed_iovas);
	S(iommu_ioas_map); F(iommu_ioas_map, size); F(iommu_ioas_map, flags); F(iommu_ioas_map, ioas_id);
	F(iommu_ioas_map, __reserved); F(iommu_ioas_map, user_va); F(iommu_ioas_map, length); F(iommu_ioas_map, iova);
	S(iommu_ioas_copy); F(iommu_ioas_copy, size); F(iommu_ioas_copy, flags); F(iommu_ioas_copy, dst_ioas_id);
	F(iommu_ioas_copy, src_ioas_id); F(iommu_ioas_copy, length); F(iommu_ioas_copy, dst_iova);
	F(iommu_ioas_copy, src_iova);
	S(iommu_ioas_unmap); F(iommu_ioas_unmap, size); F(iommu_ioas_unmap, ioas_id); F(iommu_ioas_unmap, iova);
	F(iommu_ioas_unmap, length);
	S(iommu_option); F(iommu_option, size); F(iommu_option, option_id); F(iommu_option, op);
	F(iommu_option, __reserved); F(iommu_option, object_id); F(iommu_option, val64);
	S(iommu_vfio_ioas); F(iommu_vfio_ioas, size); F(iommu_vfio_ioas, ioas_id); F(iommu_vfio_ioas, op);
	F(iommu_vfio_ioas, __reserved);
#ifdef IOMMU_HWPT_ALLOC
	K(IOMMU_HWPT_ALLOC);
#endif
#ifdef IOMMU_GET_HW_INFO /* 6.6: the 32-byte iommu_hw_info; its tail changed later, so only the stable head */
	K(IOMMU_GET_HW_INFO); K(IOMMU_HW_INFO_TYPE_NONE); K(IOMMU_HW_INFO_TYPE_INTEL_VTD);
	S(iommu_hw_info); F(iommu_hw_info, size); F(iommu_hw_info, flags); F(iommu_hw_info, dev_id);
	F(iommu_hw_info, data_len); F(iommu_hw_info, data_uptr); F(iommu_hw_info, out_data_type);
	S(iommu_hw_info_vtd); F(iommu_hw_info_vtd, flags); F(iommu_hw_info_vtd, __reserved);
	F(iommu_hw_info_vtd, cap_reg); F(iommu_hw_info_vtd, ecap_reg);
#endif
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP /* 6.7: dirty tracking, with out_capabilities */
	K(IOMMU_HWPT_SET_DIRTY_TRACKING); K(IOMMU_HWPT_GET_DIRTY_BITMAP); K(IOMMU_HW_CAP_DIRTY_TRACKING);
	F(iommu_hw_info, out_capabilities);
	S(iommu_hwpt_set_dirty_tracking); F(iommu_hwpt_set_dirty_tracking, size);
	F(iommu_hwpt_set_dirty_tracking, flags); F(iommu_hwpt_set_dirty_tracking, hwpt_id);
	F(iommu_hwpt_set_dirty_tracking, __reserved);
	S(iommu_hwpt_get_dirty_bitmap); F(iommu_hwpt_get_dirty_bitmap, size); F(iommu_hwpt_get_dirty_bitmap, hwpt_id);
	F(iommu_hwpt_get_dirty_bitmap, flags); F(iommu_hwpt_get_dirty_bitmap, __reserved);
	F(iommu_hwpt_get_dirty_bitmap, iova); F(iommu_hwpt_get_dirty_bitmap, length);
	F(iommu_hwpt_get_dirty_bitmap, page_size); F(iommu_hwpt_get_dirty_bitmap, data);
#endif
#ifdef IOMMU_HWPT_INVALIDATE /* 6.8: VT-d stage-1 invalidation, with the erratum flag of the VT-d data */
	K(IOMMU_HWPT_INVALIDATE); K(IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17);
#endif
#ifdef IOMMU_VIOMMU_ALLOC /* 6.13: vIOMMU and SMMUv3 nesting, which brought the SMMUv3 data */
	K(IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	S(iommu_hw_info_arm_smmuv3); F(iommu_hw_info_arm_smmuv3, flags); F(iommu_hw_info_arm_smmuv3, __reserved);
	F(iommu_hw_info_arm_smmuv3, idr); F(iommu_hw_info_arm_smmuv3, iidr); F(iommu_hw_info_arm_smmuv3, aidr);
#endif
#ifdef IOMMU_HW_QUEUE_ALLOC /* 6.17: hardware queues, with the Tegra241 CMDQV data */
	K(IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV);
	S(iommu_hw_info_tegra241_cmdqv); F(iommu_hw_info_tegra241_cmdqv, flags);
	F(iommu_hw_info_tegra241_cmdqv, version); F(iommu_hw_info_tegra241_cmdqv, log2vcmdqs);
	F(iommu_hw_info_tegra241_cmdqv, log2vsids); F(iommu_hw_info_tegra241_cmdqv, __reserved);
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC
	K(IOMMU_FAULT_QUEUE_ALLOC);
#endif
#ifdef IOMMU_IOAS_MAP_FILE
	K(IOMMU_IOAS_MAP_FILE);
#endif
#ifdef IOMMU_VIOMMU_ALLOC
	K(IOMMU_VIOMMU_ALLOC);
#endif
#ifdef IOMMU_VDEVICE_ALLOC
	K(IOMMU_VDEVICE_ALLOC);
#endif
#ifdef IOMMU_IOAS_CHANGE_PROCESS
	K(IOMMU_IOAS_CHANGE_PROCESS);
#endif
#ifdef IOMMU_VEVENTQ_ALLOC
	K(IOMMU_VEVENTQ_ALLOC);
#endif
#ifdef IOMMU_HW_QUEUE_ALLOC
	K(IOMMU_HW_QUEUE_ALLOC);
#endif
}
#endif

int main(void)
{
	vfio_structs();
	vfio_consts();
#ifdef HAVE_IOMMUFD_H
	iommufd_all();
#endif
	printf("{\n  \"header\": %d,\n", LINUX_VERSION_CODE);
	printf("  \"headerVersion\": \"%d.%d.%d\",\n", LINUX_VERSION_CODE >> 16, (LINUX_VERSION_CODE >> 8) & 0xff,
	       LINUX_VERSION_CODE & 0xff);
	printf("  \"iommufdHeader\": %s,\n",
#ifdef HAVE_IOMMUFD_H
	       "true"
#else
	       "false"
#endif
	);
	print_table("sizes", &sizes, 0);
	print_table("aligns", &aligns, 0);
	print_table("offsets", &offsets, 0);
	print_table("fieldSizes", &fieldsizes, 0);
	print_table("consts", &consts, 1);
	printf("}\n");
	return 0;
}
