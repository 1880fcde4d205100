// The fix texts that more than one rule gives, each written once: whatever layer explains a problem
// (the listing, check, the readiness block) takes its commands from here.

const PCI = '/sys/bus/pci/devices'

/** Turning the IOMMU on: firmware first, then the kernel command line. */
export const ENABLE_IOMMU: readonly string[] = [
  'enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup',
  'boot with intel_iommu=on (Intel) or amd_iommu=on (AMD) and without iommu=off, then reboot',
]

/** Turning the SMMU on (arm64): firmware, then the kernel's driver; never the x86 switches. */
export const ENABLE_SMMU: readonly string[] = [
  'enable the SMMU in the firmware setup (ACPI machines describe it in the IORT table; a device tree needs an arm,smmu-v3 or arm,mmu-500 node and iommu-map / iommus links to the devices)',
  'use a kernel with the SMMU driver built in or loaded (CONFIG_ARM_SMMU_V3 for SMMUv3, CONFIG_ARM_SMMU for SMMUv1/v2 and MMU-500), then reboot',
]

/** The fix for turning the IOMMU on, for the host's architecture (unknown: the x86 one, as before). */
export const enableIommu = (arch: string | undefined): readonly string[] => (arch === 'arm64' ? ENABLE_SMMU : ENABLE_IOMMU)

export const ALLOW_UNSAFE_INTERRUPTS = 'unsafe: echo "options vfio_iommu_type1 allow_unsafe_interrupts=1" > /etc/modprobe.d/vfio.conf'

export const LOAD_VFIO_PCI = 'modprobe vfio-pci'

/** No-IOMMU mode: user space DMA without protection; for DPDK-like drivers, never for a VM. */
export const ENABLE_NOIOMMU = 'unsafe: modprobe vfio enable_unsafe_noiommu_mode=1'

// Host values (addresses, driver names, user names, node paths) go into a command line only when they
// are valid for their kind, and then shell-quoted; a value that is not gets no command, and the reason.
const KINDS = {
  'PCI address': /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/,
  'driver name': /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  'user name': /^([A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|\d+)$/,
  'VFIO node': /^\/dev\/(vfio\/(vfio|\d+|noiommu-\d+|devices\/vfio\d+)|iommu)$/,
} as const
export type ValueKind = keyof typeof KINDS

/** `v` quoted for a POSIX shell: as it is when it has no special character, else in single quotes. */
export const shellQuote = (v: string): string => (/^[A-Za-z0-9_.:/@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`)

/** The values, each checked for its kind and quoted; null when one is not valid. */
export function shellValues(values: readonly (readonly [ValueKind, string])[]): string[] | null {
  return values.every(([k, v]) => KINDS[k].test(v)) ? values.map(([, v]) => shellQuote(v)) : null
}

/** Said instead of a command whose value is not valid for its kind. */
export function noCommand(values: readonly (readonly [ValueKind, string])[]): string {
  const bad = values.find(([k, v]) => !KINDS[k].test(v))
  return bad === undefined ? '' : `no command shown: ${JSON.stringify(bad[1])} is not a valid ${bad[0]}`
}

/** The commands f builds from the checked values, or the one line saying why there is none. */
export function commands(values: readonly (readonly [ValueKind, string])[], f: (...quoted: string[]) => string[]): string[] {
  const q = shellValues(values)
  return q === null ? [noCommand(values)] : f(...q)
}

/** The command lines (alternatives, as root) that put a PCI device on vfio-pci. */
export function bindFix(bdf: string, bound: boolean, vfioPciLoaded: boolean): string[] {
  const q = shellValues([['PCI address', bdf]])
  if (q === null) return [noCommand([['PCI address', bdf]])]
  const address = q[0] ?? ''
  const pre = vfioPciLoaded ? '' : `${LOAD_VFIO_PCI}; `
  const sysfs = [`echo vfio-pci > ${PCI}/${address}/driver_override`, ...(bound ? [`echo ${address} > ${PCI}/${address}/driver/unbind`] : []), `echo ${address} > /sys/bus/pci/drivers_probe`]
  return [`${pre}driverctl set-override ${address} vfio-pci`, pre + sysfs.join('; ')]
}

/** A member that breaks its group's viability: bind it to vfio-pci, or leave it without a driver. */
export function blockerFix(bdf: string, vfioPciLoaded: boolean): string[] {
  return commands([['PCI address', bdf]], (address) => [...bindFix(bdf, true, vfioPciLoaded), `echo ${address} > ${PCI}/${address}/driver/unbind   # or leave it without a driver (also viable, until the next probe)`])
}
