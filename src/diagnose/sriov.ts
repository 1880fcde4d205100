// SR-IOV relations from sysfs (sriov_totalvfs, sriov_numvfs, physfn, virtfnN) and when vfio-pci
// demands a VF token: a VF whose PF is owned by vfio-pci, and such a PF while its VFs are in use.
import { posix } from 'node:path'
import type { Sriov } from '../model/diagnostics.js'
import type { FsReader } from '../inspect/fs.js'
import { list, readLink, readText } from '../inspect/proc.js'
import { isVfioDriver } from '../inspect/sysfs-device.js'

const num = (t: string | null): number | null => (t === null || !/^\d+$/.test(t.trim()) ? null : Number(t.trim()))
const base = (t: string | null): string | null => (t === null ? null : posix.basename(t))

const TOKEN_HOW =
  'pass the UUID the PF user set (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) when opening: QEMU -device vfio-pci,host=BDF,vf-token=UUID; without it the kernel answers EACCES'

/** SR-IOV facts for one PCI device; null when it is neither a PF with SR-IOV nor a VF. `inUse` tells whether a VF is held open. */
export function readSriov(fs: FsReader, address: string, inUse: (vf: string) => boolean): Sriov | null {
  const dev = `/sys/bus/pci/devices/${address}`
  const pf = base(readLink(fs, `${dev}/physfn`))
  if (pf !== null) {
    const pfDriver = base(readLink(fs, `/sys/bus/pci/devices/${pf}/driver`))
    const required = pfDriver !== null && isVfioDriver(pfDriver)
    return {
      role: 'vf',
      totalVfs: null,
      numVfs: null,
      vfs: [],
      pf,
      pfDriver,
      vfTokenRequired: required,
      text: required
        ? `VF of ${pf}, which is bound to ${pfDriver}: opening this VF needs the PF's vf_token; ${TOKEN_HOW}`
        : `VF of ${pf} (PF driver ${pfDriver ?? 'none'}); no vf_token needed while the PF is not on a VFIO driver`,
    }
  }
  const total = num(readText(fs, `${dev}/sriov_totalvfs`))
  if (total === null) return null
  const numVfs = num(readText(fs, `${dev}/sriov_numvfs`))
  const vfs = (list(fs, dev) ?? [])
    .filter((n) => /^virtfn\d+$/.test(n))
    .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)))
    .map((n) => base(readLink(fs, `${dev}/${n}`)))
    .filter((v): v is string => v !== null)
  const driver = base(readLink(fs, `${dev}/driver`))
  const vfio = driver !== null && isVfioDriver(driver)
  const busy = vfs.filter(inUse)
  const required = vfio && busy.length > 0
  let text = `SR-IOV PF: ${numVfs ?? '?'} of ${total} VFs enabled${vfs.length > 0 ? ` (${vfs.join(' ')})` : ''}`
  if (vfio && (numVfs ?? 0) > 0) text += `; bound to ${driver}, so every VF needs this PF's vf_token (set with VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)`
  if (required) text += `; VFs in use (${busy.join(' ')}): opening the PF itself needs the vf_token too; ${TOKEN_HOW}`
  return { role: 'pf', totalVfs: total, numVfs, vfs, pf: null, pfDriver: null, vfTokenRequired: required, text }
}
