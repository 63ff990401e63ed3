/**
 * Throw-away MySQL/MariaDB replication clusters on loopback, for tests and the {@code demo} command.
 *
 * <p>{@link io.sluice.proxy.sandbox.SandboxCluster} starts one source and N replicas as real server processes, each in its
 * own temporary directory and on an ephemeral 127.0.0.1 port, wired together with GTID replication. Nothing here is used on
 * the proxy's query path; it lives in main only so that {@code sluice demo} can start a cluster without test jars.
 */
package io.sluice.proxy.sandbox;
