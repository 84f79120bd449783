/** The screen's formatters: the ground floor's (src/format.ts), re-exported so src/ui code has one place to import from. */
export {formatBytes} from '../format.js';
