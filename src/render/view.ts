// How much to show and how: an explicit value passed to every renderer (no globals, unlike lspci's
// `extern int verbose`). Built by cli/options.ts.

export interface ViewOptions {
  /** 0: one line per device; 1: regions/IRQs summary; 2: everything decoded; 3: also raw flags and empty entries. */
  verbose: 0 | 1 | 2 | 3
  /** Like lspci: 0 names, 1 (-n) numbers only, 2 (-nn) names and numbers. */
  numeric: 0 | 1 | 2
  /** Tree renderer: ASCII connectors instead of box-drawing characters. */
  ascii?: boolean
  /** -k: "Kernel driver in use:" and "Kernel modules:" under each device, as lspci -k. */
  kernel?: boolean
  /** A --from replay: what the run did is what the recording did ("the recording opened ..."). */
  recorded?: boolean
}

export const defaultView: ViewOptions = { verbose: 0, numeric: 0 }
