/** Prometheus metrics of `june serve` (prom-client, one registry per server). */
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly errors: Counter<'route' | 'code'>;
  readonly latency: Histogram<'route'>;
  readonly ttft: Histogram<'route'>;
  readonly tokensPerSecond: Histogram<'route'>;
  readonly promptTokens: Counter;
  readonly completionTokens: Counter;
  readonly inFlight: Gauge;
  readonly queued: Gauge;

  constructor(model: string) {
    this.registry.setDefaultLabels({model});
    collectDefaultMetrics({register: this.registry, prefix: 'june_'});
    const registers = [this.registry];
    this.requests = new Counter({name: 'june_requests_total', help: 'HTTP requests answered, by route and status.', labelNames: ['route', 'status'], registers});
    this.errors = new Counter({name: 'june_request_errors_total', help: 'Requests that failed, by route and error code.', labelNames: ['route', 'code'], registers});
    this.latency = new Histogram({
      name: 'june_request_duration_seconds',
      help: 'Time from a request arriving to its last byte, queueing included.',
      labelNames: ['route'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.ttft = new Histogram({
      name: 'june_time_to_first_token_seconds',
      help: 'Time from a generation request arriving to its first generated token, queueing included.',
      labelNames: ['route'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.tokensPerSecond = new Histogram({
      name: 'june_generation_tokens_per_second',
      help: 'Generated tokens per second of each request, after its first token.',
      labelNames: ['route'],
      buckets: [1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 250, 500, 1000],
      registers,
    });
    this.promptTokens = new Counter({name: 'june_prompt_tokens_total', help: 'Prompt tokens processed.', registers});
    this.completionTokens = new Counter({name: 'june_completion_tokens_total', help: 'Tokens generated.', registers});
    this.inFlight = new Gauge({name: 'june_requests_in_flight', help: 'Generation requests being served now.', registers});
    this.queued = new Gauge({name: 'june_requests_queued', help: 'Generation requests waiting for a free sequence.', registers});
  }
}
