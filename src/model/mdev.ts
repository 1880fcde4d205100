// Mediated devices in the plain model: parents and their types, mdevctl's definitions, an mdev's own
// facts, and the display probe of an opened one.

export interface MdevInventory {
  /** Every device with mdev_supported_types (/sys/class/mdev_bus): PCI or not. */
  parents: readonly MdevParent[]
  /** mdevctl's configurations (/etc/mdevctl.d/PARENT/UUID), started or not. */
  defined: readonly MdevDefined[]
}

export interface MdevParent {
  /** dev_name() of the parent: "0000:01:00.0", or "mtty" for the kernel's sample drivers. */
  name: string
  /** Its sysfs directory (/sys/devices/...). */
  path: string
  bus: string | null
  driver: string | null
  types: readonly MdevType[]
}

export interface MdevType {
  /** The directory name under mdev_supported_types ("nvidia-35", "mtty-2"): what create takes. */
  id: string
  /** The type's name file; null when the driver has none. */
  name: string | null
  description: string | null
  /** vfio-pci, vfio-ccw, vfio-ap …: the VFIO device API the mdevs offer. */
  deviceApi: string | null
  /** How many more mdevs of this type can be created now; null when unreadable. */
  availableInstances: number | null
  /** UUIDs of the mdevs created from this type. */
  devices: readonly string[]
}

export interface MdevDefined {
  uuid: string
  parent: string
  type: string | null
  /** "auto" (started at boot or when the parent appears) or "manual". */
  start: string | null
  /** The mdev exists in sysfs now. */
  active: boolean
  /** The parent device exists now. */
  parentPresent: boolean
}

/** What sysfs says about a mediated device (bus "mdev"). */
export interface MdevDevice {
  uuid: string
  /** The type's id (mdev_type link): "mtty-2". */
  type: string | null
  typeName: string | null
  /** dev_name() of the parent device. */
  parent: string
  deviceApi: string | null
}

export interface GfxPlanes {
  /** The primary plane can be exported as a dma-buf (VFIO_GFX_PLANE_TYPE_DMABUF). */
  dmabuf: boolean
  /** The primary plane is in a device region (VFIO_GFX_PLANE_TYPE_REGION). */
  region: boolean
}
