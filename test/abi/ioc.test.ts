import { describe, expect, it } from 'vitest'
import { _IO, _IOR, _IOW, _IOWR, IOMMUFD_CMD_BASE, iocDecode, VFIO_BASE, VFIO_TYPE } from '../../src/kernel/abi/ioc.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'

describe('ioctl encoding', () => {
  it('has the VFIO bases', () => {
    expect(VFIO_TYPE).toBe(0x3b)
    expect(VFIO_TYPE).toBe(';'.charCodeAt(0))
    expect(VFIO_BASE).toBe(100)
    expect(IOMMUFD_CMD_BASE).toBe(0x80)
  })

  it('_IO carries no size and no direction', () => {
    expect(_IO(0x3b, 100)).toBe(0x3b64)
    expect(_IO(0x3b, 0x80)).toBe(0x3b80)
  })

  it('sized encodings match the asm-generic layout', () => {
    // docs/vfio-abi.md, Request numbers: what VFIO_DEVICE_GET_INFO would be if it were _IOWR (it is not)
    expect(_IOWR(0x3b, 107, 24)).toBe(0xc0183b6b)
    expect(_IOR(0x54, 0x1b, 4)).toBe(0x8004541b)
    expect(_IOW(0x54, 0x1b, 4)).toBe(0x4004541b)
    expect(iocDecode(0xc0183b6b)).toEqual({ dir: 3, type: 0x3b, nr: 107, size: 24 })
    expect(iocDecode(U.VFIO_DEVICE_GET_INFO)).toEqual({ dir: 0, type: 0x3b, nr: 107, size: 0 })
  })
})

describe('VFIO request numbers (docs/vfio-abi.md, Request numbers)', () => {
  const uapi: Record<string, unknown> = U
  const table: [string, number][] = [
    ['VFIO_GET_API_VERSION', 0x3b64],
    ['VFIO_CHECK_EXTENSION', 0x3b65],
    ['VFIO_SET_IOMMU', 0x3b66],
    ['VFIO_GROUP_GET_STATUS', 0x3b67],
    ['VFIO_GROUP_SET_CONTAINER', 0x3b68],
    ['VFIO_GROUP_UNSET_CONTAINER', 0x3b69],
    ['VFIO_GROUP_GET_DEVICE_FD', 0x3b6a],
    ['VFIO_DEVICE_GET_INFO', 0x3b6b],
    ['VFIO_DEVICE_GET_REGION_INFO', 0x3b6c],
    ['VFIO_DEVICE_GET_IRQ_INFO', 0x3b6d],
    ['VFIO_DEVICE_SET_IRQS', 0x3b6e],
    ['VFIO_DEVICE_RESET', 0x3b6f],
    ['VFIO_DEVICE_GET_PCI_HOT_RESET_INFO', 0x3b70],
    ['VFIO_IOMMU_GET_INFO', 0x3b70],
    ['VFIO_IOMMU_SPAPR_TCE_GET_INFO', 0x3b70],
    ['VFIO_DEVICE_PCI_HOT_RESET', 0x3b71],
    ['VFIO_IOMMU_MAP_DMA', 0x3b71],
    ['VFIO_DEVICE_QUERY_GFX_PLANE', 0x3b72],
    ['VFIO_IOMMU_UNMAP_DMA', 0x3b72],
    ['VFIO_DEVICE_GET_GFX_DMABUF', 0x3b73],
    ['VFIO_IOMMU_ENABLE', 0x3b73],
    ['VFIO_DEVICE_IOEVENTFD', 0x3b74],
    ['VFIO_IOMMU_DISABLE', 0x3b74],
    ['VFIO_DEVICE_FEATURE', 0x3b75],
    ['VFIO_IOMMU_DIRTY_PAGES', 0x3b75],
    ['VFIO_IOMMU_SPAPR_REGISTER_MEMORY', 0x3b75],
    ['VFIO_DEVICE_BIND_IOMMUFD', 0x3b76],
    ['VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY', 0x3b76],
    ['VFIO_DEVICE_ATTACH_IOMMUFD_PT', 0x3b77],
    ['VFIO_IOMMU_SPAPR_TCE_CREATE', 0x3b77],
    ['VFIO_DEVICE_DETACH_IOMMUFD_PT', 0x3b78],
    ['VFIO_IOMMU_SPAPR_TCE_REMOVE', 0x3b78],
    ['VFIO_MIG_GET_PRECOPY_INFO', 0x3b79],
    ['VFIO_EEH_PE_OP', 0x3b79],
  ]
  it.each(table)('%s', (name, expected) => {
    expect(uapi[name]).toBe(expected)
  })

  it('iommufd numbers run 0x3B80…0x3B94 and do not collide with VFIO', () => {
    const ours = [
      U.IOMMU_DESTROY,
      U.IOMMU_IOAS_ALLOC,
      U.IOMMU_IOAS_ALLOW_IOVAS,
      U.IOMMU_IOAS_COPY,
      U.IOMMU_IOAS_IOVA_RANGES,
      U.IOMMU_IOAS_MAP,
      U.IOMMU_IOAS_UNMAP,
      U.IOMMU_OPTION,
      U.IOMMU_VFIO_IOAS,
      U.IOMMU_HWPT_ALLOC,
      U.IOMMU_GET_HW_INFO,
      U.IOMMU_HWPT_SET_DIRTY_TRACKING,
      U.IOMMU_HWPT_GET_DIRTY_BITMAP,
      U.IOMMU_HWPT_INVALIDATE,
      U.IOMMU_FAULT_QUEUE_ALLOC,
      U.IOMMU_IOAS_MAP_FILE,
      U.IOMMU_VIOMMU_ALLOC,
      U.IOMMU_VDEVICE_ALLOC,
      U.IOMMU_IOAS_CHANGE_PROCESS,
      U.IOMMU_VEVENTQ_ALLOC,
      U.IOMMU_HW_QUEUE_ALLOC,
    ]
    expect(ours).toEqual(Array.from({ length: 21 }, (_, i) => 0x3b80 + i))
    expect(U.IOMMU_GET_HW_INFO).toBe(0x3b8a)
    expect(U.IOMMU_IOAS_IOVA_RANGES).toBe(0x3b84)
    expect(U.IOMMU_OPTION).toBe(0x3b87)
    expect(Math.max(U.VFIO_EEH_PE_OP, U.VFIO_MIG_GET_PRECOPY_INFO)).toBeLessThan(U.IOMMU_DESTROY)
  })
})

describe('extension ids and fixed indexes', () => {
  it("matches the kernel header's extension ids and vfio-pci's fixed indexes (docs/vfio-abi.md, Device)", () => {
    expect(U.VFIO_API_VERSION).toBe(0)
    expect([U.VFIO_TYPE1_IOMMU, U.VFIO_TYPE1v2_IOMMU, U.VFIO_NOIOMMU_IOMMU, U.VFIO_UPDATE_VADDR]).toEqual([1, 3, 8, 10])
    expect(U.VFIO_PCI_CONFIG_REGION_INDEX).toBe(7)
    expect(U.VFIO_PCI_NUM_REGIONS).toBe(9)
    expect(U.VFIO_PCI_NUM_IRQS).toBe(5)
    expect(U.VFIO_REGION_TYPE_PCI_VENDOR_TYPE).toBe(0x80000000)
    expect(U.VFIO_PCI_DEVID_NOT_OWNED).toBe(0xffffffff)
    expect(U.VFIO_DEVICE_FEATURE_PROBE | U.VFIO_DEVICE_FEATURE_GET | U.VFIO_DEVICE_FEATURE_MIGRATION).toBe(0x50001)
  })
})
