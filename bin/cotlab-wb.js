#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so the published bin needs no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
