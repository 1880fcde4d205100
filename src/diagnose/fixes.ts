// The fix texts that more than one rule gives, each written once: whatever layer explains a problem
// (the listing, check, the readiness block) takes its commands from here.

const PCI = '/sys/bus/pci/devices'

/** Turning the IOMMU on: firmware first, then the kernel command line. */
export const ENABLE_IOMMU: readonly string[] = [
  'enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup',
  'boot with intel_iommu=on (Intel) or amd_iommu=on (AMD) and without iommu=off, then reboot',
]

export const LOAD_VFIO_PCI = 'modprobe vfio-pci'

/** No-IOMMU mode: user space DMA without protection; for DPDK-like drivers, never for a VM. */
export const ENABLE_NOIOMMU = 'unsafe: modprobe vfio enable_unsafe_noiommu_mode=1'

/** The command lines (alternatives, as root) that put a PCI device on vfio-pci. */
export function bindFix(address: string, bound: boolean, vfioPciLoaded: boolean): string[] {
  const pre = vfioPciLoaded ? '' : `${LOAD_VFIO_PCI}; `
  const sysfs = [`echo vfio-pci > ${PCI}/${address}/driver_override`, ...(bound ? [`echo ${address} > ${PCI}/${address}/driver/unbind`] : []), `echo ${address} > /sys/bus/pci/drivers_probe`]
  return [`${pre}driverctl set-override ${address} vfio-pci`, pre + sysfs.join('; ')]
}

/** A member that breaks its group's viability: bind it to vfio-pci, or leave it without a driver. */
export function blockerFix(address: string, vfioPciLoaded: boolean): string[] {
  return [...bindFix(address, true, vfioPciLoaded), `echo ${address} > ${PCI}/${address}/driver/unbind   # or leave it without a driver (also viable, until the next probe)`]
}
