// The only chalk import. Renderers receive a Style so that tests are deterministic and colour is
// decided once, in cli/main.ts (--color, FORCE_COLOR, NO_COLOR, TERM, isatty: cli/terminal.ts).
import { Chalk } from 'chalk'

type Paint = (text: string) => string

/** Semantic roles, not colours: renderers say what a piece of text is, the style says how it looks. */
export interface Style {
  readonly enabled: boolean
  /** Healthy state: viable, supported, reset yes. */
  ok: Paint
  /** Worth attention but not a failure: bridges, no-IOMMU, driver overrides. */
  warn: Paint
  /** A failure (ProbeError) or a blocking state (NOT viable). */
  bad: Paint
  /** Secondary detail and documented quirks. */
  dim: Paint
  /** Field labels: "Regions:", "Reset:". */
  label: Paint
  /** Addresses: BDFs, device paths, host physical addresses. */
  addr: Paint
  /** Headings: the IOMMU group line. */
  heading: Paint
  /** lspci's FLAG(): "Name+" when set, "Name-" when clear. */
  flag(on: boolean, name: string): string
}

/**
 * enabled=false gives plain text. level picks the chalk palette; 1 (16 colours) is the default because it
 * renders the same on every terminal and keeps test output stable.
 */
export function createStyle(enabled: boolean, level: 1 | 2 | 3 = 1): Style {
  const c = new Chalk({ level: enabled ? level : 0 })
  return {
    enabled,
    ok: (s) => c.green(s),
    warn: (s) => c.yellow(s),
    bad: (s) => c.red(s),
    dim: (s) => c.dim(s),
    label: (s) => c.bold(s),
    addr: (s) => c.cyan(s),
    heading: (s) => c.bold(s),
    flag: (on, name) => (on ? c.green(`${name}+`) : c.dim(`${name}-`)),
  }
}

/** A style that leaves text untouched: the default for tests and --color=never. */
export const plainStyle: Style = createStyle(false)
