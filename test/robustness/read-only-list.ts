// The read-only list, written out independently of src/kernel/read-only.ts: which ioctls lsvfio may
// issue on which kind of fd. Used by the read-only tests on fixtures and on the VM's recordings.
import * as U from '../../src/kernel/abi/vfio-uapi.js'

export type Kind = 'container' | 'group' | 'device' | 'cdev' | 'iommufd'
const DEVICE_QUERIES = [U.VFIO_DEVICE_GET_INFO, U.VFIO_DEVICE_GET_REGION_INFO, U.VFIO_DEVICE_GET_IRQ_INFO, U.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO]
/** The read-only list: queries, plus attaching the container that GET_DEVICE_FD needs. */
export const READ_ONLY: Record<Kind, readonly number[]> = {
  container: [U.VFIO_GET_API_VERSION, U.VFIO_CHECK_EXTENSION, U.VFIO_SET_IOMMU, U.VFIO_IOMMU_GET_INFO],
  group: [U.VFIO_GROUP_GET_STATUS, U.VFIO_GROUP_SET_CONTAINER, U.VFIO_GROUP_UNSET_CONTAINER, U.VFIO_GROUP_GET_DEVICE_FD],
  device: DEVICE_QUERIES,
  cdev: [U.VFIO_DEVICE_BIND_IOMMUFD, ...DEVICE_QUERIES],
  iommufd: [U.IOMMU_GET_HW_INFO],
}

export interface Issued {
  kind: Kind | 'unknown'
  request: number
  /** VFIO_DEVICE_FEATURE's flags word */
  featureFlags?: number
  /** VFIO_DEVICE_QUERY_GFX_PLANE's flags word (only a PROBE is read-only: it creates no plane state) */
  gfxFlags?: number
}

/** Returns why an ioctl is not read-only, or null when it is. */
export function notReadOnly(i: Issued): string | null {
  if (i.kind === 'unknown') return `ioctl 0x${i.request.toString(16)} on an fd lsvfio never opened`
  if (i.request === U.VFIO_DEVICE_FEATURE && (i.kind === 'device' || i.kind === 'cdev')) {
    const f = i.featureFlags ?? -1
    const probe = (f & U.VFIO_DEVICE_FEATURE_PROBE) !== 0 && (f & U.VFIO_DEVICE_FEATURE_SET) === 0
    const getMigration = f === (U.VFIO_DEVICE_FEATURE_GET | U.VFIO_DEVICE_FEATURE_MIGRATION)
    return probe || getMigration ? null : `VFIO_DEVICE_FEATURE with flags 0x${f.toString(16)}`
  }
  if (i.request === U.VFIO_DEVICE_QUERY_GFX_PLANE && (i.kind === 'device' || i.kind === 'cdev')) {
    const f = i.gfxFlags ?? 0
    return (f & U.VFIO_GFX_PLANE_TYPE_PROBE) !== 0 ? null : `VFIO_DEVICE_QUERY_GFX_PLANE without PROBE (flags 0x${f.toString(16)})`
  }
  return READ_ONLY[i.kind].includes(i.request) ? null : `ioctl 0x${i.request.toString(16)} on a ${i.kind} fd`
}

/** The kind of fd a snapshot's fd name denotes (see src/snapshot/fd-names.ts), or 'unknown'. */
export function kindOfName(name: string): Kind | 'unknown' {
  if (name.includes('#')) return 'device'
  const self = name.split('>')[0] ?? ''
  if (self === '/dev/vfio/vfio') return 'container'
  if (self === '/dev/iommu') return 'iommufd'
  if (self.startsWith('/dev/vfio/devices/')) return 'cdev'
  return /^\/dev\/vfio\/(noiommu-)?\d+$/.test(self) ? 'group' : 'unknown'
}

/** Every ioctl a recorded snapshot holds (what reached the kernel), as Issued entries. */
export function issuedInSnapshot(ioctlKeys: readonly string[]): (Issued & { key: string })[] {
  return ioctlKeys.map((key) => {
    const [name = '', req = '', argKind = '', arg = ''] = key.split(' ')
    const i: Issued & { key: string } = { key, kind: kindOfName(name), request: Number(req) }
    if (Number(req) === U.VFIO_DEVICE_FEATURE && argKind === 'buf' && arg.length >= 16) i.featureFlags = Buffer.from(arg.slice(8, 16), 'hex').readUInt32LE(0)
    if (Number(req) === U.VFIO_DEVICE_QUERY_GFX_PLANE && argKind === 'buf' && arg.length >= 16) i.gfxFlags = Buffer.from(arg.slice(8, 16), 'hex').readUInt32LE(0)
    return i
  })
}
