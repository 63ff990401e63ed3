/** JMH benchmarks and the load harness. */
package io.sluice.bench;
