package io.sluice.proxy.auth;

import io.sluice.protocol.auth.CachingSha2Password;
import io.sluice.protocol.auth.NativePassword;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * An account clients may log in as: from Sluice's config (clear-text password known) or loaded from the source's
 * {@code mysql.user} (only the server's stored hash known).
 *
 * @param hostPattern  MySQL host pattern ({@code %}, {@code 127.0.0.1}, {@code 10.0.%}, {@code localhost})
 * @param plugin       the account's authentication plugin on the server
 * @param password     clear-text password for configured accounts, else {@code null}
 * @param nativeStage2 {@code SHA1(SHA1(password))} when known, else {@code null}
 * @param storedHash   the server's authentication string, as an identity for caches; never logged
 */
public record Account(String user, String hostPattern, String plugin, String password, byte[] nativeStage2,
                      String storedHash, boolean fromConfig) {

    public static Account configured(String user, String password) {
        String pw = password == null ? "" : password;
        return new Account(user, "%", NativePassword.PLUGIN, pw,
                pw.isEmpty() ? null : NativePassword.stage2(NativePassword.stage1(pw)), "config:" + user, true);
    }

    /** True for an account whose password is empty. */
    public boolean passwordless() {
        return (password != null && password.isEmpty())
                || (password == null && nativeStage2 == null && (storedHash == null || storedHash.isEmpty()));
    }

    /** Whether a clear-text password is this account's password, as far as Sluice can check locally. */
    public boolean checkClearText(String candidate) {
        if (password != null) {
            return MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8),
                    candidate.getBytes(StandardCharsets.UTF_8));
        }
        if (nativeStage2 != null) {
            return MessageDigest.isEqual(NativePassword.stage2(NativePassword.stage1(candidate)), nativeStage2);
        }
        return passwordless() && candidate.isEmpty();
    }

    /** Whether Sluice can verify a {@code mysql_native_password} answer for this account. */
    public boolean supportsNative() {
        return password != null || nativeStage2 != null || passwordless();
    }

    public boolean isCachingSha2() {
        return CachingSha2Password.PLUGIN.equals(plugin);
    }

    /** Does this account's host pattern admit a client at this address? */
    public boolean matches(InetAddress client) {
        return HostPattern.matches(hostPattern, client);
    }

    @Override
    public String toString() {
        return "'" + user + "'@'" + hostPattern + "' (" + plugin + (fromConfig ? ", config" : "") + ")";
    }
}
