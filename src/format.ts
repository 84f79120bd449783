/**
 * Formatting every layer needs (the core's error messages, the screen's bars and tables). The ground
 * floor: imports nothing of june, so src/runtime, src/sandbox, src/bench and src/ui can all use it.
 */

/** Human-readable sizes (binary units), the one formatter every message and bar uses. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
