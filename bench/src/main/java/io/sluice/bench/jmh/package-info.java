/**
 * JMH benchmarks of the code every relayed byte or statement goes through: framing, response tracking, statement
 * classification and GTID set containment. Run with {@code java -jar bench/target/sluice-bench.jar -prof gc}; see
 * {@code bench/README.md}.
 */
package io.sluice.bench.jmh;
