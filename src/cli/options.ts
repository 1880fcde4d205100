// Each command's options, normalised into what each layer takes: where the host comes from (compose),
// what to select and gather (inspect), how much to show (the renderers) and in which format (run).
// Nothing zero-filled: a command carries only what it uses.
import type { GatherOptions } from '../inspect/inspect.js'
import type { Selection } from '../inspect/selection.js'
import type { ViewOptions } from '../render/view.js'

export type ColorWhen = 'auto' | 'always' | 'never'

/** Where the host comes from: this machine, a snapshot (--from) or a tree (--sysfs-root); --save records. */
export interface Source {
  from: string | null
  save: string | null
  sysfsRoot: string | null
  /** -i FILE: the PCI ID database instead of the system's (the listing only) */
  idFile?: string | null
}

interface Common {
  source: Source
  color: ColorWhen
}

/** The listing: lsvfio [options]. */
export interface ListOptions extends Common {
  command: 'list'
  selection: Selection
  gather: GatherOptions
  view: ViewOptions
  format: 'text' | 'tree' | 'json' | 'table'
  /** -x count: 1 → 64 bytes, 3 → 256, 4 → 4096 in lspci's -x layout */
  hex: number
  /** --hexdump: every raw kernel reply with labelled fields */
  hexdump: boolean
}

/** lsvfio check: verdicts per device (gather.open is its --open). */
export interface CheckOptions extends Common {
  command: 'check'
  selection: Selection
  gather: GatherOptions
  format: 'text' | 'json'
  /** -q: print nothing, the exit status says it all */
  quiet: boolean
}

/** lsvfio metrics / nfd: the fleet outputs (never open). */
export interface FleetOptions extends Common {
  command: 'metrics' | 'nfd'
  /** --output FILE: written atomically (a dot-file in the same directory, then renamed) */
  output: string | null
  /** nfd --expiry: minutes until NFD ignores the file's labels */
  expiryMinutes: number
}

export type CliOptions = ListOptions | CheckOptions | FleetOptions
