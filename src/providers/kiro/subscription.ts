/**
 * What Kiro's API expects of a call (docs/protocols/kiro.md, "API calls"): AWS JSON 1.0 with the
 * streaming service's target, the login's access token as Bearer, the AWS SDK's client headers,
 * and the social login's `profileArn` in the body.
 */

export const KIRO_TARGET = 'AmazonCodeWhispererStreamingService.GenerateAssistantResponse'
/** What the Kiro IDE's AWS SDK calls itself. */
const SDK_AGENT = 'aws-sdk-js/1.0.7'
const KIRO_AGENT = 'KiroIDE-0.2.13-byokey'

export function kiroHeaders(token: string): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': KIRO_TARGET,
    accept: 'application/vnd.amazon.eventstream',
    'accept-encoding': 'identity',
    authorization: `Bearer ${token}`,
    'user-agent': `${SDK_AGENT} ua/2.1 api/codewhispererstreaming#1.0.7 m/E ${KIRO_AGENT}`,
    'x-amz-user-agent': `${SDK_AGENT} ${KIRO_AGENT}`,
    'amz-sdk-request': 'attempt=1; max=1',
    'amz-sdk-invocation-id': crypto.randomUUID(),
  }
}
