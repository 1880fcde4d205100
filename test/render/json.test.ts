import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { SCHEMA_VERSION, jsonText, toJson, type JsonDocument } from '../../src/render/json.js'
import { device, failed, group, inventory, ok, pciView, quirk, region, regionEntry, vfioView } from '../helpers/builders.js'
import { EVERY_CAP, allInventories, kitchenSinkInventory } from './rich-inventory.js'
import { closed, loadSchema, withKeyEverywhere } from '../helpers/schema.js'

const schema = loadSchema('lsvfio.schema.json')
const ajv = new Ajv2020({ allErrors: true, strict: true })
// lsvfio's own output against the closed copy (drift); the contract tests below use the shipped one.
const validate = ajv.compile(closed(schema))
const ajvShipped = new Ajv2020({ allErrors: true, strict: true })
const validateShipped = ajvShipped.compile(schema)

const meta = { version: '0.1.0', opened: true, argv: ['--json'] }
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures')
/** Keys added to the document after its first release (optional in the schema), by the key of the
 * object that holds them ('' for the top level). */
const ADDED_SINCE_FIRST_RELEASE: Record<string, readonly string[]> = { '': ['diagnostics'], pci: ['id', 'subsystemId', 'subsystemVendorName', 'subsystemName'] }

function withoutKeys(doc: unknown, added: Record<string, readonly string[]>, parent = ''): unknown {
  if (Array.isArray(doc)) return doc.map((d) => withoutKeys(d, added, parent))
  if (doc === null || typeof doc !== 'object') return doc
  const drop = added[parent] ?? []
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !drop.includes(k)).map(([k, v]) => [k, withoutKeys(v, added, k)]))
}

function errorsOf(doc: unknown): string {
  return validate(doc) ? '' : ajv.errorsText(validate.errors, { separator: '\n' })
}

/** A JSON round trip, as a consumer would see the document. */
function parsed(doc: JsonDocument): Record<string, unknown> {
  return JSON.parse(jsonText(doc)) as Record<string, unknown>
}

describe('toJson against schema/lsvfio.schema.json', () => {
  for (const [name, inv] of Object.entries(allInventories())) {
    it(`validates the ${name} inventory`, () => {
      expect(errorsOf(parsed(toJson(inv, meta)))).toBe('')
    })
  }

  it('rejects a document with an extra property (drift is caught)', () => {
    const doc = parsed(toJson(kitchenSinkInventory(), meta))
    expect(errorsOf(doc)).toBe('')
    const groups = doc.groups as Record<string, unknown>[]
    const g = groups[0]!
    ;(g.devices as Record<string, unknown>[])[0]!.surprise = 1
    expect(errorsOf(doc)).toMatch(/must NOT have additional properties/)
  })

  it('the shipped schema takes documents of a newer minor lsvfio (unknown keys in every object)', () => {
    for (const inv of [kitchenSinkInventory(), inventory()]) {
      const newer = withKeyEverywhere(parsed(toJson(inv, meta)), 'addedLater')
      expect(validateShipped(newer) ? '' : ajvShipped.errorsText(validateShipped.errors)).toBe('')
      expect(validate(newer)).toBe(false)
    }
  })

  it('the shipped schema takes documents of an older lsvfio: every recorded fixture, and keys added since left out', () => {
    for (const fx of readdirSync(FIXTURES).filter((f) => existsSync(path.join(FIXTURES, f, 'lsvfio.json')))) {
      const doc = JSON.parse(readFileSync(path.join(FIXTURES, fx, 'lsvfio.json'), 'utf8')) as unknown
      expect(validateShipped(doc) ? '' : `${fx}: ${ajvShipped.errorsText(validateShipped.errors)}`).toBe('')
    }
    const older = withoutKeys(parsed(toJson(kitchenSinkInventory(), meta)), ADDED_SINCE_FIRST_RELEASE)
    expect(validateShipped(older) ? '' : ajvShipped.errorsText(validateShipped.errors)).toBe('')
  })

  it('rejects u64 values given as numbers, a wrong schemaVersion, and a missing key', () => {
    const doc = parsed(toJson(kitchenSinkInventory(), meta))
    const res = ((doc.groups as Record<string, unknown>[])[0]!.devices as Record<string, unknown>[])[0]!.resources as Record<string, unknown>[]
    res[0]!.start = 4127195136
    expect(errorsOf(doc)).toMatch(/resources\/0\/start must be string/)
    expect(errorsOf({ ...parsed(toJson(inventory(), meta)), schemaVersion: 2 })).toMatch(/schemaVersion must be equal to constant/)
    const { failures: _f, ...missing } = parsed(toJson(inventory(), meta))
    expect(errorsOf(missing)).toMatch(/must have required property 'failures'/)
  })

  it('covers every InfoCap kind in the validated documents', () => {
    const text = jsonText(toJson(kitchenSinkInventory(), meta))
    const kinds = new Set([...text.matchAll(/"kind": "([a-z0-9-]+)"/g)].map((m) => m[1]))
    const all = new Set(EVERY_CAP.map((c) => c.kind))
    for (const k of all) expect(kinds).toContain(k)
  })
})

