import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset paths: the built app works from any directory or URL prefix.
  base: './',
  resolve: {
    // The privacy definitions (tests/lib/privacy.mjs) import @polkadot/util from outside this
    // package: resolve them to this package's copy, so one copy is bundled.
    dedupe: ['@polkadot/util', '@polkadot/util-crypto'],
  },
  server: { fs: { allow: ['../..'] } },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
