// What the x86 and arm64 harnesses share: running one QEMU with a hard timeout, and reading the files a
// guest left in its output share.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'

export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

export interface Attempt {
  status: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  ms: number
  log: string
}

/** Runs QEMU to the end or kills it at the timeout; console output is kept for diagnostics only. */
export function runQemu(binary: string, args: readonly string[], timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => chunks.push(b))
    child.stderr.on('data', (b: Buffer) => chunks.push(b))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, timedOut, ms: Math.round(performance.now() - t0), log: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

/** Reads an output file of a boot as text (throws with the file list if absent). */
export async function readOut(outDir: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(outDir, name), 'utf8')
  } catch {
    const have = existsSync(outDir) ? readdirSync(outDir).join(' ') : '(no outDir)'
    throw new Error(`${name} missing in ${outDir} (have: ${have})`)
  }
}
