package io.sluice.proxy.config;

import java.util.Objects;

/**
 * An account clients may log in as, from the {@code users} list.
 *
 * <p>{@link #toString()} leaves the password out, so a config logged by mistake does not leak it.
 *
 * @param name     the MySQL user name; required, at most {@value #MAX_NAME_LENGTH} characters (MySQL's own limit)
 * @param password the clear-text password; {@code password} may be left out of the file, meaning {@value #DEFAULT_PASSWORD}
 *                 (an account without a password)
 */
public record UserConfig(String name, String password) {
    /** MySQL 5.7+ limit on user names; a longer name could never match what a client sends. */
    public static final int MAX_NAME_LENGTH = 32;
    /** Default for {@code password}: none. */
    public static final String DEFAULT_PASSWORD = "";

    public UserConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "UserConfig[name=" + name + ", password=" + (password.isEmpty() ? "<none>" : "<hidden>") + "]";
    }
}