/** Every key of the model appears in the JSON at the same place (Probe's ok becomes state). */
function expectModelCovered(model: unknown, json: unknown, at: string): void {
  if (typeof model === 'bigint' || model instanceof Uint8Array) {
    expect(typeof json, at).toBe('string')
    return
  }
  if (Array.isArray(model)) {
    expect(Array.isArray(json), at).toBe(true)
    model.forEach((m, i) => expectModelCovered(m, (json as unknown[])[i], `${at}[${i}]`))
    return
  }
  if (model === null || typeof model !== 'object') {
    expect(json, at).toEqual(model)
    return
  }
  const j = json as Record<string, unknown>
  for (const [k, v] of Object.entries(model)) {
    if (k === 'ok') {
      expect(j.state, `${at}.state`).toBe(v === true ? 'ok' : 'failed')
      continue
    }
    expect(j, `${at} lacks ${k}`).toHaveProperty(k)
    if (v !== undefined) expectModelCovered(v, j[k], `${at}.${k}`)
  }
}

describe('toJson conventions', () => {
  it('carries everything in the model', () => {
    for (const inv of Object.values(allInventories())) {
      const doc = parsed(toJson(inv, meta))
      expectModelCovered(inv.host, doc.host, 'host')
      expectModelCovered(inv.groups, doc.groups, 'groups')
      expectModelCovered(inv.ungrouped, doc.ungrouped, 'ungrouped')
      expect(doc.failures).toBe(inv.failures)
    }
  })

  it('writes the header: schemaVersion, tool, argv, opened', () => {
    const doc = toJson(inventory(), { version: '1.2.3', opened: false })
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION)
    expect({ schemaVersion: doc.schemaVersion, tool: doc.tool, argv: doc.argv, opened: doc.opened }).toMatchInlineSnapshot(`
      {
        "argv": null,
        "opened": false,
        "schemaVersion": 1,
        "tool": {
          "name": "lsvfio",
          "version": "1.2.3",
        },
      }
    `)
  })

  it('writes u64 as lowercase hex, bytes as hex pairs, flags as number and names', () => {
    const doc = parsed(toJson(kitchenSinkInventory(), meta))
    const text = JSON.stringify(doc)
    expect(text).toContain('"pageSizes":"0x40201000"')
    expect(text).toContain('"end":"0x7fffffffff"')
    expect(text).toContain('"raw":"00000000deadbeef"')
    expect(text).toContain('"raw":"010203ff"')
    expect(text).toContain('"tgt":"0x2000000000000"')
    expect(text).not.toMatch(/"0x[0-9a-f]*[A-F]/)
    expect(text).toContain('"flags":131,"flagNames":["reset","pci","caps"]')
  })

  it('maps probes, failures and quirks to state objects', () => {
    const inv = inventory({
      groups: [
        group({
          id: 7,
          status: failed({ op: 'open', path: '/dev/vfio/7', hint: 'close the VM' }),
          devices: [
            device({
              vfio: ok(
                vfioView({
                  regions: [
                    regionEntry(region({ index: 0, size: 0x4000n })),
                    regionEntry(quirk('no VGA region', { op: 'VFIO_DEVICE_GET_REGION_INFO index 8' }), 8),
                  ],
                }),
              ),
            }),
          ],
        }),
      ],
    })
    const doc = toJson(inv, meta)
    const g = doc.groups[0]!
    expect(g.status).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "EBUSY",
          "errno": 16,
          "hint": "close the VM",
          "op": "open",
          "path": "/dev/vfio/7",
        },
        "state": "failed",
      }
    `)
    const v = g.devices[0]!.vfio
    expect(v?.state).toBe('ok')
    if (v?.state !== 'ok') return
    expect(v.value.regions).toMatchInlineSnapshot(`
      [
        {
          "index": 0,
          "info": {
            "state": "ok",
            "value": {
              "absent": false,
              "caps": [],
              "flagNames": [
                "read",
                "write",
                "mmap",
              ],
              "flags": 7,
              "index": 0,
              "offset": "0x0",
              "raw": null,
              "size": "0x4000",
            },
          },
          "name": "BAR0",
        },
        {
          "index": 8,
          "info": {
            "error": {
              "code": "EINVAL",
              "errno": 22,
              "hint": null,
              "op": "VFIO_DEVICE_GET_REGION_INFO index 8",
              "path": null,
            },
            "reason": "no VGA region",
            "state": "unavailable",
          },
          "name": "VGA",
        },
      ]
    `)
  })

  it('uses null for not gathered, never for empty arrays', () => {
    const doc = toJson(inventory({ groups: [group({ devices: [device()] })], opened: false }), { version: '0', opened: false })
    const d = doc.groups[0]!.devices[0]!
    expect([d.vfio, d.cdev, d.ofNode, d.resetMethods, doc.groups[0]!.status, doc.groups[0]!.container]).toEqual([null, null, null, null, null, null])
    expect(d.resources).toEqual([])
    const v = toJson(inventory({ groups: [group({ devices: [device({ vfio: ok(pciView()) })] })] }), meta)
    const view = v.groups[0]!.devices[0]!.vfio
    expect(view?.state === 'ok' && view.value.features).toEqual([])
  })

  it('prints two-space JSON with a trailing newline', () => {
    const text = jsonText(toJson(inventory(), meta))
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,')
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(toJson(inventory(), meta))))
  })
})

describe('schema documentation', () => {
  it('has a title and a description on every property, and no closed object (additive changes stay valid)', () => {
    const problems: string[] = []
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`))
      if (node === null || typeof node !== 'object') return
      const o = node as Record<string, unknown>
      if (o.additionalProperties === false) problems.push(`${at}: additionalProperties: false`)
      if (o.properties !== undefined) {
        for (const [k, p] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
          if (typeof p.title !== 'string' || typeof p.description !== 'string') problems.push(`${at}.${k}: title/description`)
        }
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`)
    }
    walk(schema, '#')
    expect(problems).toEqual([])
  })
})
