// What one command run hands back to main.ts: the text to print and the exit status.
import type { Inventory } from '../model/types.js'

export interface RunResult {
  stdout: string
  stderr: string[]
  exitCode: number
  inventory: Inventory
}
