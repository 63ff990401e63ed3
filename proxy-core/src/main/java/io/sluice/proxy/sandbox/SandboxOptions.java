package io.sluice.proxy.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a {@link SandboxCluster} is shaped and tuned. Immutable; start from {@link #defaults()} and use the withers.
 *
 * @param replicas number of replicas besides the source (0 or more)
 * @param semiSync turn on semi-synchronous replication (source waits for one replica's acknowledgement per commit)
 * @param durable {@code true} for {@code innodb_flush_log_at_trx_commit=1} and {@code sync_binlog=1}; the default
 *     {@code false} ({@code 2} and {@code 0}) survives {@code kill -9} of the server, just not a host crash, and is much
 *     faster on shared disks
 * @param innodbBufferPoolSize e.g. {@code "32M"}
 * @param innodbLogFileSize e.g. {@code "16M"} (ignored on MySQL 8.0.30+, which sizes its redo log itself)
 * @param startTimeout bound for one server to accept connections, and for replicas to start replicating
 * @param baseDir where the cluster's temporary directory is created; {@code null} for {@code java.io.tmpdir}. Unix socket
 *     paths are limited to about 100 bytes, so keep it short.
 * @param extraServerArgs appended to every server's command line, e.g. {@code "--max-connections=500"}
 */
public record SandboxOptions(
        int replicas,
        boolean semiSync,
        boolean durable,
        String innodbBufferPoolSize,
        String innodbLogFileSize,
        Duration startTimeout,
        Path baseDir,
        List<String> extraServerArgs) {

    public SandboxOptions {
        extraServerArgs = extraServerArgs == null ? List.of() : List.copyOf(extraServerArgs);
        List<String> errors = new ArrayList<>();
        if (replicas < 0) {
            errors.add("replicas must be >= 0, was " + replicas);
        }
        if (innodbBufferPoolSize == null || !innodbBufferPoolSize.matches("\\d+[KMG]?")) {
            errors.add("innodbBufferPoolSize must look like 32M, was " + innodbBufferPoolSize);
        }
        if (innodbLogFileSize == null || !innodbLogFileSize.matches("\\d+[KMG]?")) {
            errors.add("innodbLogFileSize must look like 16M, was " + innodbLogFileSize);
        }
        if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
            errors.add("startTimeout must be positive, was " + startTimeout);
        }
        for (String arg : extraServerArgs) {
            if (!arg.startsWith("--")) {
                errors.add("extraServerArgs must be long options starting with --, was " + arg);
            }
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("Invalid sandbox options: " + String.join("; ", errors));
        }
    }

    /** One source, two replicas, asynchronous replication, fast and not durable against host crashes. */
    public static SandboxOptions defaults() {
        return new SandboxOptions(2, false, false, "32M", "16M", Duration.ofSeconds(60), null, List.of());
    }

    public SandboxOptions withReplicas(int replicas) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }

    public SandboxOptions withSemiSync(boolean semiSync) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }

    public SandboxOptions withDurable(boolean durable) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }

    public SandboxOptions withInnodb(String bufferPoolSize, String logFileSize) {
        return new SandboxOptions(replicas, semiSync, durable, bufferPoolSize, logFileSize, startTimeout, baseDir,
                extraServerArgs);
    }

    public SandboxOptions withStartTimeout(Duration startTimeout) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }

    public SandboxOptions withBaseDir(Path baseDir) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }

    public SandboxOptions withExtraServerArgs(List<String> extraServerArgs) {
        return new SandboxOptions(replicas, semiSync, durable, innodbBufferPoolSize, innodbLogFileSize, startTimeout,
                baseDir, extraServerArgs);
    }
}
