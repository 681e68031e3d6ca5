/** `npm run simulate`: prints the delivery simulation's figures (see delivery-simulation.ts). */
import { runDeliverySimulation } from './delivery-simulation.js';

const result = await runDeliverySimulation();
console.log('delivery simulation: primary drops 30 % silently, secondary works, 20 s step timeout\n');
console.log(`verifications                         ${result.verifications}`);
console.log(
  `delivered within 60 s (simulated)     ${result.deliveredWithin60s} (${(result.deliveredShare * 100).toFixed(2)} %, target ≥ 99.9 %)`,
);
console.log(`failed over to the secondary          ${result.failedOver}`);
console.log(`delivered codes that then verified    ${result.verifiedAfterDelivery}`);
console.log(
  `time to delivered code p50 / p99      ${result.p50DeliverySeconds.toFixed(1)} s / ${result.p99DeliverySeconds.toFixed(1)} s`,
);
console.log('\nprimary down entirely:');
console.log(`primary calls until its breaker opened ${result.primaryCallsUntilBreakerOpen} (target ≤ 10)`);
console.log(`primary calls after it opened          ${result.primaryCallsAfterOpen}`);
console.log(`sends served by the secondary          ${result.sendsServedBySecondaryWhileDown} of 50`);
