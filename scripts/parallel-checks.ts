// The checks `npm test` runs before its tests (type checks, lint, the dashboard build), side by side
// instead of one after another (decision 2059). Each check's output is held until it ends and then
// printed whole under its name, so two checks never interleave; a summary names every failure.
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'

export interface CheckStep {
  /** The npm script it comes from, and its place there when the script chains several commands. */
  readonly name: string
  readonly command: string
}

export interface StepResult {
  readonly step: CheckStep
  readonly code: number
  readonly seconds: number
  readonly output: string
}

/**
 * The npm scripts whose commands are the checks, in the order `npm test` used to run them. The
 * commands are read from package.json, so a check added to `lint` runs here too.
 */
export const CHECK_SCRIPTS = ['typecheck', 'lint', 'build:web'] as const

/** Splits each script at ` && ` into commands that can run at the same time. */
export function checkSteps(scripts: Readonly<Record<string, string>>, names: readonly string[]): CheckStep[] {
  return names.flatMap((name) => {
    const script = scripts[name]
    if (script === undefined) throw new Error(`package.json has no "${name}" script`)
    // Only a plain chain splits: a script with other shell operators stays one command.
    const commands = /[|;<>`$&]/.test(script.replaceAll('&&', ''))
      ? [script]
      : script.split('&&').map((command) => command.trim())
    return commands.map((command, index) => ({
      name: commands.length === 1 ? name : `${name} ${index + 1}/${commands.length}`,
      command,
    }))
  })
}

/** One check in a shell (npm's PATH holds node_modules/.bin), its stdout and stderr in one buffer. */
function runStep(step: CheckStep, cwd: string, env: NodeJS.ProcessEnv): Promise<StepResult> {
  const started = performance.now()
  const chunks: Buffer[] = []
  const child = spawn(step.command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve) => {
    const finish = (code: number, extra = '') =>
      resolve({
        step,
        code,
        seconds: (performance.now() - started) / 1000,
        output: Buffer.concat(chunks).toString('utf8') + extra,
      })
    child.on('error', (error) => finish(1, `${error.message}\n`))
    child.on('close', (code, signal) => finish(code ?? 1, signal === null ? '' : `killed by ${signal}\n`))
  })
}

export interface RunOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
  /** Checks running at once; the default is one per core. */
  concurrency?: number
  /** Where each check's block and the summary go. */
  write?: (text: string) => void
}

/**
 * Runs the steps, at most `concurrency` at a time, starting them in the order given (put the
 * longest first: on 2 cores the main type check then takes one core while the rest share the
 * other). Resolves with every result, in the order of the steps.
 */
export async function runChecks(steps: readonly CheckStep[], options: RunOptions): Promise<StepResult[]> {
  const write = options.write ?? ((text: string) => process.stdout.write(text))
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism())
  const results: StepResult[] = new Array(steps.length)
  let next = 0
  const worker = async () => {
    while (next < steps.length) {
      const index = next++
      const result = await runStep(steps[index]!, options.cwd, options.env ?? process.env)
      results[index] = result
      write(formatBlock(result))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, steps.length) }, worker))
  write(formatSummary(results))
  return results
}

function status(result: StepResult): string {
  return result.code === 0 ? 'ok' : `FAILED (exit ${result.code})`
}

export function formatBlock(result: StepResult): string {
  const output =
    result.output.length === 0 || result.output.endsWith('\n') ? result.output : `${result.output}\n`
  return `\n── ${result.step.name}: ${status(result)} in ${result.seconds.toFixed(1)} s ── ${result.step.command}\n${output}`
}

export function formatSummary(results: readonly StepResult[]): string {
  const failed = results.filter((result) => result.code !== 0)
  const lines = ['', 'checks:']
  for (const result of results)
    lines.push(
      `  ${status(result).padEnd(18)} ${result.seconds.toFixed(1).padStart(6)} s  ${result.step.name}`,
    )
  lines.push(
    failed.length === 0
      ? `all ${results.length} checks passed`
      : `${failed.length} of ${results.length} checks failed: ${failed.map((result) => result.step.name).join(', ')} (their output is above, under their names)`,
  )
  return `${lines.join('\n')}\n`
}
