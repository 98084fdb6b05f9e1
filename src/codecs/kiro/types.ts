/** The name Kiro's wire format goes by in provenance and plans. */
export const DIALECT = 'kiro' as const
