// The kernel's VFIO answers as predicted from sysfs, and how they compared with the kernel's own.

/** A prediction of VFIO_DEVICE_GET_INFO / GET_REGION_INFO / GET_IRQ_INFO from sysfs alone. Every field
 * is optional: one that sysfs cannot settle is left out (and `unknown` says why), never guessed. */
export interface PredictedView {
  /** Device flags that can be predicted, each true or false (pci, reset, caps). */
  flags: Readonly<Record<string, boolean>>
  /** The reset vfio-pci would do on open: the first method of reset_method expected to work. */
  resetMethod?: string | null
  numRegions?: number
  numIrqs?: number
  regions: readonly PredictedRegion[]
  irqs: readonly PredictedIrq[]
  /** What could not be predicted, and why. */
  unknown: readonly string[]
}

export interface PredictedRegion {
  index: number
  name: string
  /** false: the kernel answers EINVAL (no VGA region). */
  available?: boolean
  size?: bigint
  offset?: bigint
  flagNames?: readonly string[]
}

export interface PredictedIrq {
  index: number
  name: string
  /** false: the kernel answers EINVAL (no ERR interrupt on this kernel for this device). */
  available?: boolean
  count?: number
  flagNames?: readonly string[]
}

export interface Agreement {
  /** e.g. "BAR0 size", "MSI-X count", "flags.reset" */
  field: string
  predicted: string
  kernel: string
  agree: boolean
}
