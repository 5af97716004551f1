/**
 * A role plugin for a built-in bot whose implementation has not shipped yet. Its spec validates and its
 * worker starts, but every task fails with a message that says so; it never pretends to do the work.
 */
export function unavailableBot(name: string) {
  const reason = `${name} is not implemented in this version of codex fleet; its tasks fail until it ships`;
  return {
    async init(): Promise<void> {},
    async onTask(): Promise<never> {
      throw new Error(reason);
    },
    async shutdown(): Promise<void> {},
  };
}
