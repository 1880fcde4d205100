// --open says, before it opens anything, which devices the kernel will reset.
import type { GatherOptions } from '../inspect/inspect.js'

/** The line --open prints before it opens anything: which devices the kernel will reset, and how. */
export function openingNotice(opening: readonly { address: string; reset: string | null | undefined }[]): string | null {
  if (opening.length === 0) return null
  const reset = opening.filter((d) => typeof d.reset === 'string').map((d) => `${d.address} (${d.reset})`)
  const maybe = opening.filter((d) => d.reset === undefined).map((d) => d.address)
  const kept = opening.length - reset.length - maybe.length
  const parts = [`--open: opening up to ${opening.length} VFIO device${opening.length === 1 ? '' : 's'} (a busy group is left alone); vfio-pci resets ${reset.length === 0 ? 'none of them' : reset.join(', ')} on open and again on close`]
  if (maybe.length > 0) parts.push(`maybe reset (sysfs cannot tell): ${maybe.join(', ')}`)
  if (kept > 0) parts.push(`${kept} without a reset method ${kept === 1 ? 'is' : 'are'} not reset`)
  return parts.join('; ')
}

/** The gather options with the notice wired to `early` (stderr, written at once). */
export function withNotice(g: GatherOptions, early: ((line: string) => void) | undefined): GatherOptions {
  if (early === undefined) return g
  return {
    ...g,
    announce: (opening) => {
      const line = openingNotice(opening)
      if (line !== null) early(line)
    },
  }
}
