package io.sluice.proxy.backend;

import io.sluice.protocol.Capability;

import java.util.Map;

/**
 * What Sluice presents when it logs in to a backend on a client's behalf: the client's user name and whatever it
 * learnt of the password while authenticating the client. Either the clear-text password (static accounts,
 * {@code caching_sha2_password} full authentication) or only {@code SHA1(password)}, recovered from the client's
 * {@code mysql_native_password} answer, which suffices to answer the backend's own scramble.
 *
 * <p>Secrets are never printed: {@link #toString()} leaves them out.
 *
 * @param capabilities the capabilities the client negotiated with Sluice; the backend connection uses the same, so
 *                     that packets can be relayed without translation (EOF vs OK terminators, session tracking, ...)
 */
public record BackendLogin(String user, String password, byte[] nativeStage1, String database,
                           Capability capabilities, int characterSet, Map<String, String> attributes) {

    public boolean hasSecret() {
        return password != null || nativeStage1 != null;
    }

    public BackendLogin withDatabase(String db) {
        return new BackendLogin(user, password, nativeStage1, db, capabilities, characterSet, attributes);
    }

    @Override
    public String toString() {
        return "BackendLogin[user=" + user + ", db=" + database + "]";
    }
}
