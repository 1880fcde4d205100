// The house rules of docs/architecture.md, checked on the source: one file per heavy import, process only at
// the boundary, the model and the raw ABI free of I/O and of upward imports.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve(import.meta.dirname, '../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const all = files(SRC).map((p) => ({ rel: path.relative(SRC, p), text: readFileSync(p, 'utf8') }))
const importing = (re: RegExp): string[] => all.filter((f) => re.test(f.text)).map((f) => f.rel).sort()

describe('import boundaries', () => {
  it('koffi, commander, chalk and cli-table3 are each imported by exactly one file', () => {
    expect(importing(/['"]koffi['"]/)).toEqual(['kernel/ffi-sys.ts'])
    expect(importing(/from ['"]commander['"]/)).toEqual(['cli/program.ts'])
    expect(importing(/from ['"]chalk['"]/)).toEqual(['render/style.ts'])
    expect(importing(/from ['"]cli-table3['"]/)).toEqual(['render/table.ts'])
  })

  it('process is touched only by the CLI entry point', () => {
    expect(importing(/\bprocess\./)).toEqual(['cli/main.ts'])
  })

  it('model and kernel/abi import nothing upward; abi and model do no I/O', () => {
    for (const f of all.filter((x) => x.rel.startsWith('model/') || x.rel.startsWith('kernel/abi/'))) {
      const imports = [...f.text.matchAll(/from ['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '')
      // kernel/abi may take the model's types (one declaration of each, e.g. InfoCap), nothing else.
      const typeOnly = [...f.text.matchAll(/import type [^'"]+ from ['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '')
      for (const i of imports) expect(i.startsWith('./') || (f.rel.startsWith('model/') && i.startsWith('../model/')) || (f.rel.startsWith('kernel/abi/') && i.startsWith('../../model/') && typeOnly.includes(i)), `${f.rel} imports ${i}`).toBe(true)
      expect(f.text, f.rel).not.toMatch(/node:fs|node:child_process/)
    }
  })

  it('gathering never prints and renderers never read the host', () => {
    for (const f of all.filter((x) => x.rel.startsWith('inspect/') || x.rel.startsWith('kernel/'))) expect(f.text, f.rel).not.toMatch(/console\.|stdout|stderr/)
    for (const f of all.filter((x) => x.rel.startsWith('render/'))) expect(f.text, f.rel).not.toMatch(/node:fs|from ['"][^'"]*\/(kernel|inspect)\//)
  })

  it('keeps files small and free of any', () => {
    for (const f of all) {
      expect(f.text.split('\n').length, f.rel).toBeLessThanOrEqual(400)
      expect(f.text, f.rel).not.toMatch(/:\s*any\b|as any\b/)
    }
  })
})
