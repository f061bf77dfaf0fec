// The dashboard is compiled into build/web/dist by CMake (web/CMakeLists.txt) and embedded
// into the wardsoc binary. Nothing is loaded from outside at run time, and nothing may
// need an inline script or style: wardsoc serves it with a strict Content-Security-Policy.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.WARDSOC_WEB_OUT ?? 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The polyfill would be an inline script; every browser the ward uses has modulepreload.
    modulePreload: { polyfill: false },
    // Fonts and icons stay files: a data: URL would need a looser policy.
    assetsInlineLimit: 0,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
