import {describe, expect, it} from 'vitest';
import {resolveMirror, resolvePaths} from '../src/paths.js';

describe('resolvePaths', () => {
  it('puts everything under JUNE_HOME when set', () => {
    const p = resolvePaths({JUNE_HOME: '/j', HOME: '/h', XDG_CONFIG_HOME: '/x'});
    expect(p.home).toBe('/j');
    expect(p.configFile).toBe('/j/config.json');
    expect(p.modelsDir).toBe('/j/models');
    expect(p.datasetsDir).toBe('/j/datasets');
    expect(p.runsDir).toBe('/j/runs');
    expect(p.benchDir).toBe('/j/bench');
  });

  it('follows XDG otherwise', () => {
    const p = resolvePaths({HOME: '/h', XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: '/data'});
    expect(p.home).toBeNull();
    expect(p.configFile).toBe('/cfg/june/config.json');
    expect(p.modelsDir).toBe('/data/june/models');
    expect(p.runsDir).toBe('/data/june/runs');
  });

  it('defaults XDG dirs under HOME', () => {
    const p = resolvePaths({HOME: '/h'});
    expect(p.configFile).toBe('/h/.config/june/config.json');
    expect(p.dataDir).toBe('/h/.local/share/june');
    expect(p.cacheDir).toBe('/h/.cache/june');
  });

  it('resolves a mirror from the flag, then JUNE_MIRROR', () => {
    expect(resolveMirror('http://m.example/root/', {})).toBe('http://m.example/root');
    expect(resolveMirror(undefined, {JUNE_MIRROR: '/srv/mirror'})).toBe('/srv/mirror');
    expect(resolveMirror(undefined, {})).toBeUndefined();
  });
});
