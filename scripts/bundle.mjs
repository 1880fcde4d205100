#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/cli/lsvfio.cjs, which bin/load.cjs runs: loading one
// file instead of ~70 ES modules halves lsvfio's start-up over Node's floor (`npm run bench`).
// Then writes V8's code cache for it (dist/cli/lsvfio.cache) from one run over a fixture, so the
// functions a run needs are not compiled again on every start. Run after tsc (npm run build).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outfile = path.join(repo, 'dist/cli/lsvfio.cjs')
const cache = path.join(repo, 'dist/cli/lsvfio.cache')

// Two start-up costs lsvfio never uses, replaced at bundle time only:
// - chalk's supports-color probes the terminal through node:tty (which loads net and streams) when
//   imported; lsvfio always gives chalk an explicit level, so its browser variant (level 0) is used.
// - commander requires node:child_process for executable subcommands; lsvfio has none.
const trim = {
  name: 'lsvfio-startup',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: path.join(repo, 'node_modules/chalk/source/vendor/supports-color/browser.js') }))
    b.onResolve({ filter: /^node:child_process$/ }, (a) => (a.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'lsvfio-stub' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'lsvfio-stub' }, () => ({
      contents: "exports.spawn = () => { throw new Error('lsvfio has no executable subcommands') }",
      loader: 'js',
    }))
  },
}

await build({
  entryPoints: [path.join(repo, 'src/cli/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // koffi is a native addon, loaded on the first ioctl only.
  external: ['koffi'],
  // The bundle sits where dist/cli/main.js does, so import.meta.url-relative paths stay right.
  define: { 'import.meta.url': '__lsvfioUrl' },
  banner: { js: "'use strict';\nconst __lsvfioUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [trim],
  // No comments or indentation: a smaller file to read and compile on every start, and pure ASCII
  // (esbuild escapes the rest), which bin/load.cjs reads as such.
  minifyWhitespace: true,
  charset: 'ascii',
  logLevel: 'warning',
})

// The build id, the bundle's hash, ends both the bundle and tsc's main.js: bin/load.cjs runs the bundle
// only when the two agree (tsc run alone since leaves main.js without it), and a code cache only when
// its header names it.
const source = readFileSync(outfile)
if (source.some((c) => c > 0x7f)) throw new Error(`bundle: ${outfile} is not ASCII; bin/load.cjs reads it as such`)
const id = createHash('sha256').update(source).digest('hex').slice(0, 16)
const trailer = `//# lsvfio-build ${id}\n`
writeFileSync(outfile, Buffer.concat([source, Buffer.from(trailer)]))
const mainJs = path.join(repo, 'dist/cli/main.js')
if (existsSync(mainJs)) writeFileSync(mainJs, readFileSync(mainJs, 'utf8').replace(/\/\/# lsvfio-build [0-9a-f]{16}\n$/, '') + trailer)
rmSync(cache, { force: true })
const fixture = path.join(repo, 'test/fixtures/x86-6.12/snapshot.json')
if (existsSync(fixture)) {
  const r = spawnSync(process.execPath, [path.join(repo, 'bin/lsvfio.js'), '--from', fixture, '-vv'], {
    env: { ...process.env, LSVFIO_WRITE_CODE_CACHE: cache },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (r.status !== 0 && r.status !== 2) console.error(`bundle: code cache not written (training run exited ${r.status ?? r.signal})`)
}
