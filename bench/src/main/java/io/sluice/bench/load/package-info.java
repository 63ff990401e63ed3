/**
 * The load harness behind {@code bench/run}: a sandbox cluster, Sluice and HAProxy in front of it, sysbench against
 * each target in alternation, idle connections held through Sluice, and one table written as text, CSV and a chart.
 * Not a test: it never runs in {@code mvn verify}.
 */
package io.sluice.bench.load;
