import { execFile } from 'node:child_process'
import { statfs } from 'node:fs/promises'
import { cpus, freemem, loadavg, totalmem } from 'node:os'

/** Fractions in use, 0..1; vram is undefined where no nvidia-smi answers. */
export interface SystemSample {
  readonly cpu: number
  readonly ram: number
  readonly disk: number
  readonly vram: number | undefined
}

/** nvidia-smi gets this long to answer, in milliseconds. */
export const DEFAULT_NVIDIA_SMI_TIMEOUT_MS = 2_000

/** Cpu time per core below which the busy share is not measured yet, in milliseconds. */
export const MIN_CPU_SAMPLE_MS = 200

function cpuTimes(): { idle: number; total: number; cores: number } {
  let idle = 0
  let total = 0
  const all = cpus()
  for (const cpu of all) {
    const times = cpu.times
    idle += times.idle
    total += times.user + times.nice + times.sys + times.idle + times.irq
  }
  return { idle, total, cores: all.length }
}

function clampFraction(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0
}

function queryVram(): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=memory.used,memory.total', '--format=csv,noheader,nounits'],
      { timeout: DEFAULT_NVIDIA_SMI_TIMEOUT_MS },
      (error, stdout) => {
        if (error !== null) return resolve(undefined)
        let used = 0
        let total = 0
        for (const line of stdout.trim().split('\n')) {
          const [usedText, totalText] = line.split(',').map((part) => Number(part.trim()))
          if (usedText === undefined || totalText === undefined || !(totalText > 0)) continue
          used += usedText
          total += totalText
        }
        resolve(total > 0 ? used / total : undefined)
      },
    )
  })
}

/**
 * Samples the machine: cpu as the busy share since the previous sample (all cores), ram in use,
 * disk in use where `diskPath` lives, and vram summed over the GPUs nvidia-smi lists. nvidia-smi
 * is asked once; if it is missing or fails, vram is not sampled again.
 */
export function createSystemSampler(diskPath: string): () => Promise<SystemSample> {
  let previous = cpuTimes()
  let vramAvailable = true
  return async () => {
    const current = cpuTimes()
    const total = current.total - previous.total
    // Right after open there is no interval to measure yet: the load average stands in.
    const measured = total >= MIN_CPU_SAMPLE_MS * current.cores
    const cpu = measured
      ? 1 - (current.idle - previous.idle) / total
      : (loadavg()[0] ?? 0) / Math.max(1, current.cores)
    if (measured) previous = current
    const disk = await statfs(diskPath)
      .then((stats) => (stats.blocks > 0 ? 1 - stats.bavail / stats.blocks : 0))
      .catch(() => 0)
    const vram = vramAvailable ? await queryVram() : undefined
    if (vram === undefined) vramAvailable = false
    return {
      cpu: clampFraction(cpu),
      ram: clampFraction(1 - freemem() / totalmem()),
      disk: clampFraction(disk),
      vram: vram === undefined ? undefined : clampFraction(vram),
    }
  }
}
