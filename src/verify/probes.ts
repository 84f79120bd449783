/**
 * verify's real probes: the Docker engine and the sandbox image through src/sandbox, the model through
 * src/runtime (locateModel + the GGUF policy + the embedded backend). Everything heavy is imported lazily.
 */
import type {GpuSetting, JuneConfig} from '../config.js';
import {JuneError} from '../errors.js';
import type {Env} from '../paths.js';
import {describeGpu} from '../runtime/gpu.js';
import type {DockerProbe, ModelProbe} from './verify.js';

/** The real probes: dockerode through src/sandbox, the model through locateModel + the GGUF policy + the embedded backend. */
export function realDeps(o: {config: JuneConfig; mirror?: string; gpu?: GpuSetting; threads?: number; contextSize?: number; env?: Env}): {docker: DockerProbe; model: ModelProbe} {
  const gpu = o.gpu ?? o.config.gpu;
  const threads = o.threads ?? o.config.threads;
  return {
    docker: {
      async ping() {
        const {dockerClient, pingDocker} = await import('../sandbox/docker.js');
        const d = await dockerClient();
        await pingDocker(d);
        const v = await d.version();
        return v.Version;
      },
      async sandboxImage() {
        const {sandboxImageStatus} = await import('../sandbox/image.js');
        const s = await sandboxImageStatus();
        return {present: s.present, tag: s.tag};
      },
    },
    model: {
      async locate(ref) {
        const {locateModel} = await import('../runtime/model-files.js');
        const mirror = o.mirror ?? o.config.mirror;
        return locateModel(ref, {...(mirror !== undefined ? {mirror} : {}), ...(o.env ? {env: o.env} : {})});
      },
      async plan(path) {
        const {planModelLoad} = await import('../runtime/gguf/policy.js');
        await planModelLoad({path, gpu, cpuMaxParamsB: o.config.policy.cpuMaxParamsB, ...(threads ? {threads} : {}), ...(o.contextSize ? {contextSize: o.contextSize} : {})});
      },
      async gpu() {
        const {detectGpu} = await import('../runtime/gpu.js');
        return describeGpu((await detectGpu(gpu)).info);
      },
      async infer(id, path, signal) {
        const {loadEmbeddedModel} = await import('../runtime/embedded/index.js');
        const t0 = performance.now();
        const host = await loadEmbeddedModel({
          id,
          path,
          gpu,
          cpuMaxParamsB: o.config.policy.cpuMaxParamsB,
          ...(threads ? {threads} : {}),
          ...(o.contextSize ? {contextSize: o.contextSize} : {}),
          ...(signal ? {signal} : {}),
        });
        const loadMs = performance.now() - t0;
        try {
          const info = host.info;
          const {formatParams} = await import('../runtime/gguf/policy.js');
          const loadDetail =
            `${id}: ${formatParams(info.parameters ?? 0)} parameters, ${info.contextSize}-token context, ` +
            `${info.gpu === false ? `CPU, ${info.threads} threads` : `GPU ${info.gpu}`}, loaded in ${Math.round(loadMs)} ms`;
          const r = await host.chat([{role: 'user', content: 'Write one sentence about the sea.'}], {
            maxTokens: 32,
            temperature: 0,
            timeoutMs: 120_000,
            ...(signal ? {signal} : {}),
          }).result;
          if (r.finishReason === 'abort') throw new JuneError('INTERRUPTED', 'interrupted during the test inference');
          return {loadDetail, tokens: r.usage.completionTokens, ttftMs: r.timings.ttftMs, totalMs: r.timings.totalMs};
        } finally {
          await host.close();
        }
      },
    },
  };
}
