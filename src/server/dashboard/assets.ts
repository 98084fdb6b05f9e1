/** The dashboard's files, bundled when this module is transpiled (see `bundle.ts`); imported only when a page is asked for. */
import { bundleDashboard } from './bundle.ts' with { type: 'macro' }

export const ASSETS = bundleDashboard()
