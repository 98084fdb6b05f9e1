/** `byokey openapi`: prints the OpenAPI document the server serves at /openapi.json. */
import { openApiDocument } from '../server/openapi.ts'
import { parseCommand } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { VERSION } from './version.ts'

export async function openapiCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {})
  if (values.help) {
    console.log(COMMAND_HELP['openapi'])
    return 0
  }
  noExtraArgs(positionals, 0, 'openapi')
  console.log(JSON.stringify(openApiDocument(VERSION), null, 2))
  return 0
}
