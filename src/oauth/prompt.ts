/**
 * What a login asks its user to do, as data rather than printed lines: open an authorize URL, or
 * enter a code at a verification page. The CLI prints it; the management API hands it to a UI.
 */
export type LoginPrompt =
  | { kind: 'auth_url'; url: string }
  | {
      kind: 'device_code'
      verificationUri: string
      userCode: string
      verificationUriComplete?: string
      /** Unix ms when the code stops working. */
      expiresAt: number
    }
