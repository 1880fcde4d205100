// The renderers' house rules (docs/architecture.md, house rules), checked on the source text.
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const dir = new URL('../../src/render/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))
const source = (f: string): string => readFileSync(new URL(f, dir), 'utf8')
const imports = (f: string): string[] => [...source(f).matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)].map((m) => m[1] ?? '')

describe('src/render boundaries', () => {
  it('imports only types from the model, never kernel/ or inspect/', () => {
    for (const f of files) {
      for (const spec of imports(f)) expect(spec, `${f} imports ${spec}`).not.toMatch(/kernel\/|inspect\//)
      for (const m of source(f).matchAll(/^import (?!type )[^'"]*from '(\.\.\/model\/[^']+)'/gm)) expect.fail(`${f}: value import of ${m[1]}`)
    }
  })

  it('keeps chalk in style.ts and cli-table3 in table.ts, and does no I/O', () => {
    for (const f of files) {
      const specs = imports(f)
      if (f !== 'style.ts') expect(specs, f).not.toContain('chalk')
      if (f !== 'table.ts') expect(specs, f).not.toContain('cli-table3')
      expect(specs.filter((s) => s.startsWith('node:')), f).toEqual([])
      expect(source(f), f).not.toMatch(/\bprocess\.|console\./)
    }
  })

  it('has no `any` and no file over 400 lines', () => {
    for (const f of files) {
      expect(source(f), f).not.toMatch(/:\s*any\b|as any\b|<any>/)
      expect(source(f).split('\n').length, f).toBeLessThanOrEqual(400)
    }
  })
})
