/**
 * The monitor: finds each backend's replication role, health and lag, and publishes them as an immutable
 * {@link io.sluice.routing.topology.TopologySnapshot} that sessions read without locks.
 *
 * <p>Lag is measured with a heartbeat row that Sluice writes on the source and reads on each replica; see
 * {@link io.sluice.proxy.monitor.Monitor} for why that measure needs no synchronised clocks.
 */
package io.sluice.proxy.monitor;
