import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { HubError } from '../contracts/index.ts'
import { argumentError } from './args.ts'

/**
 * The absolute path of an input file a command reads, checked before anything is read or opened:
 * an empty name is a usage mistake; a missing file or a directory says so with its name (a read
 * of a directory otherwise fails mid-stream with a bare EISDIR).
 */
export function inputFilePath(file: string, cwd: string): string {
  if (file === '') throw argumentError('the FILE name is empty; give a file, or - for stdin')
  const path = resolve(cwd, file)
  let isFile: boolean
  try {
    isFile = statSync(path).isFile()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new HubError('E_IO', `${file}: no such file`)
    throw new HubError('E_IO', `${file}: cannot read it (${code ?? (error as Error).message})`)
  }
  if (!isFile) throw new HubError('E_BAD_REQUEST', `${file} is a directory, not a file`)
  return path
}
