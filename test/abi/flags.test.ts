import { describe, expect, it } from 'vitest'
import {
  EXTENSION_IDS,
  FEATURE_IDS,
  apIrqName,
  atomicCompFlagNames,
  capName,
  ccwIrqName,
  ccwRegionName,
  deviceFlagNames,
  extensionName,
  featureName,
  groupFlagNames,
  hotResetFlagNames,
  hwCapabilityNames,
  hwInfoTypeName,
  iommuInfoFlagNames,
  irqFlagNames,
  migStateName,
  migrationFlagNames,
  pciIrqName,
  pciRegionName,
  regionFlagNames,
  regionTypeName,
  requestName,
} from '../../src/kernel/abi/flags.js'
import * as U from '../../src/kernel/abi/vfio-uapi.js'

describe('flag names', () => {
  it('device flags, all known bits in order', () => {
    expect(deviceFlagNames(0x1ff)).toEqual(['reset', 'pci', 'platform', 'amba', 'ccw', 'ap', 'fsl-mc', 'caps', 'cdx'])
    expect(deviceFlagNames(U.VFIO_DEVICE_FLAGS_PCI | U.VFIO_DEVICE_FLAGS_RESET)).toEqual(['reset', 'pci'])
    expect(deviceFlagNames(0)).toEqual([])
  })

  it('unknown bits come back as bit<N>, including bit 31', () => {
    expect(deviceFlagNames(0x202)).toEqual(['pci', 'bit9'])
    expect(regionFlagNames(0x8000_0001)).toEqual(['read', 'bit31'])
    expect(irqFlagNames(-1)).toEqual(['eventfd', 'maskable', 'automasked', 'noresize', ...Array.from({ length: 28 }, (_, i) => `bit${i + 4}`)])
  })

  it('region and irq flags as vfio-pci reports them (docs/vfio-abi.md, Device)', () => {
    expect(regionFlagNames(0xf)).toEqual(['read', 'write', 'mmap', 'caps'])
    expect(regionFlagNames(0x3)).toEqual(['read', 'write'])
    expect(irqFlagNames(0x7)).toEqual(['eventfd', 'maskable', 'automasked'])
    expect(irqFlagNames(0x9)).toEqual(['eventfd', 'noresize'])
  })

  it('group, iommu info, hot reset, atomic comp, hw caps', () => {
    expect(groupFlagNames(3)).toEqual(['viable', 'container-set'])
    expect(iommuInfoFlagNames(3)).toEqual(['pgsizes', 'caps'])
    expect(hotResetFlagNames(3)).toEqual(['dev-id', 'dev-id-owned'])
    expect(atomicCompFlagNames(7)).toEqual(['comp32', 'comp64', 'comp128'])
    expect(hwCapabilityNames(1n)).toEqual(['dirty-tracking'])
  })

  it('migration flags take the u64 bigint, and a number', () => {
    expect(migrationFlagNames(7n)).toEqual(['stop-copy', 'p2p', 'pre-copy'])
    expect(migrationFlagNames(1)).toEqual(['stop-copy'])
    expect(migrationFlagNames((1n << 40n) | 2n)).toEqual(['p2p', 'bit40'])
  })
})

describe('region types', () => {
  it('vendor types decode the PCI vendor id', () => {
    expect(regionTypeName(0x80008086, 1)).toEqual({ typeName: 'pci-vendor:8086', subtypeName: 'igd-opregion' })
    expect(regionTypeName(0x80008086, 3)).toEqual({ typeName: 'pci-vendor:8086', subtypeName: 'igd-lpc-cfg' })
    expect(regionTypeName(0x800010de, 1)).toEqual({ typeName: 'pci-vendor:10de', subtypeName: 'nvlink2-ram' })
    expect(regionTypeName(0x80001014, 1)).toEqual({ typeName: 'pci-vendor:1014', subtypeName: 'nvlink2-atsd' })
    expect(regionTypeName(0x80001af4, 2)).toEqual({ typeName: 'pci-vendor:1af4', subtypeName: '0x2' })
  })

  it('global types', () => {
    expect(regionTypeName(U.VFIO_REGION_TYPE_GFX, U.VFIO_REGION_SUBTYPE_GFX_EDID)).toEqual({ typeName: 'gfx', subtypeName: 'edid' })
    expect(regionTypeName(2, 3)).toEqual({ typeName: 'ccw', subtypeName: 'crw' })
    expect(regionTypeName(3, 1)).toEqual({ typeName: 'migration-deprecated', subtypeName: 'migration-deprecated' })
  })

  it('unknown values come back as hex', () => {
    expect(regionTypeName(0x1234, 0x56)).toEqual({ typeName: '0x1234', subtypeName: '0x56' })
    expect(regionTypeName(0x80018086, 1)).toEqual({ typeName: '0x80018086', subtypeName: '0x1' })
  })
})

