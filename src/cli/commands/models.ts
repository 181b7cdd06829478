import { listModelFiles, pullModelFile, removeModelFile } from '../../model-files/index.ts'
import { parseArgs } from '../args.ts'
import { verbUsage } from '../help.ts'
import { type CommandGroup, type CommandIo, writeLine } from '../io.ts'
import { DATA_DIR_HELP, dataDirFor } from './data-dir.ts'

const USAGE = `usage: localhub models <pull|list|rm> [options]

Model files (GGUF for llama.cpp, whisper .bin) in <data>/models.

  pull URL [--sha256 HEX] [--name NAME]   download; a broken connection is resumed (HTTP Range),
                                          and so is a pull that was stopped; with --sha256 the
                                          file is kept only when its digest matches
  list                                    files with their sizes; unfinished downloads say so
  rm NAME                                 remove a file and any unfinished download of it

  --data DIR       data directory (${DATA_DIR_HELP})`

/** Width of the progress bar, in characters. */
const BAR_WIDTH = 30
/** Without a terminal, progress is a line at every this many percent. */
const PLAIN_PROGRESS_STEP_PERCENT = 10

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

function progressPrinter(io: CommandIo): (received: number, total: number | undefined) => void {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY === true
  let lastStep = -1
  return (received, total) => {
    if (total === undefined || total === 0) {
      if (tty) io.stderr.write(`\r${megabytes(received)}`)
      return
    }
    const fraction = Math.min(1, received / total)
    if (tty) {
      const filled = Math.round(fraction * BAR_WIDTH)
      io.stderr.write(
        `\r[${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${megabytes(received)} / ${megabytes(total)}`,
      )
      return
    }
    const step = Math.floor((fraction * 100) / PLAIN_PROGRESS_STEP_PERCENT)
    if (step > lastStep) {
      lastStep = step
      writeLine(
        io.stderr,
        `${step * PLAIN_PROGRESS_STEP_PERCENT}% ${megabytes(received)} / ${megabytes(total)}`,
      )
    }
  }
}

export const run: CommandGroup = async (argv, io) => {
  let parsed: {
    values: { data?: string; sha256?: string; name?: string; help?: boolean }
    positionals: string[]
  }
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        sha256: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    writeLine(io.stderr, `localhub models: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const values = parsed.values
  const [verb, target, ...extra] = parsed.positionals
  const usageExit = verbUsage(values.help === true, verb, io, USAGE)
  if (usageExit !== undefined) return usageExit
  const dataDir = dataDirFor(values.data, io)
  try {
    if (verb === 'list' && target === undefined) {
      for (const file of listModelFiles(dataDir))
        writeLine(
          io.stdout,
          `${file.name}\t${megabytes(file.sizeBytes)}${file.partial ? '\t(unfinished)' : ''}`,
        )
      return 0
    }
    if (verb === 'rm' && target !== undefined && extra.length === 0) {
      if (removeModelFile(dataDir, target)) return 0
      writeLine(io.stderr, `localhub models: no model file ${target}`)
      return 1
    }
    if (verb === 'pull' && target !== undefined && extra.length === 0) {
      const progress = progressPrinter(io)
      const pulled = await pullModelFile({
        dataDir,
        url: target,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }),
        onProgress: (update) => progress(update.receivedBytes, update.totalBytes),
      })
      if ((io.stderr as { isTTY?: boolean }).isTTY === true) io.stderr.write('\n')
      writeLine(io.stdout, `${pulled.path}\t${megabytes(pulled.sizeBytes)}\tsha256:${pulled.sha256}`)
      return 0
    }
  } catch (error) {
    writeLine(io.stderr, `localhub models: ${(error as Error).message}`)
    return 1
  }
  writeLine(io.stderr, USAGE)
  return 2
}
