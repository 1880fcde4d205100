// Exit statuses of `lsvfio check`, per verdict class (lsvfio(8), README, --help). The judgement names
// the class; only the CLI gives it a number. 1 stays usage/fatal (errors.ts).
import type { VerdictKind } from '../model/diagnostics.js'

export const CHECK_EXIT: Readonly<Record<VerdictKind | 'no-match', number>> = {
  ready: 0,
  other: 2,
  'not-bound': 3,
  'not-viable': 4,
  busy: 5,
  permission: 6,
  'no-iommu': 7,
  'noiommu-only': 8,
  'unsafe-interrupts': 9,
  'vf-token': 10,
  'no-match': 11,
}
