// The parts of @echogarden/fvad-wasm (libfvad, WebRTC's VAD, built with Emscripten) the voice
// entry uses; the package ships no types.
declare module '@echogarden/fvad-wasm' {
  export interface FvadModule {
    _fvad_new(): number
    _fvad_free(handle: number): void
    _fvad_set_mode(handle: number, mode: number): number
    _fvad_set_sample_rate(handle: number, rate: number): number
    /** 1 voiced, 0 not, -1 a frame length the library does not take. */
    _fvad_process(handle: number, frame: number, samples: number): number
    _malloc(bytes: number): number
    _free(pointer: number): void
    HEAP16: Int16Array
  }
  export default function createFvad(): Promise<FvadModule>
}
