import {Flags} from '@oclif/core';
import {createInterface} from 'node:readline';
import {JuneCommand} from '../cli/june-command.js';
import {apiKeyFlag, ctxSizeFlag, endpointFlag, gpuFlag, mirrorFlag, modelFlag, modelFlagOptions, profileFlag, threadsFlag} from '../cli/flags.js';
import type {GpuSetting} from '../config.js';
import {JuneError, formatErrorLine, toJuneError} from '../errors.js';
import type {AudioSink, OpenedPipeline, TurnInput, TurnLog, TurnResult} from '../pipeline/index.js';
import type {ChatMessage} from '../runtime/model-host.js';

const STT = ['pocketsphinx', 'whisper', 'whisper-cli'];
const TTS = ['espeak-ng', 'flite', 'piper', 'kokoro'];

export default class VoiceTurn extends JuneCommand<TurnResult | undefined> {
  static override summary = 'One spoken turn: speech → STT → LLM (streamed) → TTS → speech, every stage timed.';
  static override description = `Reads speech (--input FILE: WAV at any rate, channels and bit depth, or OGG/Opus through ffmpeg/opusdec; or --mic), finds the end of speech with an energy gate (silence is refused before any model runs), recognises it (pocketsphinx by default, kept running), streams the model's reply through a sentence splitter into the voice (espeak-ng by default), and writes the reply audio in order while the model is still writing (--output FILE.wav|.ogg, else it plays through aplay/play). Prints a table of the stages; dead air is the time from the last voiced sample delivered to the recogniser to the first reply audio byte. Each turn is appended to voice/turns.jsonl under june's home. --repl keeps everything loaded for many turns (one audio file per line on stdin, or an empty line to record with --mic).
--json prints {"transcript", "reply", "stages": {"sttMs", "llmFirstTokenMs", "llmFirstSentenceMs", "ttsFirstAudioMs", "totalMs"}, "deadAirMs", "output", "engines"} (one such line per turn with --repl).`;

  static override examples = [
    '<%= config.bin %> voice-turn --input question.wav --output reply.wav',
    '<%= config.bin %> voice-turn --input voice-note.ogg --output reply.ogg --model qwen2.5-coder-1.5b --realtime --json',
    '<%= config.bin %> voice-turn --mic --stt whisper --stt-model whisper-base.en',
    'ls *.wav | <%= config.bin %> voice-turn --repl --output-dir replies/',
  ];

  static override handlesInterrupt = true;

  static override flags = {
    input: Flags.string({char: 'i', description: 'The spoken question: a WAV (any rate, channels, bit depth) or an OGG/Opus voice note.', helpValue: 'FILE', exclusive: ['mic']}),
    mic: Flags.boolean({description: 'Record the question from the microphone (arecord or sox rec) until you stop speaking.', default: false}),
    output: Flags.string({char: 'o', description: 'Write the reply audio here (.wav, or .ogg through ffmpeg/opusenc). Without it the reply plays.', helpValue: 'FILE'}),
    'output-dir': Flags.string({description: 'With --repl: write each reply as turn-N.wav in this directory.', helpValue: 'DIR'}),
    play: Flags.boolean({description: 'Play the reply as it arrives (aplay or sox play), also when writing --output.', default: false}),
    model: modelFlag,
    endpoint: endpointFlag,
    'api-key': apiKeyFlag,
    profile: profileFlag,
    stt: Flags.string({description: 'Speech recogniser (default: whisper when the catalog\'s stt model is downloaded, else pocketsphinx).', options: STT}),
    'stt-model': Flags.string({description: 'whisper / whisper-cli: a catalog id or a ggml model file (default: the catalog stt default).', helpValue: 'ID|FILE'}),
    tts: Flags.string({description: 'Voice (default: piper when the catalog\'s Piper voice is downloaded, else espeak-ng).', options: TTS}),
    'tts-model': Flags.string({description: 'piper: the voice (.onnx); kokoro: kokoro-v1.0.onnx.', helpValue: 'FILE'}),
    'tts-voices': Flags.string({description: 'kokoro: voices-v1.0.bin.', helpValue: 'FILE'}),
    voice: Flags.string({description: 'The engine\'s voice name (espeak-ng -v, flite -voice, kokoro --voice).', helpValue: 'NAME'}),
    realtime: Flags.boolean({description: 'Deliver the file to the recogniser at real-time pace, as a microphone would.', default: false}),
    repl: Flags.boolean({description: 'Many turns with everything kept loaded: one audio file per line on stdin (with --mic, an empty line records).', default: false}),
    'max-tokens': Flags.integer({description: 'Reply-token cap.', default: 120, min: 1}),
    'max-seconds': Flags.integer({description: 'Longest input accepted, in seconds.', default: 120, min: 1}),
    system: Flags.string({description: 'System prompt (default: one made for short spoken answers).', helpValue: 'TEXT'}),
    mirror: mirrorFlag,
    gpu: gpuFlag,
    threads: threadsFlag,
    'ctx-size': ctxSizeFlag,
  };

