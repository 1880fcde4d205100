// What the terminal and the environment ask for: colour (--color, FORCE_COLOR, NO_COLOR, TERM) and
// whether box-drawing characters can be shown (the locale's character set). Pure: cli/main.ts passes
// the environment and whether stdout is a terminal.

export type Env = Readonly<Record<string, string | undefined>>

/** Colour on (with chalk's level: 1 = 16 colours, 2 = 256, 3 = truecolor) or off (0). */
export function colorLevel(when: 'auto' | 'always' | 'never', env: Env, isTty: () => boolean): 0 | 1 | 2 | 3 {
  // The command line beats the environment; FORCE_COLOR beats NO_COLOR (it is the more specific ask).
  if (when !== 'auto') return when === 'always' ? 1 : 0
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '') {
    if (force === '0' || force.toLowerCase() === 'false') return 0
    return force === '2' ? 2 : force === '3' ? 3 : 1
  }
  // no-color.org: only a non-empty NO_COLOR counts
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  if (env.TERM === 'dumb') return 0
  return isTty() ? 1 : 0
}

/** The locale's character set as POSIX resolves it: LC_ALL, else LC_CTYPE, else LANG (the first one
 * set and non-empty); none means the C locale, which is ASCII. */
export function localeIsUtf8(env: Env): boolean {
  const name = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '') ?? 'C'
  return /\.utf-?8(@|$)/i.test(name)
}
