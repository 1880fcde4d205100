// The package as users get it: npm pack of this build (npm run bench builds first, so the pack skips
// prepack), npm install -g of the tarball into a temporary prefix, and the bin npm linked there.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { NODE, REPO } from './measure.js'

export interface Installed {
  /** prefix/bin/lsvfio, the symlink a user's PATH finds */
  bin: string
  /** PATH with this Node first, so the bin's `#!/usr/bin/env node` runs the Node the bench runs */
  env: NodeJS.ProcessEnv
  cleanup(): void
}

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } })
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}`)
  return r.stdout
}

/** Packs and installs the package; throws with npm's reason when that cannot be done (offline, no npm). */
export function installPackage(): Installed {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsvfio-bench-install-'))
  try {
    npm(['pack', '--ignore-scripts', '--pack-destination', dir], REPO)
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))
    if (tgz === undefined) throw new Error('npm pack wrote no tarball')
    const prefix = path.join(dir, 'prefix')
    npm(['install', '-g', '--prefix', prefix, path.join(dir, tgz)], dir)
    const bin = path.join(prefix, 'bin/lsvfio')
    if (!existsSync(bin)) throw new Error(`npm install linked no ${bin}`)
    // An empty home: a per-user code cache, if the installed copy wrote one, would not come from here.
    const home = path.join(dir, 'home')
    return {
      bin,
      env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), PATH: `${path.dirname(NODE)}:${process.env.PATH ?? ''}` },
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    }
  } catch (e: unknown) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
}

/** A V8 startup snapshot that holds nothing: what any snapshot costs Node to start from, before its contents. */
export function emptySnapshot(dir: string): string | null {
  const entry = path.join(dir, 'snapshot-entry.cjs')
  const blob = path.join(dir, 'empty.blob')
  writeFileSync(entry, "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {})\n")
  const r = spawnSync(NODE, ['--snapshot-blob', blob, '--build-snapshot', entry], { encoding: 'utf8' })
  return r.status === 0 && existsSync(blob) ? blob : null
}
