/** Built-in plugin `builtin:patch-bot` (not implemented yet: see unavailable.ts). */
import { unavailableBot } from './unavailable.js';

export default unavailableBot('patch-bot');
