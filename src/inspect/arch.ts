// Which CPU architecture the inspected host is: readiness advice differs (VT-d / AMD-Vi on x86, the SMMU
// and the GIC ITS on arm64). Read from the host's files, not from this process, so a snapshot replayed
// elsewhere still speaks of the machine it was recorded on.
import type { FsReader } from './fs.js'
import { attempt, readText } from './proc.js'

export type HostArch = 'x86' | 'arm64' | 'other' | 'unknown'

/** From the machine name (uname -m); unknown when it says nothing. */
export function archOfMachine(m: string): HostArch {
  const s = m.trim()
  if (s === '') return 'unknown'
  if (/^(aarch64|arm64)$/.test(s)) return 'arm64'
  if (/^(x86_64|i[3-6]86)$/.test(s)) return 'x86'
  return 'other'
}

/**
 * /proc/sys/kernel/arch (Linux 6.1+) first; without it (older kernels, snapshots recorded before this
 * read) the IOMMU instance names (smmu3.0x… / smmu.0x… on Arm, dmar / ivhd on x86), an ACPI IORT table
 * (Arm only), then the kernel release's suffix (Debian -arm64 / -amd64, Fedora .aarch64 / .x86_64).
 */
export function detectArch(fs: FsReader, iommus: readonly string[], kernel: string | null): HostArch {
  const m = readText(fs, '/proc/sys/kernel/arch')
  if (m !== null && archOfMachine(m) !== 'unknown') return archOfMachine(m)
  if (iommus.some((i) => /^smmu/.test(i))) return 'arm64'
  if (iommus.some((i) => /^(dmar|ivhd)/.test(i))) return 'x86'
  const iort = attempt(() => fs.stat('/sys/firmware/acpi/tables/IORT'))
  if (iort.ok && iort.v !== null) return 'arm64'
  if (kernel !== null && /[-.+_](aarch64|arm64)\b/.test(kernel)) return 'arm64'
  if (kernel !== null && /[-.+_](amd64|x86_64|i[3-6]86)\b/.test(kernel)) return 'x86'
  return 'unknown'
}
