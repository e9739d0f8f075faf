/** The signaling server's public surface. */
export { startServer, type RunningServer } from './server.js';
export * from './options.js';
export { CloseCodes, HEARTBEAT_TERMINATED_CODE, type CloseCode } from './close-codes.js';
export type { Broker, BrokerContext, BrokerFactory, BrokerStats, Delivery } from './broker.js';
export { MemoryBroker, createMemoryBroker } from './memory-broker.js';
export { step } from './matchmaker.js';
export * from './state.js';
export * from './rate-limit.js';
export { cryptoRng, seededRng, type IdKind, type Rng } from './rng.js';
export type { Health } from './http.js';
