// The man page: renders in the C locale without a groff warning, is plain ASCII (groff drops raw UTF-8
// there), has EXAMPLES and ENVIRONMENT, and names every long option the program has.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildProgram, completionSpec } from '../../src/cli/program.js'

const MAN = path.resolve(import.meta.dirname, '../../man/lsvfio.8')
const text = readFileSync(MAN, 'latin1')
const haveGroff = spawnSync('groff', ['--version'], { encoding: 'utf8' }).status === 0

describe('man/lsvfio.8', () => {
  it.runIf(haveGroff)('renders in the C locale with every groff warning enabled and none given', () => {
    const r = spawnSync('groff', ['-man', '-Tascii', '-ww', '-z', MAN], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' } })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
  })

  it('is ASCII (special characters as groff escapes)', () => {
    const bad = text.split('\n').flatMap((l, i) => (/[^\x00-\x7f]/.test(l) ? [`${i + 1}: ${l}`] : []))
    expect(bad).toEqual([])
  })

  it('has EXAMPLES and ENVIRONMENT, and every long option of every command', () => {
    expect(text).toMatch(/^\.SH EXAMPLES$/m)
    expect(text).toMatch(/^\.SH ENVIRONMENT$/m)
    const spec = completionSpec(buildProgram('0'))
    const longs = new Set([...spec.options, ...spec.commands.flatMap((c) => c.options)].map((o) => o.long).filter((l) => l !== null))
    expect(longs.size).toBeGreaterThan(20)
    const missing = [...longs].filter((l) => !text.includes(l.replace(/-/g, '\\-')))
    expect(missing).toEqual([])
  })
})
