package io.sluice.proxy.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Asks {@link ClusterExtension} for a private {@link io.sluice.proxy.sandbox.SandboxCluster} instead of the suite's shared
 * one: for tests that kill, stop or repoint servers, or need another shape. The cluster is started for the test method
 * and closed when it ends.
 *
 * <p>Put it on a {@code SandboxCluster} parameter, or on a test method or class to apply to all of its cluster
 * parameters.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE})
public @interface FreshCluster {
    /** Number of replicas. */
    int replicas() default 2;

    /** Semi-synchronous replication. */
    boolean semiSync() default false;
}
