// Exit statuses of `lsvfio check`, per verdict class (lsvfio(8), README, --help). The judgement names
// the class; only the CLI gives it a number. 1 stays usage/fatal (errors.ts).
import type { VerdictKind } from '../model/diagnostics.js'

type Outcome = VerdictKind | 'no-match'

/** Each status with what it means, in --help's words: the table and the help text come from here. */
const TABLE: readonly (readonly [code: number, kind: Outcome | 'fatal', meaning: string])[] = [
  [0, 'ready', 'every selected device can be passed through now'],
  [1, 'fatal', 'usage error, no sysfs, unreadable snapshot'],
  [2, 'other', '--open: the kernel refused for another reason (shown)'],
  [3, 'not-bound', 'not bound to vfio-pci (or another VFIO driver)'],
  [4, 'not-viable', 'a member of its IOMMU group is on a host driver'],
  [5, 'busy', 'its group or device is open in another process'],
  [6, 'permission', 'this user cannot open the group, container or cdev node'],
  [7, 'no-iommu', 'no IOMMU active, or the device is in no IOMMU group'],
  [8, 'noiommu-only', 'only in a no-IOMMU group: no DMA isolation, not for VMs'],
  [9, 'unsafe-interrupts', 'no interrupt remapping and allow_unsafe_interrupts off'],
  [10, 'vf-token', "a VF of a PF owned by vfio-pci: needs the PF's vf_token"],
  [11, 'no-match', 'the selection matched no device to check'],
  [12, 'mdev-inactive', 'a mediated device mdevctl defines is not created (or its parent is gone)'],
]

export const CHECK_EXIT = Object.fromEntries(TABLE.filter((e) => e[1] !== 'fatal').map(([code, kind]) => [kind, code])) as Readonly<Record<Outcome, number>>

export const CHECK_EXIT_HELP = [
  'Exit status of check (the first device that is not ready decides):',
  ...TABLE.map(([code, kind, meaning]) => `${String(code).padStart(3)} ${kind.length >= 16 ? `${kind}  ` : kind.padEnd(16)}${meaning}`),
].join('\n')
