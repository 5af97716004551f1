/**
 * One metered model call, start to end: bound its worst case, reserve it in the ledger (or wait,
 * paused, until the agent can afford it), send it through the gateway once the reservation is on disk,
 * then post what the provider reported (or keep the whole reservation charged when it reported nothing)
 * before the worker hears the answer. A post within the reservation is answered at once and reaches the
 * disk with the next commit (see `Ledger.post`); anything else is on disk before the worker hears of it.
 */
import { ErrorCodes } from '../protocol/error-codes.js';
import type { ModelCompleteParams, ModelCompleteResult, Usage } from '../protocol/services.js';
import { RpcError } from '../rpc/errors.js';
import type { AgentSpec } from '../spec/types.js';
import { GatewayError, type GatewayUsage, type ModelGateway, type Provider } from '../gateway/types.js';
import type { BudgetLimit, Ledger, LedgerUsage, ReserveOutcome } from '../ledger/ledger.js';
import { formatMicroUsd as formatUsd, microToUsd as picoToUsd } from '../pricing/money.js';
import type { Micro } from '../ledger/ledger.js';
import { inputTokenBound } from '../ledger/worst-case.js';
import { costMicroUsd, worstCaseMicroUsd, type ModelPrice } from '../pricing/price.js';

/** How the meter prices a model: the most a call within token bounds can cost, and the cost of reported usage. */
export interface ModelPricing {
  worstCase(inputTokens: number, outputTokens: number): Micro;
  cost(usage: GatewayUsage): Micro;
}

/** A catalog price (src/pricing) as the meter uses it. */
export function pricingOf(price: ModelPrice): ModelPricing {
  return {
    worstCase: (inputTokens, outputTokens) => worstCaseMicroUsd(price, { inputTokens, outputTokens }),
    cost: (usage) => costMicroUsd(usage, price),
  };
}

/** What a call needs to know about the worker that makes it. */
export interface Caller {
  readonly agent: AgentSpec;
  readonly taskId: string | null;
  /** Protocol minor version the worker negotiated: 1.1 fields go only to 1 and up. */
  readonly minor: number;
  /** The task's wall-time clock stops while the call waits for budget … */
  holdClock(): void;
  /** … and runs again; the worker is told the new deadline. */
  releaseClock(): void;
}

export interface MeterDeps {
  readonly ledger: Ledger;
  readonly gateway: ModelGateway;
  pricing(model: string): ModelPricing;
  provider(agent: AgentSpec): Provider;
  limit(agent: AgentSpec): BudgetLimit;
  /** The agent cannot afford a call now (or just went past its budget): pause it and tell the user. */
  onShort(agent: AgentSpec, shortfall: Exclude<ReserveOutcome, { ok: true }> | { over: true; spent: Micro; budget: Micro }): void;
}

export interface CallIo {
  readonly signal: AbortSignal;
  onDelta(index: number, text: string): void;
}

