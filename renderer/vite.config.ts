import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The build is loaded from file:// in Electron and from the serve mode's root, so asset URLs stay relative.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist-renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    // Plotly alone is ~4.5 MB minified; it is loaded locally, never over a network.
    chunkSizeWarningLimit: 6000,
  },
});
