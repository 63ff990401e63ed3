package io.sluice.proxy.config;

import java.util.Objects;

/**
 * The {@code admin} section: the operator's interface, spoken over the MySQL protocol so that the {@code mariadb} or
 * {@code mysql} client is the admin tool. Without this section there is no admin listener: it has no account to let in.
 *
 * <p>Its account is its own and never one of the application {@code users}: an application user logging in on the admin
 * port is refused, and the admin account cannot log in on the client port. {@link #toString()} leaves the password out.
 *
 * @param listen   {@code admin.listen}: where the admin interface listens; default {@link #DEFAULT_LISTEN}, loopback
 *                 only (it offers TLS with the client port's certificate, but a client may decline it: expose it
 *                 only on a trusted network, or with admin clients that require TLS)
 * @param user     {@code admin.user}: default {@value #DEFAULT_USER}
 * @param password {@code admin.password}: required and not empty, checked with {@code mysql_native_password} or
 *                 {@code caching_sha2_password}
 */
public record AdminConfig(HostPort listen, String user, String password) {
    /** Default for {@code admin.listen}: ProxySQL's admin port, on loopback. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 6032);
    /** Default for {@code admin.user}. */
    public static final String DEFAULT_USER = "admin";

    public AdminConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty()) {
            throw new IllegalArgumentException("admin user is empty");
        }
        if (password.isEmpty()) {
            throw new IllegalArgumentException("admin password is empty");
        }
    }

    @Override
    public String toString() {
        return "AdminConfig[listen=" + listen + ", user=" + user + ", password=<hidden>]";
    }
}