  async run(): Promise<TurnResult | undefined> {
    const {flags} = await this.parse(VoiceTurn);
    const pl = await import('../pipeline/index.js');
    const config = await this.juneConfig();
    if (!flags.repl && !flags.input && !flags.mic)
      throw new JuneError('USAGE', 'nothing to listen to: pass --input FILE or --mic (or --repl)', {hint: 'june voice-turn --input question.wav --output reply.wav'});
    if (flags.repl && flags.input) throw new JuneError('USAGE', '--repl reads its audio files from stdin, one per line', {hint: 'drop --input, or drop --repl'});
    if (flags.output) pl.outputFormat(flags.output);
    if (flags.repl && flags.output) throw new JuneError('USAGE', 'with --repl, write replies with --output-dir DIR (one file per turn)', {hint: 'june voice-turn --repl --output-dir replies/'});

    // no player for a reply that must play: say so before loading anything
    if ((!flags.output && !flags['output-dir']) || flags.play) new pl.PlayerSink();
    if (flags.mic) pl.micRecorder();
    // bad audio fails before any engine or model is started
    const decode = {maxSeconds: flags['max-seconds']};
    const first = flags.input ? await pl.loadClip(flags.input, decode) : null;

    const {defaultFor, loadCatalog} = await import('../runtime/catalog.js');
    const {openModel} = await import('../runtime/open-model.js');
    const {locateModel} = await import('../runtime/model-files.js');
    const catalog = loadCatalog();
    const model = flags.model ?? (flags.endpoint || flags.profile ? undefined : defaultFor(catalog, 'chat', config.defaults).id);
    const mirror = flags.mirror ?? config.mirror;
    // on a CPU, leave a core to the recogniser and the voice (see voiceLlmThreads)
    const gpuSetting = (flags.gpu as GpuSetting | undefined) ?? config.gpu;
    let llmThreads = flags.threads ?? config.threads;
    if (llmThreads === undefined && !flags.endpoint && !flags.profile) {
      const {detectGpu} = await import('../runtime/gpu.js');
      const {info} = await detectGpu(gpuSetting);
      if (info.backend === false) llmThreads = pl.voiceLlmThreads(info.cpuMathCores);
    }
    // the engines: as asked, else a downloaded catalog model (whisper, a Piper voice), else pocketsphinx and espeak-ng
    const downloaded = async (role: 'stt' | 'tts'): Promise<string | null> => {
      try {
        return (await locateModel(defaultFor(catalog, role, config.defaults).id, mirror !== undefined ? {mirror} : {})).path;
      } catch {
        return null; // not downloaded: the built-in engine is the default
      }
    };
    const stt = flags.stt ?? ((await downloaded('stt')) ? 'whisper' : 'pocketsphinx');
    const piperVoice = flags.tts === undefined && !flags['tts-model'] ? await downloaded('tts') : null;
    const tts = flags.tts ?? (piperVoice ? 'piper' : 'espeak-ng');
    const ttsModel = flags['tts-model'] ?? piperVoice ?? undefined;
    const progress = this.showProgress ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
    progress?.(`loading ${stt}, ${tts} and ${model ?? flags.endpoint ?? flags.profile}…`);
    const pipeline: OpenedPipeline = await pl.openVoicePipeline({
      stt,
      ...(flags['stt-model'] ? {sttModel: flags['stt-model']} : {}),
      defaultSttModel: defaultFor(catalog, 'stt', config.defaults).id,
      locate: (ref) => locateModel(ref, mirror !== undefined ? {mirror} : {}),
      tts,
      ...(ttsModel ? {ttsModel} : {}),
      ...(flags['tts-voices'] ? {ttsVoices: flags['tts-voices']} : {}),
      ...(flags.voice ? {voice: flags.voice} : {}),
      maxTokens: flags['max-tokens'],
      ...(flags.system ? {systemPrompt: flags.system} : {}),
      ...(flags.threads ? {threads: flags.threads} : {}),
      openLlm: () =>
        openModel({
          config,
          signal: this.signal,
          ...(model !== undefined ? {model} : {}),
          ...modelFlagOptions({...flags, threads: llmThreads}),
          contextSize: flags['ctx-size'] ?? 2048,
          ...(mirror !== undefined ? {mirror} : {}),
        }),
    });
    progress?.('');
    if (progress) process.stderr.write('\r\x1b[K');

    const log: TurnLog = await pl.TurnLog.open(this.paths.voiceTurnsFile);
    const session = new Date().toISOString();
    const history: ChatMessage[] = [];
    let turn = 0;

    const one = async (input: TurnInput, name: string, output: string | null): Promise<TurnResult> => {
      turn++;
      const sinks: AudioSink[] = [];
      if (output) sinks.push(new pl.FileSink(output));
      if (!output || flags.play) sinks.push(new pl.PlayerSink());
      const sink = sinks.length === 1 ? sinks[0]! : new pl.TeeSink(sinks);
      const outcome = await pl.runTurn(pipeline, input, {
        mode: 'streamed',
        realtime: flags.realtime,
        sink,
        output: output ?? 'playback',
        history: history.slice(-8),
        signal: this.signal,
      });
      const r = outcome.result;
      history.push({role: 'user', content: r.transcript}, {role: 'assistant', content: r.reply});
      await log.append({
        date: new Date().toISOString(),
        session,
        turn,
        input: name,
        mode: 'streamed',
        realtime: flags.realtime || input.kind === 'live',
        speechMs: Math.round(outcome.speechMs),
        replyAudioMs: Math.round(outcome.replyAudioMs),
        pieces: outcome.pieces.length,
        replyTokens: outcome.replyTokens,
        ...r,
      });
      return r;
    };

    try {
      if (!flags.repl) {
        const input: TurnInput = first ? first.input : pl.micInput({maxSeconds: flags['max-seconds'], onListening: () => process.stderr.write('Listening… (stop speaking to end the turn)\n')});
        const r = await one(input, flags.input ?? 'mic', flags.output ?? null);
        if (!this.jsonEnabled()) await this.printTurn(r, log.path);
        return r;
      }
      // --repl: one turn per stdin line, engines kept loaded; a bad turn is reported and the next one runs
      const {mkdir} = await import('node:fs/promises');
      const {join} = await import('node:path');
      if (flags['output-dir']) await mkdir(flags['output-dir'], {recursive: true});
      if (!this.jsonEnabled()) process.stderr.write(`Ready (${pipeline.stt.name}, ${pipeline.model.info.id}, ${pipeline.tts.name}): one audio file per line${flags.mic ? ', or an empty line to speak' : ''}; Ctrl-D ends.\n`);
      const rl = createInterface({input: process.stdin});
      let failures = 0;
      for await (const raw of rl) {
        if (this.signal.aborted) break;
        const line = raw.trim();
        if (!line && !flags.mic) continue;
        try {
          const input: TurnInput = line ? (await pl.loadClip(line, decode)).input : pl.micInput({maxSeconds: flags['max-seconds']});
          const output = flags['output-dir'] ? join(flags['output-dir'], `turn-${turn + 1}.wav`) : null;
          const r = await one(input, line || 'mic', output);
          if (this.jsonEnabled()) process.stdout.write(JSON.stringify(r) + '\n'); // oclif's log is silent under --json
          else await this.printTurn(r, log.path);
        } catch (err) {
          const je = toJuneError(err);
          if (je.code === 'INTERRUPTED') throw je;
          failures++;
          if (this.jsonEnabled()) process.stdout.write(JSON.stringify({error: je.toJSON()}) + '\n');
          else process.stderr.write(formatErrorLine(je) + '\n');
        }
      }
      if (failures > 0) this.exit(1);
      return undefined;
    } finally {
      await log.close();
      await pipeline.close();
    }
  }

