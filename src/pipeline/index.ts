/**
 * The voice pipeline (`june voice-turn`): audio in, speech engines, the streamed turn, audio out.
 * Core code: never imports src/ui or src/commands; the LLM only through src/runtime's ModelHost.
 */
export * from './audio.js';
export * from './engines.js';
export * from './sink.js';
export * from './stt.js';
export * from './text.js';
export * from './tools.js';
export * from './tts.js';
export * from './turn.js';
export * from './vad.js';
export * from './mic.js';
export * from './session.js';
