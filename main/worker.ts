// Electron's utilityProcess entry: the same engine process the serve mode starts with child_process.fork.
import '../src/host/engine-worker.js';
