export * from './errors';
export * from './crypto';
export * from './clock';
export * from './html';
export * from './loggable-error';
export * from './text';
