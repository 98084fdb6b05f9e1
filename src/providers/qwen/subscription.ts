/**
 * What Qwen's portal API expects of a call (docs/protocols/qwen.md, "Calls"): Qwen Code's user
 * agent, the DashScope headers naming the OAuth login, and the `x-stainless-*` headers of the
 * OpenAI Node SDK Qwen Code is built on.
 */

export const QWEN_CODE_VERSION = '0.10.3'
const USER_AGENT = `QwenCode/${QWEN_CODE_VERSION} (darwin; arm64)`

export const QWEN_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': USER_AGENT,
  'x-dashscope-useragent': USER_AGENT,
  'x-dashscope-authtype': 'qwen-oauth',
  'x-dashscope-cachecontrol': 'enable',
  'x-stainless-lang': 'js',
  'x-stainless-package-version': '5.11.0',
  'x-stainless-os': 'MacOS',
  'x-stainless-arch': 'arm64',
  'x-stainless-runtime': 'node',
  'x-stainless-runtime-version': 'v24.14.1',
  'x-stainless-retry-count': '0',
}
