// The import graph of src/: no cycles, no layer importing one above it, and the raw ABI
// (src/kernel/abi) only below the typed wrapper and in the snapshot recorder.
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

/** file (relative to src/) → the src files it imports, type-only and dynamic imports included. */
function importGraph(): Map<string, string[]> {
  const re = /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g
  const g = new Map<string, string[]>()
  for (const f of files(SRC)) {
    const deps = [...readFileSync(f, 'utf8').matchAll(re)].map((m) => {
      const t = path.resolve(path.dirname(f), m[1] ?? m[2] ?? '').replace(/\.js$/, '.ts')
      return path.relative(SRC, t.endsWith('.ts') ? t : `${t}.ts`)
    })
    g.set(path.relative(SRC, f), deps)
  }
  return g
}

/** Every cycle as its strongly connected component (Tarjan), members sorted. */
function cycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
    }
    if (low.get(v) !== index.get(v)) return
    const c: string[] = []
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) c.push(w)
    if (c.length > 1 || (g.get(v) ?? []).includes(v)) out.push(c.sort())
  }
  for (const v of g.keys()) if (!index.has(v)) visit(v)
  return out
}

/** The layers, lowest first: a file may import its own layer's files and those of lower layers. */
const LAYERS: readonly (readonly string[])[] = [['model', 'errors.ts'], ['kernel/abi'], ['kernel'], ['inspect'], ['diagnose', 'snapshot'], ['render'], ['cli'], ['index.ts']]

function unitOf(rel: string): string {
  if (rel.startsWith('kernel/abi/')) return 'kernel/abi'
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel
}

function rankOf(rel: string): number {
  const u = unitOf(rel)
  return LAYERS.findIndex((l) => l.includes(u))
}

describe('import graph of src/', () => {
  const g = importGraph()

  it('finds cycles when there are some (the check itself works)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']])
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([])
  })

  it('has no cycles', () => {
    expect(cycles(g)).toEqual([])
  })

  it('places every file in a layer, and no file imports a layer above its own or a sibling of it', () => {
    const wrong: string[] = []
    for (const [f, deps] of g) {
      expect(rankOf(f), `${f} is in no layer`).toBeGreaterThanOrEqual(0)
      for (const d of deps) {
        const same = unitOf(d) === unitOf(f)
        if (!same && rankOf(d) >= rankOf(f)) wrong.push(`${f} -> ${d}`)
      }
    }
    expect(wrong).toEqual([])
  })

  it('keeps the raw ABI inside the kernel wrapper (and the snapshot recorder, which works on raw requests)', () => {
    const leaks = [...g].flatMap(([f, deps]) => (unitOf(f) === 'kernel' || unitOf(f) === 'kernel/abi' || unitOf(f) === 'snapshot' ? [] : deps.filter((d) => d.startsWith('kernel/abi/')).map((d) => `${f} -> ${d}`)))
    expect(leaks).toEqual([])
  })
})

describe('state', () => {
  it('renderers keep no module-level mutable state (each call gets all it needs as arguments)', () => {
    const found = files(path.join(SRC, 'render')).flatMap((f) => (/^(let|var)\s/m.test(readFileSync(f, 'utf8')) ? [path.relative(SRC, f)] : []))
    expect(found).toEqual([])
  })
})
