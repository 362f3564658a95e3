export * from './point-id';
export * from './units';
export * from './quality';
export * from './point';
export * from './sample';
export * from './stale';
export * from './write-command';
