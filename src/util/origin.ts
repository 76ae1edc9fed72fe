/**
 * The only origin a page may load from. `.invalid` never resolves, so nothing can leave the
 * machine even if interception were bypassed; interception answers every request for it from memory.
 */
export const ASSET_ORIGIN = 'https://assets.campaign-press.invalid';
