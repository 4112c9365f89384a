export * from './config';
export * from './message';
export * from './send';
