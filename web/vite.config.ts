/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The server sends a strict Content-Security-Policy (script-src 'self', style-src 'self', no
// inline code or styles), so the build must emit only external, hashed files under /assets/.
export default defineConfig({
  esbuild: {
    jsx: 'automatic',
    jsxImportSource: 'preact',
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // The polyfill would be an inline script; every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    // Never turn small assets into data: URLs for scripts/styles (CSP allows data: for images only).
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
