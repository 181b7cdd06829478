import { createRequire } from 'node:module'
import { HubError } from '../contracts/index.ts'

/** Where Debian's pocketsphinx-en-us puts the US English acoustic model and dictionary. */
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us'
/** Debian's shared libraries (packages libpocketsphinx3 and libsphinxbase3, pulled in by pocketsphinx). */
export const DEFAULT_POCKETSPHINX_LIBRARY = 'libpocketsphinx.so.3'
export const DEFAULT_SPHINXBASE_LIBRARY = 'libsphinxbase.so.3'
export const WAKE_WORD_INSTALL_HINT =
  'apt-get install -y pocketsphinx pocketsphinx-en-us (or: sudo bash scripts/setup-system.sh)'

/** An opaque C pointer (ps_decoder_t*, cmd_ln_t*, ps_seg_t*). */
type Pointer = object

type NativeFunction = (...args: unknown[]) => unknown

/**
 * The few functions of libpocketsphinx 5prealpha (Debian 12) that keyword spotting needs, called
 * through koffi (a C foreign-function interface whose npm package ships its prebuilt addon).
 */
export interface PocketsphinxLibrary {
  parseConfig(argv: string[]): Pointer | null
  init(config: Pointer): Pointer | null
  free(decoder: Pointer): void
  startUtterance(decoder: Pointer): number
  endUtterance(decoder: Pointer): number
  processRaw(decoder: Pointer, samples: Int16Array): number
  hypothesis(decoder: Pointer): string | null
  /** The last segment of the hypothesis: the keyphrase found, and its posterior (0–1). */
  lastSegment(decoder: Pointer): { word: string; probability: number } | undefined
  setKeywordFile(decoder: Pointer, name: string, path: string): number
  setSearch(decoder: Pointer, name: string): number
  /** The word's phones in the dictionary, or undefined when the dictionary does not know it. */
  lookupWord(decoder: Pointer, word: string): string | undefined
}

let loaded: PocketsphinxLibrary | undefined

/** Loads the libraries once; E_DEPENDENCY_UNAVAILABLE with the install line when they are missing. */
export function pocketsphinxLibrary(): PocketsphinxLibrary {
  if (loaded !== undefined) return loaded
  let koffi: {
    load(path: string): { func(signature: string): NativeFunction }
  }
  try {
    koffi = createRequire(import.meta.url)('koffi')
  } catch (error) {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `the koffi package does not load: ${(error as Error).message}`,
    )
  }
  let library: { func(signature: string): NativeFunction }
  let base: { func(signature: string): NativeFunction }
  try {
    library = koffi.load(DEFAULT_POCKETSPHINX_LIBRARY)
    base = koffi.load(DEFAULT_SPHINXBASE_LIBRARY)
  } catch {
    throw new HubError(
      'E_DEPENDENCY_UNAVAILABLE',
      `${DEFAULT_POCKETSPHINX_LIBRARY} is not installed: ${WAKE_WORD_INSTALL_HINT}`,
    )
  }
  const psArgs = library.func('void* ps_args()')
  const parse = base.func('void* cmd_ln_parse_r(void*, void*, int, const char**, int)')
  const init = library.func('void* ps_init(void*)')
  const free = library.func('int ps_free(void*)')
  const start = library.func('int ps_start_utt(void*)')
  const end = library.func('int ps_end_utt(void*)')
  const processRaw = library.func('int ps_process_raw(void*, const int16_t*, size_t, int, int)')
  const hypothesis = library.func('const char* ps_get_hyp(void*, _Out_ int32_t*)')
  const segmentIterator = library.func('void* ps_seg_iter(void*)')
  const segmentNext = library.func('void* ps_seg_next(void*)')
  const segmentWord = library.func('const char* ps_seg_word(void*)')
  const segmentProbability = library.func(
    'int32_t ps_seg_prob(void*, _Out_ int32_t*, _Out_ int32_t*, _Out_ int32_t*)',
  )
  const logMath = library.func('void* ps_get_logmath(void*)')
  const logMathExp = base.func('double logmath_exp(void*, int)')
  const setKeywords = library.func('int ps_set_kws(void*, const char*, const char*)')
  const setSearch = library.func('int ps_set_search(void*, const char*)')
  const lookup = library.func('const char* ps_lookup_word(void*, const char*)')
  loaded = {
    parseConfig: (argv) => parse(null, psArgs(), argv.length, argv, 1) as Pointer | null,
    init: (config) => init(config) as Pointer | null,
    free: (decoder) => void free(decoder),
    startUtterance: (decoder) => start(decoder) as number,
    endUtterance: (decoder) => end(decoder) as number,
    processRaw: (decoder, samples) => processRaw(decoder, samples, samples.length, 0, 0) as number,
    hypothesis: (decoder) => hypothesis(decoder, [0]) as string | null,
    lastSegment(decoder) {
      let segment = segmentIterator(decoder) as Pointer | null
      let last: { word: string; probability: number } | undefined
      // ps_seg_next frees the iterator when it passes the last segment.
      while (segment !== null) {
        const probability = segmentProbability(segment, [0], [0], [0]) as number
        last = {
          word: String(segmentWord(segment)),
          probability: logMathExp(logMath(decoder), probability) as number,
        }
        segment = segmentNext(segment) as Pointer | null
      }
      return last
    },
    setKeywordFile: (decoder, name, path) => setKeywords(decoder, name, path) as number,
    setSearch: (decoder, name) => setSearch(decoder, name) as number,
    lookupWord: (decoder, word) => (lookup(decoder, word) as string | null) ?? undefined,
  }
  return loaded
}
