package io.sluice.proxy.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects the errors of one load, so that all of them are reported together. Confined to the loading thread. */
final class Problems {
    private final Path file;
    private final List<ConfigError> errors = new ArrayList<>();

    Problems(Path file) {
        this.file = file;
    }

    void add(String key, String problem) {
        errors.add(new ConfigError(file, key, problem));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    void throwIfAny() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }
}
