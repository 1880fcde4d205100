// The cdev + iommufd path (kernel ≥ 6.6 with CONFIG_VFIO_DEVICE_CDEV): open /dev/vfio/devices/vfioN,
// bind it to a fresh iommufd, then ask the same questions as on the group path.
import type { Vfio } from '../kernel/vfio.js'
import type { Device, Probe, VfioDeviceView } from '../model/types.js'
import { describeDevice, failed, type Ctx } from './query.js'
import { runSync, step, type Steps } from './steps.js'

const IOMMUFD = '/dev/iommu'

export function queryCdev(v: Vfio, cdev: string, d: Device, ctx: Ctx): Probe<VfioDeviceView> {
  return runSync(cdevSteps(v, cdev, d, ctx))
}

/** queryCdev as steps: binding (where vfio-pci opens and resets the device) and the device's close may
 * run on worker threads. */
export function* cdevSteps(v: Vfio, cdev: string, d: Device, ctx: Ctx): Steps<Probe<VfioDeviceView>> {
  const dfd = v.open(cdev)
  if (!dfd.ok) return failed(dfd.error, ctx)
  const ifd = v.open(IOMMUFD)
  try {
    if (!ifd.ok) return failed(ifd.error, ctx)
    const devid = yield* step(v.bindStep(dfd.value, ifd.value, cdev))
    if (!devid.ok) return failed(devid.error, ctx)
    const hw = v.hwInfo(ifd.value, devid.value, IOMMUFD)
    const data = hw.ok ? hw.value.data : undefined
    const hwInfo = !hw.ok ? failed(hw.error, ctx) : data !== undefined && !data.ok ? { ok: true as const, value: { ...hw.value, data: failed(data.error, ctx) } } : hw
    return describeDevice(v, dfd.value, cdev, ctx, d, { via: 'cdev', iommufd: { devid: devid.value, hwInfo } })
  } finally {
    // The device first: closing it unbinds it from the iommufd.
    yield* step(v.closeStep(dfd.value))
    if (ifd.ok) v.close(ifd.value)
  }
}
