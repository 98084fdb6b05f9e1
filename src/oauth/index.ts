/** OAuth machinery shared by the provider logins: PKCE, callback server, paste, device code, token refresh. */
export { type AuthCodeFlowOptions, buildAuthorizeUrl, runAuthCodeFlow } from './auth-code.ts'
export {
  type CallbackListener,
  type CallbackOptions,
  DEFAULT_LOGIN_TIMEOUT_MS,
  listenForCallback,
  waitForCallback,
} from './callback-server.ts'
export {
  DEVICE_GRANT_TYPE,
  type DeviceAuthorization,
  type DeviceFlowOptions,
  requestDeviceCode,
  runDeviceFlow,
  scaledSlowDown,
} from './device-code.ts'
export {
  AccountUnavailableError,
  InvalidGrantError,
  NeedsLoginError,
  OAuthError,
  RefreshFailedError,
} from './errors.ts'
export { type PastedCode, parsePastedRedirect } from './paste.ts'
export { challengeFor, createPkce, createState, createVerifier, type Pkce } from './pkce.ts'
export type { LoginPrompt } from './prompt.ts'
export {
  type OAuthRefresherOptions,
  oauthRefresher,
  type Refresher,
  type RefreshResult,
} from './refresh-token.ts'
export {
  accessTokenOf,
  type BackgroundRefresh,
  type RefreshBackoff,
  type RefreshOutcome,
  type RefreshStatus,
  TokenManager,
  type TokenManagerOptions,
  type WithRefreshOptions,
} from './token-manager.ts'
export {
  basicClientAuth,
  expiresAtOf,
  type FieldCase,
  oauthErrorOf,
  readTokenResponse,
  type TokenResponse,
  withSnakeCaseFields,
} from './token-response.ts'
