/** How the dashboard writes numbers; the tests format the database's sums the same way. */

/** Dollars with four decimals: small amounts matter here. */
export const formatUsd = (v: number): string => `$${v.toFixed(4)}`

/** Whole numbers with thousands separators. */
export const formatInt = (v: number): string => Math.round(v).toLocaleString('en-US')
