// Builds the dashboard into web/dist, which the kernel serves at / (src/kernel/server/static-route.ts).
// JSX goes through esbuild's automatic runtime, so no React plugin is needed.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { uiHintsPlugin } from './build/ui-hints-plugin.ts'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: here('public'),
  logLevel: 'warn',
  plugins: [uiHintsPlugin(here('../catalog/registry.yaml'))],
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
})
