package io.sluice.proxy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One problem found in a configuration file.
 *
 * @param file    the file as it was named to the loader
 * @param key     where in the file: a key path such as {@code backends[1].address} (list indexes count from 0), or a
 *                position such as {@code line 3, column 7} for a YAML syntax error
 * @param problem what is wrong, and where possible how to fix it; never contains a password
 */
public record ConfigError(Path file, String key, String problem) {
    public ConfigError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(problem, "problem");
    }

    /** The line printed at start-up: {@code <file>: <key path>: <problem>}. */
    @Override
    public String toString() {
        return file + ": " + key + ": " + problem;
    }
}
