#!/usr/bin/env node
// Runs a TypeScript entry (bench/main.ts by default) with plain node: esbuild bundles it into
// node_modules/.cache (so koffi still resolves), then it runs with the repository as working directory.
// Usage: node bench/run.mjs [entry.ts] [-- args...]
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const entry = args[0] !== undefined && args[0].endsWith('.ts') ? path.resolve(args.shift()) : path.join(repo, 'bench/main.ts')
const outDir = path.join(repo, 'node_modules/.cache/lsvfio-run')
mkdirSync(outDir, { recursive: true })
// Named by the entry's path: bench/main.ts and test/fuzz/main.ts running at once must not share a file
// (the fuzzer's workers re-run their own bundle).
const outfile = path.join(outDir, path.relative(repo, entry).replace(/[\\/]/g, '-').replace(/\.ts$/, '.mjs'))
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
})
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { cwd: repo, stdio: 'inherit' })
process.exitCode = r.status ?? 1
