/** Built-in plugin `builtin:doc-bot` (not implemented yet: see unavailable.ts). */
import { unavailableBot } from './unavailable.js';

export default unavailableBot('doc-bot');
