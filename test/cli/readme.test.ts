// The README is read where it is shipped (npm, a terminal, a clone without network): every link stays
// inside the repository and exists, prose lines are whole (no code span or word cut over a line end),
// and every sample output line is a whole line of what lsvfio prints for the fixture it names.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = path.resolve(import.meta.dirname, '../..')
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8')
const LINES = README.split('\n')

interface Block {
  section: string
  start: number
  lines: string[]
}

function parse(): { prose: { n: number; text: string }[]; blocks: Block[] } {
  const prose: { n: number; text: string }[] = []
  const blocks: Block[] = []
  let section = ''
  let open: Block | null = null
  LINES.forEach((l, i) => {
    if (l.startsWith('```')) {
      if (open === null) open = { section, start: i + 1, lines: [] }
      else {
        blocks.push(open)
        open = null
      }
      return
    }
    if (open !== null) open.lines.push(l)
    else {
      if (l.startsWith('## ')) section = l.slice(3)
      prose.push({ n: i + 1, text: l })
    }
  })
  return { prose, blocks }
}

describe('README.md', () => {
  const { prose, blocks } = parse()

  it('links only to files of this repository, and each exists', () => {
    const targets = [...README.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((m) => m[1] ?? m[2] ?? '')
    expect(targets.length).toBeGreaterThan(0)
    for (const t of targets) {
      expect(t, 'a link with a scheme leaves the repository').not.toMatch(/^[a-z][a-z0-9+.-]*:/i)
      const file = t.split('#')[0] ?? ''
      if (file !== '') expect(existsSync(path.join(REPO, file)), t).toBe(true)
    }
    // nor a bare address in the text
    expect(README).not.toMatch(/\b(https?|ftp):\/\//i)
    expect(README).not.toMatch(/\bwww\.[a-z0-9-]+\./i)
  })

  it('prose lines are whole: no code span or hyphenated word broken over a line end, none wider than 110 columns', () => {
    for (const { n, text } of prose) {
      if (text.startsWith('|')) continue // a table row is one line by definition
      expect(text.replace(/``/g, '').split('`').length % 2, `line ${n}: a code span continues on the next line`).toBe(1)
      expect(text, `line ${n}: a word is cut at the line end`).not.toMatch(/[a-z]-$/i)
      // one token longer than the width (a metric name) cannot be broken
      if (text.length > 110) expect(text.trim().split(/\s+/).length, `line ${n} is ${text.length} columns`).toBe(1)
    }
  })

  const built = existsSync(path.join(REPO, 'dist/cli/main.js'))
  it.runIf(built)('sample output is whole lines of what lsvfio prints for the fixture it names', () => {
    const snap = 'test/fixtures/x86-6.12/snapshot.json'
    expect(README).toContain(`All from \`${snap}\``)
    const out = (...args: string[]): string[] => spawnSync(process.execPath, [path.join(REPO, 'bin/lsvfio.js'), '--from', path.join(REPO, snap), ...args], { encoding: 'utf8' }).stdout.split('\n')
    // the modes the section shows, on the devices it shows them for
    const text = new Set(
      [['--open'], ['--open', '-v', '-s', '01:00.0'], ['--open', '-vv', '-s', '02:00.0'], ['--open', '-t'], ['--open', '-xxx', '-s', '00:03.0'], ['--open', '--hexdump', '-s', '01:00.0'], ['-v', '-s', '01:00.0']].flatMap((a) => out(...a)),
    )
    const json = new Set(out('--open', '--json').map((l) => l.trim().replace(/,$/, '')))
    const samples = blocks.filter((b) => b.section === 'Sample output' || b.section === 'What it touches')
    expect(samples.length).toBeGreaterThanOrEqual(8)
    for (const b of samples) {
      const isJson = b.lines[0] === '{'
      b.lines.forEach((l, i) => {
        if (l === '' || l === '...') return
        const where = `README.md line ${b.start + i + 1}`
        if (isJson) {
          if (!/^[{}]$/.test(l.trim())) expect(json.has(l.trim().replace(/,$/, '')), `${where}: ${l}`).toBe(true)
        } else expect(text.has(l), `${where} is not a whole line of lsvfio's output: ${l}`).toBe(true)
      })
    }
  })
})
