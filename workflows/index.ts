export { entitySync, progressQuery, pauseSignal, resumeSignal } from './entitySync';
export { prospectToCash, projectProgressQuery } from './prospectToCash';
export { quoteSync, quoteSyncV2, quoteSyncV3 } from './quoteSync';
export { continuousSync, continuousProgressQuery } from './continuousSync';
