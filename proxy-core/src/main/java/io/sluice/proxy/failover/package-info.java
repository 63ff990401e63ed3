/**
 * Failover: deciding that the source is dead ({@link io.sluice.proxy.failover.FailureDetector}), promoting the best
 * replica, repointing the others and fencing the old source ({@link io.sluice.proxy.failover.Failover}).
 */
package io.sluice.proxy.failover;
