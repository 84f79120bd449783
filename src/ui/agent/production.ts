/**
 * React's development build checks every render and is several times slower: the TUI runs the
 * production build unless the user asked otherwise. Imported first by index.ts, so this runs
 * before react and ink are evaluated (they read NODE_ENV when they load).
 */
process.env.NODE_ENV ??= 'production';
export {};
