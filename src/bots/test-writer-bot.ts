/** Built-in plugin `builtin:test-writer-bot` (not implemented yet: see unavailable.ts). */
import { unavailableBot } from './unavailable.js';

export default unavailableBot('test-writer-bot');
