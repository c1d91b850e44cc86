/** How the next token is chosen: a family's defaults, a request's overrides. */
export interface SamplingOptions {
  /** 0 = greedy. */
  readonly temperature: number;
  /** Keep the tokens whose logit is at least the k-th largest (0 or undefined = all). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined = all). */
  readonly topP?: number;
  /** Subtracted once from the logit of every token already generated. */
  readonly presencePenalty?: number;
  readonly seed?: number;
}
