/**
 * june's config file (config.json), validated with zod. A bad file is reported with its path, the
 * key that is wrong and what was expected.
 */
import {readFile} from 'node:fs/promises';
import {z} from 'zod';
import {JuneError} from './errors.js';
import {type Env, resolvePaths} from './paths.js';

export const GpuSetting = z.enum(['auto', 'cuda', 'vulkan', 'metal', 'false']);
export type GpuSetting = z.infer<typeof GpuSetting>;

export const ProfileSchema = z
  .object({
    /** A catalog id, an hf: URI or a GGUF path, for the embedded backend. */
    model: z.string().min(1).optional(),
    /** An OpenAI-compatible server; when set the model is the server's model name. */
    endpoint: z.string().url().optional(),
    apiKeyEnv: z.string().min(1).optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** Default model id per role; falls back to the catalog's defaults. */
    defaults: z
      .object({
        coder: z.string().min(1).optional(),
        chat: z.string().min(1).optional(),
        stt: z.string().min(1).optional(),
        tts: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** A mirror root (directory or URL) holding models/ and datasets/. */
    mirror: z.string().min(1).optional(),
    gpu: GpuSetting.default('auto'),
    threads: z.number().int().positive().optional(),
    policy: z
      .object({
        /** Models with at least this many parameters (billions) never load without a GPU that fits them. */
        cpuMaxParamsB: z.number().positive().default(30),
      })
      .strict()
      .default({cpuMaxParamsB: 30}),
    profiles: z.record(z.string(), ProfileSchema).default({}),
    /** The profile used when the chosen one fails, only when configured. */
    fallbackProfile: z.string().min(1).optional(),
  })
  .strict();

export type JuneConfig = z.infer<typeof ConfigSchema>;

/** One line for the first problem zod found: the key path and what was expected. */
export function describeZodIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `key "${key}": ${issue.message}`;
}

export function parseConfig(text: string, file: string): JuneConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JuneError('CONFIG_INVALID', `config file ${file} is not valid JSON (${(err as Error).message})`, {
      hint: 'fix the JSON syntax or delete the file to use the defaults',
    });
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('CONFIG_INVALID', `config file ${file}: ${describeZodIssue(parsed.error)}`, {
      hint: 'fix that key (see the README section "Config") or remove it',
    });
  return parsed.data;
}

export async function loadConfig(env: Env = process.env): Promise<JuneConfig> {
  const file = resolvePaths(env).configFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes(String((err as {code?: string}).code))) return ConfigSchema.parse({}); // no such file
    throw new JuneError('CONFIG_INVALID', `cannot read config file ${file}: ${(err as Error).message}`, {
      hint: 'check its permissions',
    });
  }
  return parseConfig(text, file);
}