describe('index names', () => {
  it('PCI regions and IRQs', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(pciRegionName)).toEqual(['BAR0', 'BAR1', 'BAR2', 'BAR3', 'BAR4', 'BAR5', 'ROM', 'CONFIG', 'VGA'])
    expect(pciRegionName(9)).toBeNull()
    expect(pciRegionName(-1)).toBeNull()
    expect([0, 1, 2, 3, 4].map(pciIrqName)).toEqual(['INTx', 'MSI', 'MSI-X', 'ERR', 'REQ'])
    expect(pciIrqName(5)).toBeNull()
  })

  it('CCW and AP', () => {
    expect(ccwRegionName(0)).toBe('CONFIG')
    expect(ccwRegionName(1)).toBeNull()
    expect([0, 1, 2].map(ccwIrqName)).toEqual(['IO', 'CRW', 'REQ'])
    expect([0, 1].map(apIrqName)).toEqual(['REQ', 'CFG_CHG'])
    expect(apIrqName(2)).toBeNull()
  })
})

describe('extensions, features, states', () => {
  it('extension ids 1..16 asked; 1..10 named, the rest raw', () => {
    expect(EXTENSION_IDS).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(EXTENSION_IDS.map(extensionName)).toEqual([
      'type1',
      'spapr-tce',
      'type1v2',
      'dma-cc',
      'eeh',
      'type1-nesting',
      'spapr-tce-v2',
      'noiommu',
      'unmap-all',
      'update-vaddr',
      'ext11',
      'ext12',
      'ext13',
      'ext14',
      'ext15',
      'ext16',
    ])
  })

  it('feature ids 0..15 probed; 0..11 named, the rest raw', () => {
    expect(FEATURE_IDS).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
    expect(featureName(U.VFIO_DEVICE_FEATURE_MIGRATION)).toBe('migration')
    expect(featureName(U.VFIO_DEVICE_FEATURE_DMA_BUF)).toBe('dma-buf')
    expect(new Set(FEATURE_IDS.map(featureName)).size).toBe(16)
    expect(FEATURE_IDS.slice(12).map(featureName)).toEqual(['feature12', 'feature13', 'feature14', 'feature15'])
  })

  it('migration states, hw info types', () => {
    expect(migStateName(U.VFIO_DEVICE_STATE_RUNNING)).toBe('running')
    expect(migStateName(U.VFIO_DEVICE_STATE_PRE_COPY_P2P)).toBe('pre-copy-p2p')
    expect(migStateName(8)).toBe('state8')
    expect(hwInfoTypeName(U.IOMMU_HW_INFO_TYPE_INTEL_VTD)).toBe('intel-vtd')
    expect(hwInfoTypeName(9)).toBe('type9')
  })
})

describe('names keyed by namespace or fd kind', () => {
  it('capability ids', () => {
    expect(capName('region', 3)).toBe('msix-mappable')
    expect(capName('iommu', 3)).toBe('dma-avail')
    expect(capName('device', 5)).toBe('pci-atomic-comp')
    expect(capName('device', 0)).toBe('cap0')
    expect(capName('iommu', 9)).toBe('cap9')
  })

  it('request numbers: 0x3B70 depends on the fd', () => {
    expect(requestName('device', U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO)).toBe('VFIO_DEVICE_GET_PCI_HOT_RESET_INFO')
    expect(requestName('container', 0x3b70)).toBe('VFIO_IOMMU_GET_INFO')
    expect(requestName('spapr', 0x3b70)).toBe('VFIO_IOMMU_SPAPR_TCE_GET_INFO')
    expect(requestName('migration', 0x3b79)).toBe('VFIO_MIG_GET_PRECOPY_INFO')
    expect(requestName('iommufd', U.IOMMU_GET_HW_INFO)).toBe('IOMMU_GET_HW_INFO')
    expect(requestName('group', U.VFIO_DEVICE_GET_INFO)).toBeNull()
    expect(requestName('iommufd', 0x3b95)).toBeNull()
  })

  it('every named request matches its constant', () => {
    const uapi: Record<string, unknown> = U
    for (const kind of ['container', 'spapr', 'group', 'device', 'migration', 'iommufd'] as const) {
      for (let req = 0x3b60; req < 0x3ba0; req++) {
        const name = requestName(kind, req)
        if (name !== null) expect([kind, name, uapi[name]]).toEqual([kind, name, req])
      }
    }
  })
})
