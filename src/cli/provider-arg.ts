/** A provider named on the command line: canonical id or alias (`anthropic` → claude), else a usage error listing the valid names. */
import { canonicalProviderId, PROVIDER_IDS, type ProviderId } from '../providers/ids.ts'
import { UsageError } from './args.ts'

export function providerArg(value: string | undefined, command: string): ProviderId {
  const valid = PROVIDER_IDS.join(', ')
  if (value === undefined || value === '') {
    throw new UsageError(`${command} needs a provider (one of ${valid})`)
  }
  const id = canonicalProviderId(value)
  if (!id) {
    throw new UsageError(
      `unknown provider '${value}'; valid providers: ${valid} (aliases such as anthropic, openai, github work too)`,
    )
  }
  return id
}

/** Rejects positionals beyond the `count` a command takes. */
export function noExtraArgs(positionals: string[], count: number, command: string): void {
  if (positionals.length > count) {
    throw new UsageError(`${command}: unexpected argument '${positionals.slice(count).join(' ')}'`)
  }
}

/** An account id from `--account` or a positional: 1–64 letters, digits and `._@+-` (ids appear in logs and URLs). */
export function accountIdArg(value: string, what = '--account'): string {
  if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(value)) {
    throw new UsageError(`${what} must be 1 to 64 letters, digits or . _ @ + - (got '${value}')`)
  }
  return value
}
