/** A command the order's current state does not allow (answered 422 by the HTTP API). */
export class OrderRuleError extends Error {
  override readonly name = 'OrderRuleError';
}
