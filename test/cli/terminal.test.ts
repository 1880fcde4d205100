// Colour and character-set conventions: --color, FORCE_COLOR, NO_COLOR (non-empty only), TERM=dumb,
// and box-drawing only under a UTF-8 locale (LC_ALL, then LC_CTYPE, then LANG).
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { colorLevel, localeIsUtf8 } from '../../src/cli/terminal.js'

const tty = (): boolean => true
const pipe = (): boolean => false

describe('colorLevel', () => {
  it('--color always/never beat every variable', () => {
    expect(colorLevel('always', { NO_COLOR: '1', FORCE_COLOR: '0', TERM: 'dumb' }, pipe)).toBe(1)
    expect(colorLevel('never', { FORCE_COLOR: '3' }, tty)).toBe(0)
  })
  it('NO_COLOR counts only when non-empty', () => {
    expect(colorLevel('auto', { NO_COLOR: '1' }, tty)).toBe(0)
    expect(colorLevel('auto', { NO_COLOR: '' }, tty)).toBe(1)
    expect(colorLevel('auto', {}, tty)).toBe(1)
    expect(colorLevel('auto', {}, pipe)).toBe(0)
  })
  it('FORCE_COLOR: 0/false off, 1/2/3/true on (also into a pipe), its level kept; empty means unset', () => {
    expect(colorLevel('auto', { FORCE_COLOR: '0' }, tty)).toBe(0)
    expect(colorLevel('auto', { FORCE_COLOR: 'false' }, tty)).toBe(0)
    expect(colorLevel('auto', { FORCE_COLOR: '1' }, pipe)).toBe(1)
    expect(colorLevel('auto', { FORCE_COLOR: '2' }, pipe)).toBe(2)
    expect(colorLevel('auto', { FORCE_COLOR: '3', NO_COLOR: '1' }, pipe)).toBe(3)
    expect(colorLevel('auto', { FORCE_COLOR: 'true', TERM: 'dumb' }, pipe)).toBe(1)
    expect(colorLevel('auto', { FORCE_COLOR: '' }, pipe)).toBe(0)
  })
  it('TERM=dumb is off', () => {
    expect(colorLevel('auto', { TERM: 'dumb' }, tty)).toBe(0)
  })
})

describe('localeIsUtf8 (POSIX order: LC_ALL, LC_CTYPE, LANG; unset is C)', () => {
  it('finds UTF-8 in any spelling', () => {
    for (const l of ['C.UTF-8', 'en_US.UTF-8', 'de_DE.utf8', 'sr_RS.UTF-8@latin']) expect(localeIsUtf8({ LANG: l }), l).toBe(true)
  })
  it('C, POSIX, Latin-1 and nothing at all are not UTF-8', () => {
    for (const l of ['C', 'POSIX', 'en_US.ISO-8859-1', 'en_US']) expect(localeIsUtf8({ LANG: l }), l).toBe(false)
    expect(localeIsUtf8({})).toBe(false)
  })
  it('LC_ALL beats LC_CTYPE beats LANG; empty values are skipped', () => {
    expect(localeIsUtf8({ LC_ALL: 'C', LC_CTYPE: 'en_US.UTF-8', LANG: 'en_US.UTF-8' })).toBe(false)
    expect(localeIsUtf8({ LC_ALL: '', LC_CTYPE: 'en_US.UTF-8', LANG: 'C' })).toBe(true)
    expect(localeIsUtf8({ LC_CTYPE: 'POSIX', LANG: 'en_US.UTF-8' })).toBe(false)
    expect(localeIsUtf8({ LC_ALL: '', LC_CTYPE: '', LANG: 'C.UTF-8' })).toBe(true)
  })
})

describe('the CLI applies them (bin/lsvfio.js on a fixture)', () => {
  const bin = path.resolve('bin/lsvfio.js')
  const fixture = path.resolve('test/fixtures/x86-6.12/snapshot.json')
  const lsvfio = (env: Record<string, string>, ...args: string[]): string => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LC_|LANG$|NO_COLOR$|FORCE_COLOR$|TERM$)/.test(k)))
    try {
      return execFileSync(process.execPath, [bin, '--from', fixture, ...args], { env: { ...base, ...env }, encoding: 'utf8' })
    } catch (e: unknown) {
      return (e as { stdout: string }).stdout
    }
  }
  it('a tree is box-drawn under UTF-8 and ASCII under C or no locale', () => {
    expect(lsvfio({ LANG: 'C.UTF-8' }, '-t')).toContain('└─')
    for (const env of [{ LANG: 'C' }, {}, { LANG: 'en_US.UTF-8', LC_ALL: 'POSIX' }]) {
      const out = lsvfio(env, '-t')
      expect(out).toContain('`- ')
      expect(out).not.toMatch(/[─│├└]/)
    }
  })
  it('FORCE_COLOR colours a pipe, NO_COLOR="" does not stop it, NO_COLOR=1 does', () => {
    expect(lsvfio({ LANG: 'C.UTF-8', FORCE_COLOR: '1' })).toContain('\u001b[')
    expect(lsvfio({ LANG: 'C.UTF-8', FORCE_COLOR: '1', NO_COLOR: '' })).toContain('\u001b[')
    expect(lsvfio({ LANG: 'C.UTF-8', FORCE_COLOR: '0' })).not.toContain('\u001b[')
    expect(lsvfio({ LANG: 'C.UTF-8', NO_COLOR: '1' }, '--color', 'always')).toContain('\u001b[')
    expect(lsvfio({ LANG: 'C.UTF-8' })).not.toContain('\u001b[')
  })
})
