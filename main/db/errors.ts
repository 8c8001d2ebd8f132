/**
 * Errors of the store that a user can act on. Each names what is wrong and where; the API turns
 * them into tRPC errors with the same fields, the command line into exit status 1.
 */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `quantity.unit`; empty for the record as a whole. */
  field: string;
  message: string;
}

export class ValidationError extends Error {
  readonly problems: FieldProblem[];
  constructor(what: string, problems: FieldProblem[]) {
    super(`${what}: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`);
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

export class NotFoundError extends Error {
  constructor(entity: string, id: string) {
    super(`${entity} "${id}" does not exist`);
    this.name = 'NotFoundError';
  }
}

/** Someone else changed the record since it was read (optimistic concurrency). */
export class ConflictError extends Error {
  constructor(entity: string, id: string, expected: number, actual: number) {
    super(`${entity} "${id}" was changed elsewhere (version ${actual}, you edited version ${expected}); reload it and apply your change again`);
    this.name = 'ConflictError';
  }
}

/**
 * A delete refused because other records still refer to the record (an organization that still
 * has sites, a site that still has flows): deleting it would leave their references dangling.
 * Not named ReferenceError: that is JavaScript's own error for an undeclared variable, and a
 * file importing ours would shadow it.
 */
export class StillReferencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StillReferencedError';
  }
}