export class ModelMeter {
  /** Calls waiting for budget, per agent, oldest first. */
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly deps: MeterDeps) {}

  /** Calls waiting for budget now. */
  waitingCalls(agent: string): number {
    return this.waiting.get(agent)?.length ?? 0;
  }

  /**
   * A reservation was settled and released what it held: calls waiting behind calls in flight try again
   * (of every agent: the fleet budget is shared). A call whose agent is paused finds it still short.
   */
  private settled(): void {
    for (const agent of [...this.waiting.keys()]) this.wake(agent);
  }

  /** The agent was resumed (maybe with more budget): waiting calls try again, in order. */
  wake(agent: string): void {
    const queue = this.waiting.get(agent);
    if (!queue) return;
    this.waiting.delete(agent);
    for (const resume of queue) resume();
  }

  async call(caller: Caller, params: ModelCompleteParams, io: CallIo): Promise<ModelCompleteResult> {
    const { agent } = caller;
    const { ledger } = this.deps;
    if (caller.minor < 1) refuse11(params);
    if (params.max_tokens !== undefined && params.max_tokens > agent.max_tokens) {
      throw new RpcError(
        ErrorCodes.InvalidParams,
        `max_tokens ${params.max_tokens} is above ${agent.name}'s max_tokens (${agent.max_tokens}, from its spec)`,
      );
    }
    const outputLimit = params.max_tokens ?? agent.max_tokens;
    const pricing = this.deps.pricing(agent.model);
    const amount = pricing.worstCase(inputTokenBound(params), outputLimit);
    const id = await this.reserve(caller, amount, io.signal);
    await ledger.durable(); // the reservation is on disk before the call is sent
    let index = 0;
    let reply;
    try {
      reply = await this.deps.gateway.complete(
        {
          provider: this.deps.provider(agent),
          model: agent.model,
          messages: params.messages,
          maxOutputTokens: outputLimit,
          stream: params.stream ?? true,
          ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
          ...(params.stop === undefined ? {} : { stop: params.stop }),
          ...(params.tools === undefined ? {} : { tools: params.tools }),
          ...(params.tool_choice === undefined ? {} : { toolChoice: params.tool_choice }),
          ...(params.response_format === undefined ? {} : { responseFormat: params.response_format }),
        },
        { signal: io.signal, onDelta: (text) => io.onDelta(index++, text) },
      );
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError(String(error), 'unknown');
      if (failure.charged === 'none') ledger.void(id, failure.message);
      else ledger.unsettle(id, `no usage reported: ${failure.message}`);
      this.settled();
      await ledger.durable();
      if (io.signal.aborted) throw new RpcError(ErrorCodes.RequestCancelled, 'The model call was cancelled');
      throw new RpcError(ErrorCodes.ModelError, `The model call failed: ${failure.message}`, {
        message: failure.message,
        ...(failure.status === undefined ? {} : { status: failure.status }),
      });
    }
    let cost: Micro;
    let usage: Usage;
    // Whether the worker may hear the answer only once the settlement is on disk: all but a post within
    // the reservation, whose loss in a crash would leave the whole reservation charged (see Ledger.post).
    let waitForDisk = true;
    if (reply.usage === undefined) {
      const entry = ledger.unsettle(id, 'the provider reported no usage: the whole reservation stays charged');
      cost = entry?.charged ?? amount;
      usage = { input_tokens: 0, output_tokens: 0 };
    } else {
      const u: LedgerUsage = reply.usage;
      cost = pricing.cost(u);
      const posted = ledger.post(id, cost, u);
      usage = { input_tokens: u.input_tokens, output_tokens: u.output_tokens };
      if (caller.minor >= 1) usage = { ...usage, cached_input_tokens: u.cached_input_tokens, reasoning_tokens: u.reasoning_tokens };
      if (posted.over_reservation) {
        const balance = ledger.balance(agent.name);
        const budget = this.deps.limit(agent).agent;
        if (balance.spent + balance.reserved > budget) this.deps.onShort(agent, { over: true, spent: balance.spent, budget });
      } else {
        waitForDisk = false;
      }
    }
    this.settled();
    if (waitForDisk) await ledger.durable();
    const finish = caller.minor >= 1 || reply.finishReason !== 'tool_calls' ? reply.finishReason : 'stop';
    const result: ModelCompleteResult = { text: reply.text, finish_reason: finish, model: reply.model, usage, cost_usd: picoToUsd(cost) };
    if (caller.minor >= 1 && reply.toolCalls.length > 0) result.tool_calls = [...reply.toolCalls];
    return result;
  }

  /** Reserves `amount`, waiting (agent paused, clock held) while it does not fit. */
  private async reserve(caller: Caller, amount: Micro, signal: AbortSignal): Promise<string> {
    const { agent } = caller;
    const never = this.neverFits(agent, amount);
    if (never !== undefined) throw new RpcError(ErrorCodes.BudgetExceeded, never, { needed_usd: picoToUsd(amount) });
    for (;;) {
      // Calls queue behind one already waiting, so a small call cannot overtake a big one forever.
      if (!this.waiting.has(agent.name)) {
        const limit = this.deps.limit(agent);
        const outcome = this.deps.ledger.reserve({ agent: agent.name, task_id: caller.taskId, model: agent.model, amount, limit });
        if (outcome.ok) return outcome.id;
        // Only calls in flight stand in the way: wait for one of them to settle. Otherwise the budget
        // cannot cover the call even if every call in flight costs nothing: pause the agent.
        if (outcome.spent + outcome.needed > outcome.budget) this.deps.onShort(agent, outcome);
      }
      const again = this.neverFits(agent, amount);
      if (again !== undefined) throw new RpcError(ErrorCodes.BudgetExceeded, again, { needed_usd: picoToUsd(amount) });
      caller.holdClock();
      try {
        await this.waitForResume(agent.name, signal);
      } finally {
        caller.releaseClock();
      }
    }
  }

  private neverFits(agent: AgentSpec, amount: Micro): string | undefined {
    const limit = this.deps.limit(agent);
    if (amount > limit.agent) {
      return (
        `This call's worst case (${formatUsd(amount)}: the input bound plus max_tokens of output) is above ${agent.name}'s whole ` +
        `budget of ${formatUsd(limit.agent)}; lower max_tokens or the input, or raise the budget`
      );
    }
    if (limit.fleet !== undefined && amount > limit.fleet) {
      return `This call's worst case (${formatUsd(amount)}) is above the fleet's whole budget of ${formatUsd(limit.fleet)} (budget_usd in codex-fleet.yaml)`;
    }
    return undefined;
  }

  private waitForResume(agent: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new RpcError(ErrorCodes.RequestCancelled, 'The model call was cancelled while it waited for budget'));
        return;
      }
      const queue = this.waiting.get(agent) ?? [];
      this.waiting.set(agent, queue);
      const onAbort = (): void => {
        const i = queue.indexOf(go);
        if (i >= 0) queue.splice(i, 1);
        if (queue.length === 0 && this.waiting.get(agent) === queue) this.waiting.delete(agent);
        reject(new RpcError(ErrorCodes.RequestCancelled, 'The model call was cancelled while it waited for budget'));
      };
      const go = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      queue.push(go);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A worker that negotiated 1.0 cannot use what 1.1 added. */
function refuse11(params: ModelCompleteParams): void {
  const extra = (['tools', 'tool_choice', 'response_format'] as const).find((k) => params[k] !== undefined);
  const toolMessage = params.messages.some((m) => m.role === 'tool' || ('tool_calls' in m && m.tool_calls !== undefined));
  if (extra !== undefined || toolMessage) {
    throw new RpcError(
      ErrorCodes.InvalidParams,
      `"${extra ?? 'tool messages'}" needs protocol 1.1, and this worker said 1.0 in "initialize"`,
    );
  }
}