  private async printTurn(r: TurnResult, record: string): Promise<void> {
    const {default: Table} = await import('cli-table3');
    const s = r.stages;
    const f = (n: number) => `${Math.round(n)} ms`;
    this.log(`you:   ${r.transcript}`);
    this.log(`june:  ${r.reply}`);
    const rows: Array<[string, string, string]> = [
      ['stt', f(s.sttMs), 'last voiced sample → final transcript'],
      ['llm first token', f(s.llmFirstTokenMs), 'transcript → first token'],
      ['llm first sentence', f(s.llmFirstSentenceMs), 'transcript → first piece to speak'],
      ['tts first audio', f(s.ttsFirstAudioMs), 'first piece → its first audio byte'],
      ['dead air', f(r.deadAirMs), 'last voiced sample → first reply audio'],
      ['total', f(s.totalMs), 'last voiced sample → last reply audio'],
    ];
    const table = new Table({head: ['stage', 'time', 'from → to'], style: {head: [], border: []}, colAligns: ['left', 'right', 'left']});
    for (const row of rows) table.push(row);
    this.log(table.toString());
    this.log(`engines: ${r.engines.stt} → ${r.engines.llm} → ${r.engines.tts}; reply: ${r.output ?? '—'}; recorded in ${record}`);
  }
}
