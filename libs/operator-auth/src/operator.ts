import type { OperatorRole } from './operator-role';

/** The authenticated caller of an operator route. */
export interface Operator {
  readonly apiKeyId: string;
  readonly name: string;
  readonly role: OperatorRole;
  /** How audit records and tenant events name this caller. */
  readonly actor: string;
}
