// What to do next, for each failure a user can meet. Keyed by operation and errno name.
import type { ProbeError } from '../model/types.js'

export function hintFor(e: ProbeError, ctx: { group?: number; noiommu?: boolean }): string | undefined {
  const node = e.path ?? (ctx.group === undefined ? 'the node' : `/dev/vfio/${ctx.group}`)
  const isOpen = e.op === 'open'
  switch (e.code) {
    case 'EBUSY':
      if (isOpen) return `the group is open in another process (a running VM, DPDK, another lsvfio); find it with: fuser -v ${node}`
      return 'the device is in use; try again when its user has exited'
    case 'EACCES':
      if (e.op.startsWith('VFIO_GROUP_GET_DEVICE_FD')) return 'the PF of this VF is owned by vfio-pci with SR-IOV: a vf_token is required'
      return `permission denied: run as root, or give your user the node: sudo chown $USER ${node}`
    case 'EPERM':
      if (ctx.noiommu) return 'no-IOMMU groups need CAP_SYS_RAWIO: run as root'
      if (e.op === 'VFIO_GROUP_SET_CONTAINER') return 'the group is not viable: bind every member to vfio-pci (or leave it unbound), then retry'
      if (e.op.startsWith('VFIO_SET_IOMMU')) return 'the IOMMU has no interrupt remapping: enable it, or (unsafe) load vfio_iommu_type1 with allow_unsafe_interrupts=1'
      return 'operation not permitted: run as root'
    case 'ENODEV':
    case 'ENOENT':
      return 'the device or group went away during the run (unplugged or unbound); run lsvfio again'
    case 'EAGAIN':
      return 'the device was locked by the kernel during the open-time reset; run lsvfio again'
    case 'EINVAL':
      if (e.op.startsWith('VFIO_GROUP_GET_DEVICE_FD')) return 'the kernel refused the device fd: check that the group is viable and the device is bound to a VFIO driver'
      return undefined
    case 'ENODATA':
      return 'the snapshot has no answer for this request: it was recorded with other options'
    default:
      return undefined
  }
}

export function withHint(e: ProbeError, ctx: { group?: number; noiommu?: boolean }): ProbeError {
  if (e.hint !== undefined) return e
  const hint = hintFor(e, ctx)
  return hint === undefined ? e : { ...e, hint }
}
