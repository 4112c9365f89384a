export { entitySync, progressQuery, pauseSignal, resumeSignal } from './entitySync';
export { prospectToCash, projectProgressQuery } from './prospectToCash';
export { quoteSync } from './quoteSync';
export { continuousSync, continuousProgressQuery } from './continuousSync';
