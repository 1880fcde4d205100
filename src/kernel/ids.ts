// The VFIO values code above src/kernel works with, typed: IOMMU models, PCI region and IRQ indexes,
// the container extensions and device features to probe, and the device flags it asks about. The
// numbers stay in src/kernel/abi; nothing that gathers, judges or renders imports it.
import type { IommuModel } from '../model/types.js'
import * as U from './abi/vfio-uapi.js'

export { EXTENSION_IDS, FEATURE_IDS, extensionName, featureName, pciIrqName, pciRegionName } from './abi/flags.js'

/** The VFIO_SET_IOMMU type of each model. */
const IOMMU_TYPE: Readonly<Record<IommuModel, number>> = { type1: U.VFIO_TYPE1_IOMMU, type1v2: U.VFIO_TYPE1v2_IOMMU, noiommu: U.VFIO_NOIOMMU_IOMMU }

export const iommuType = (m: IommuModel): number => IOMMU_TYPE[m]

/** The model to attach with: no-IOMMU for a noiommu group, else the best type1 the container offers. */
export function chooseIommuModel(noiommu: boolean, offers: (extension: number) => boolean): IommuModel | null {
  if (noiommu) return 'noiommu'
  return offers(U.VFIO_TYPE1v2_IOMMU) ? 'type1v2' : offers(U.VFIO_TYPE1_IOMMU) ? 'type1' : null
}

/** vfio-pci's fixed region and IRQ indexes that lsvfio treats specially. */
export const PCI_REGION = { config: U.VFIO_PCI_CONFIG_REGION_INDEX, vga: U.VFIO_PCI_VGA_REGION_INDEX } as const
export const PCI_IRQ = { err: U.VFIO_PCI_ERR_IRQ_INDEX } as const

/** Device features with more to ask once supported. */
export const FEATURE = { migration: U.VFIO_DEVICE_FEATURE_MIGRATION } as const

/** VFIO_DEVICE_FLAGS_PCI: a vfio-pci device (config region, PCI IRQ names, hot reset). */
export const isPciDevice = (flags: number): boolean => (flags & U.VFIO_DEVICE_FLAGS_PCI) !== 0
