// The process boundary: the only file that reads argv/env, writes stdout/stderr and sets the exit code.
import { readFileSync, writeFileSync } from 'node:fs'
import { EXIT, LsvfioError } from '../errors.js'
import { createStyle } from '../render/style.js'
import { composeHost } from './compose.js'
import { parseArgs } from './program.js'
import { run } from './run.js'

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function useColor(when: 'auto' | 'always' | 'never'): boolean {
  if (when !== 'auto') return when === 'always'
  return process.stdout.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb'
}

function main(): number {
  const argv = process.argv.slice(2)
  const v = version()
  try {
    const parsed = parseArgs(argv, v)
    if (parsed.kind === 'exit') {
      process.stdout.write(parsed.out)
      return parsed.code
    }
    const o = parsed.options
    const { host, recording } = composeHost(o, `lsvfio ${v}`, argv, new Date())
    const r = run(host, o, createStyle(useColor(o.color)), { version: v, argv })
    if (recording !== null && o.save !== null) writeFileSync(o.save, JSON.stringify(recording.doc) + '\n')
    process.stdout.write(r.stdout)
    for (const line of r.stderr) process.stderr.write(`lsvfio: ${line}\n`)
    return r.exitCode
  } catch (e: unknown) {
    if (e instanceof LsvfioError) {
      process.stderr.write(`lsvfio: ${e.message}\n`)
      return e.exitCode
    }
    const msg = e instanceof Error ? e.message : String(e)
    process.stderr.write(`lsvfio: internal error: ${msg}; please report it with the command line and, if possible, a --save snapshot\n`)
    return EXIT.fatal
  }
}

// A closed pipe (lsvfio | head -1) is a normal end, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
})

process.exitCode = main()
