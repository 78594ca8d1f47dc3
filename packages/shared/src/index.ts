export * from './roles.ts';
export * from './identity.ts';
export * from './system.ts';
export * from './errors.ts';
export * from './password-policy.ts';
export * from './transport.ts';
export * from './admin.ts';
