package io.sluice.proxy.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration file could not be loaded. Carries every problem found, not just the first, so that an operator fixes the file
 * in one pass; {@link #getMessage()} is one line per problem, ready to print as the start-up failure.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The problems, in the order the loader found them: key by key, then the checks across keys. */
    public List<ConfigError> errors() {
        return errors;
    }
}
