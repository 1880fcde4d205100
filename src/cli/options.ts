// Normalised command-line options: what to select, what to gather, how to show it.
import type { GatherOptions } from '../inspect/inspect.js'
import type { Selection } from '../inspect/selection.js'

export type Format = 'text' | 'tree' | 'json' | 'table'
export type ColorWhen = 'auto' | 'always' | 'never'

export interface CliOptions {
  selection: Selection
  gather: GatherOptions
  format: Format
  verbose: 0 | 1 | 2 | 3
  numeric: 0 | 1 | 2
  color: ColorWhen
  ascii: boolean
  /** -x count: 1 → 64 bytes, 3 → 256, 4 → 4096 in lspci's -x layout */
  hex: number
  /** --hexdump: every raw kernel reply with labelled fields */
  hexdump: boolean
  from: string | null
  save: string | null
  sysfsRoot: string | null
  /** `lsvfio check`: verdicts per device instead of the listing (gather.open is its --open). */
  command?: 'check'
  /** check -q: print nothing, the exit status says it all */
  quiet?: boolean
}
