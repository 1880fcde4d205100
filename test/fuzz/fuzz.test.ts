// A small share of every fuzz target (npm run fuzz runs ≥ 1,000,000 cases), with a fixed seed so a
// failure here replays: the same properties, the same rule (return, or throw an LsvfioError).
import { describe, expect, it } from 'vitest'
import { TARGETS, typed } from './targets.js'

describe('fuzz (small share; npm run fuzz for the full count)', () => {
  for (const t of TARGETS) {
    // about 1/400 of the full run, at least 20 cases: a few seconds in all
    const numRuns = Math.max(20, Math.round(t.runs / 400))
    it(`${t.name}: ${numRuns} cases`, () => {
      const r = t.check(numRuns, 20261124)
      expect(r.failed ? r.report : null).toBeNull()
    }, 60_000)
  }

  it('the rule itself: a plain Error is a finding, an LsvfioError is not', () => {
    expect(() =>
      typed(() => {
        throw new TypeError('x is undefined')
      }),
    ).toThrow(TypeError)
  })
})
