// Reading the input WAV and writing the output file of `localhub voice`, with the exit codes of
// docs/voice.md: a file problem is exit 3.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CommandIo } from '../io.ts'
import { parseWave, type Wave, WaveFileError } from './voice-wave.ts'

export const EXIT_TURN_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_BAD_FILE = 3
export const EXIT_NO_HUB = 4

export async function readInputWave(path: string, io: CommandIo): Promise<Wave> {
  let file: Buffer
  try {
    file = await readFile(resolve(io.cwd, path))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new WaveFileError(
      code === 'ENOENT' ? `${path}: no such file` : `cannot read ${path}: ${(error as Error).message}`,
    )
  }
  return parseWave(file, path)
}

export async function writeOutputFile(path: string, bytes: Buffer, io: CommandIo): Promise<void> {
  try {
    await writeFile(resolve(io.cwd, path), bytes)
  } catch (error) {
    throw new WaveFileError(`cannot write ${path}: ${(error as Error).message}`)
  }
}
