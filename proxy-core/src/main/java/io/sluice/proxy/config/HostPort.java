package io.sluice.proxy.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A TCP endpoint written {@code host:port}: a host name, an IPv4 address, or an IPv6 address in brackets
 * ({@code [::1]:6033}).
 *
 * <p>Both parts are required. {@code :6033} and a bare {@code 6033} are rejected on purpose: a listener that silently bound all
 * interfaces would expose the proxy; write {@code 0.0.0.0:6033} to mean that, or {@code 127.0.0.1:6033} for loopback only. Backend
 * ports are not defaulted to 3306 either, so that a missing port is noticed rather than guessed. Host names are not resolved
 * here (resolution is blocking and belongs off the event loop, at connect time).
 *
 * @param host a host name or address literal, IPv6 without brackets
 * @param port 0 to 65535; 0 asks the OS for a free port and makes sense only for listeners (tests, demo)
 */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /**
     * Parses {@code host:port}.
     *
     * @throws IllegalArgumentException with a message that says what is wrong and how to write it instead
     */
    public static HostPort parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address; write host:port, e.g. 127.0.0.1:3306");
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("bad address '" + s + "': missing ']' after the IPv6 address");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("bad address '" + s + "': missing ':port' after ']'");
            }
            port = rest.substring(1);
            // An IPv6 literal, optionally with a zone (fe80::1%eth0) for link-local addresses.
            int percent = host.indexOf('%');
            String literal = percent < 0 ? host : host.substring(0, percent);
            String zone = percent < 0 ? "" : host.substring(percent + 1);
            if (literal.indexOf(':') < 0
                    || !literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')
                    || (percent >= 0 && (zone.isEmpty() || !zone.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c))))) {
                throw new IllegalArgumentException("bad address '" + s + "': '" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                if (s.chars().allMatch(Character::isDigit)) {
                    throw new IllegalArgumentException("missing host in '" + s + "'; write 127.0.0.1:" + s
                            + " for loopback only, or 0.0.0.0:" + s + " for all interfaces");
                }
                throw new IllegalArgumentException("missing port in '" + s + "'; write host:port, e.g. " + s + ":3306");
            }
            if (s.indexOf(':') != colon) {
                throw new IllegalArgumentException("bad address '" + s + "': put an IPv6 address in brackets, e.g. [::1]:3306");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("missing host in '" + s + "'; write 127.0.0.1" + s
                        + " for loopback only, or 0.0.0.0" + s + " for all interfaces");
            }
            if (!host.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_'))) {
                throw new IllegalArgumentException("bad address '" + s + "': '" + host + "' is not a host name or IP address");
            }
        }
        if (port.isEmpty()) {
            throw new IllegalArgumentException("missing port in '" + s + "'; write host:port, e.g. " + s + "3306");
        }
        if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) {
            throw new IllegalArgumentException("bad port in '" + s + "': '" + port + "' is not a number from 1 to 65535");
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("bad port in '" + s + "': " + p + " is not from 1 to 65535");
        }
        return new HostPort(host, p);
    }

    /** Whether both name the same endpoint as written (host compared without case; no DNS). */
    boolean sameAs(HostPort other) {
        return port == other.port && host.toLowerCase(Locale.ROOT).equals(other.host.toLowerCase(Locale.ROOT));
    }

    /** {@code host:port}, with brackets around an IPv6 host; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
