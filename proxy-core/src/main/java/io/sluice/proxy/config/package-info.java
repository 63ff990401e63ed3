/**
 * Sluice's configuration: immutable records built once by {@link io.sluice.proxy.config.ConfigLoader} from a YAML file and
 * passed through constructors. Nothing here is global; every default is stated once, as a constant on the record that owns it.
 *
 * <p>To add a section: write its record (with its defaults), declare its keys as a {@code Section} in {@code ConfigLoader},
 * read it in a {@code readX(Mapping)} method, and add it, commented, to {@code conf/sluice.yaml} (a test fails otherwise).
 */
package io.sluice.proxy.config;
