// The shipped schemas are open (objects accept keys they do not know, so a newer minor lsvfio's
// documents validate against an older schema). Tests validate lsvfio's own output against a closed
// copy, so a key the serializer writes but the schema does not declare is still caught.
import { readFileSync } from 'node:fs'

export function loadSchema(file: 'lsvfio.schema.json' | 'lsvfio-check.schema.json'): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../schema/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>
}

/** A deep copy with additionalProperties: false on every object schema. */
export function closed<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s: unknown) => closed(s)) as T
  if (schema === null || typeof schema !== 'object') return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, s]) => [p, closed(s)])) : closed(v)
  if (out.type === 'object' && out.additionalProperties === undefined) out.additionalProperties = false
  return out as T
}

/** Adds `key` to every object of a JSON document (what a newer minor version might write). */
export function withKeyEverywhere(doc: unknown, key: string): unknown {
  if (Array.isArray(doc)) return doc.map((d) => withKeyEverywhere(d, key))
  if (doc === null || typeof doc !== 'object') return doc
  return { ...Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, withKeyEverywhere(v, key)])), [key]: 'added in a later version' }
}
