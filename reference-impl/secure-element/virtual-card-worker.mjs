// The virtual card's thread (virtual-card.ts): plain JavaScript so that it can register the TypeScript loader
// itself whether or not the parent was started with it.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runVirtualCardThread } = await import('./virtual-card-thread.ts');
runVirtualCardThread(parentPort, workerData);
