// Recording a replay must give a snapshot that replays to the same inventory. Regression: the recorder
// named the container fd from the SET_CONTAINER buffer after the call, which the seam below (here the
// replayer, writing back the recorded fd number) had changed, so every container ioctl was filed under
// the wrong name and replayed as ENODATA.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/program.js'
import { run } from '../../src/cli/run.js'
import type { Host } from '../../src/inspect/host.js'
import { plainStyle } from '../../src/render/style.js'
import { compactSnapshot } from '../../src/snapshot/compact.js'
import type { SnapshotDoc } from '../../src/snapshot/doc.js'
import { parseSnapshot, validateSnapshot } from '../../src/snapshot/format.js'
import { Recording, RecordingFs, RecordingSys } from '../../src/snapshot/record.js'
import { ReplayFs, ReplaySys } from '../../src/snapshot/replay.js'

const FIX = path.resolve(import.meta.dirname, '../fixtures')

function replayHost(doc: SnapshotDoc): Host {
  return { fs: new ReplayFs(doc), sys: new ReplaySys(doc), names: null }
}

function runJson(host: Host, argv: string[]): string {
  const p = parseArgs(['--json', '--open', ...argv], 'test')
  if (p.kind !== 'run') throw new Error('not a run')
  return run(host, p.options, plainStyle, { version: 'test', argv: [] }).stdout
}

describe.each(['x86-6.12', 'x86-6.12-noiommu', 'x86-6.12-cdev'])('re-recording the replay of %s', (fixture) => {
  it('replays to the same JSON as the original snapshot', () => {
    const file = path.join(FIX, fixture, 'snapshot.json')
    const doc = validateSnapshot(JSON.parse(readFileSync(file, 'utf8')), file)
    const argv = fixture.endsWith('-cdev') ? ['--via', 'cdev'] : []
    const first = replayHost(doc)
    const rec = new Recording('test', [], new Date(0))
    const direct = runJson({ fs: new RecordingFs(first.fs, rec), sys: new RecordingSys(first.sys, rec), names: null }, argv)
    const again = runJson(replayHost(validateSnapshot(JSON.parse(JSON.stringify(rec.doc)), 're-recorded')), argv)
    expect(again).toBe(direct)
    // and fds made by one ioctl were named from it (container>group, iommufd>cdev): the part that broke
    expect(Object.keys(rec.doc.ioctl).filter((k) => k.includes('>')).length).toBeGreaterThan(0)
  })
})

// --save writes version 2 (src/snapshot/compact.ts): it must expand to exactly the flat document.
describe.each(['x86-6.12', 'x86-6.1', 'x86-7.3', 'x86-6.12-noiommu', 'x86-6.12-cdev', 'arm64-6.12'])('the compact form of %s', (fixture) => {
  const name = fixture.startsWith('arm64') ? 'lsvfio-snapshot.json' : 'snapshot.json'
  const file = path.join(FIX, fixture, name)
  const flat = (): SnapshotDoc => parseSnapshot(readFileSync(file, 'utf8'), file)

  it('expands to the same answers, and is smaller', () => {
    const doc = flat()
    const text = compactSnapshot(doc)
    const back = parseSnapshot(text, 'compact.json')
    expect(JSON.parse(text)).toMatchObject({ format: 'lsvfio-snapshot', version: 2 })
    expect([back.fs, back.open, back.ioctl, back.pread]).toEqual([doc.fs, doc.open, doc.ioctl, doc.pread])
    expect(text.length).toBeLessThan(JSON.stringify(doc).length * 0.8)
  })

  it('names the defect of a corrupt one in one line', () => {
    const c = JSON.parse(compactSnapshot(flat())) as { blobs: string[]; fs: Record<string, unknown>; ioctl: Record<string, Record<string, unknown>> }
    const broken = [
      { ...c, blobs: 'x' },
      { ...c, blobs: [] },
      { ...c, fs: { '/sys/': 5 } },
      { ...c, fs: { '/sys/': { 'nospace': 'x' } } },
      { ...c, ioctl: { '/dev/vfio/1': { '15207 none': [1, 2] } } },
      { ...c, ioctl: { '/dev/vfio/1': { '15207 buf @999999': 0 } } },
    ]
    for (const b of broken) expect(() => parseSnapshot(JSON.stringify(b), 'bad.json')).toThrow(/^bad\.json: not a usable lsvfio snapshot \(.+\); capture one with/)
  })
})
