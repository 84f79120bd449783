import {afterAll, describe, expect, it} from 'vitest';
import {requireDocker, runJune, tempHome} from '../helpers/env.js';

const {home, cleanup} = tempHome();
afterAll(cleanup);

describe('june sandbox commands', () => {
  it('status --json reports the image and containers', async () => {
    await requireDocker();
    const r = await runJune(['sandbox', 'status', '--json'], {home});
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(String(r.stdout));
    expect(j.image.tag).toMatch(/^june-sandbox:[0-9a-f]{16}$/);
    expect(typeof j.image.present).toBe('boolean');
    expect(Array.isArray(j.containers)).toBe(true);
  });

  it('an engine that does not answer is one DOCKER_UNAVAILABLE line, exit 4', async () => {
    const r = await runJune(['sandbox', 'status'], {home, env: {DOCKER_HOST: 'tcp://127.0.0.1:1'}});
    expect(r.exitCode).toBe(4);
    expect(String(r.stderr).trim().split('\n')).toHaveLength(1);
    expect(String(r.stderr)).toMatch(/^Error \(DOCKER_UNAVAILABLE\): .*127\.0\.0\.1:1.*Hint: start it/);
    const j = await runJune(['sandbox', 'prune', '--json'], {home, env: {DOCKER_HOST: 'unix:///nonexistent/docker.sock'}});
    expect(j.exitCode).toBe(4);
    expect(JSON.parse(String(j.stdout)).error.code).toBe('DOCKER_UNAVAILABLE');
  });
});
