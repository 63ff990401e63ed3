package io.sluice.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * {@code mysql_native_password}: the client proves knowledge of {@code stage1 = SHA1(password)} by sending
 * {@code stage1 XOR SHA1(scramble + stage2)}, where {@code stage2 = SHA1(stage1)} is what the server stores
 * (shown as {@code *HEX} in {@code mysql.user}).
 *
 * <p>A server holding only stage2 can check the answer, and in doing so recovers stage1, which is all it takes to
 * answer another server's scramble as the same user. That is how Sluice logs in to backends for accounts whose
 * password it never sees in clear (as ProxySQL does). Stage1 stays in memory only and is never logged.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html">Native authentication</a>
 */
public final class NativePassword {
    public static final String PLUGIN = "mysql_native_password";
    public static final int HASH_LENGTH = 20;

    private NativePassword() {
    }

    public static byte[] stage1(String password) {
        return Scrambles.digest("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] stage2(byte[] stage1) {
        return Scrambles.digest("SHA-1").digest(stage1);
    }

    /** The client's answer for a clear-text password (empty password: empty answer). */
    public static byte[] scramble(String password, byte[] scramble) {
        if (password == null || password.isEmpty()) {
            return new byte[0];
        }
        return scrambleFromStage1(stage1(password), scramble);
    }

    /** The client's answer computed from stage1 alone. */
    public static byte[] scrambleFromStage1(byte[] stage1, byte[] scramble) {
        MessageDigest sha1 = Scrambles.digest("SHA-1");
        sha1.update(scramble, 0, Math.min(scramble.length, Scrambles.LENGTH));
        sha1.update(stage2(stage1));
        return Scrambles.xor(stage1, sha1.digest());
    }

    /**
     * Checks a client's answer against the stored stage2 hash. Returns the client's stage1 when it matches, or
     * {@code null} when it does not (wrong password, or an answer of the wrong length).
     */
    public static byte[] verify(byte[] answer, byte[] scramble, byte[] stage2) {
        if (answer.length != HASH_LENGTH || stage2.length != HASH_LENGTH) {
            return null;
        }
        MessageDigest sha1 = Scrambles.digest("SHA-1");
        sha1.update(scramble, 0, Math.min(scramble.length, Scrambles.LENGTH));
        sha1.update(stage2);
        byte[] candidate = Scrambles.xor(answer, sha1.digest());
        return Scrambles.constantTimeEquals(stage2(candidate), stage2) ? candidate : null;
    }

    /**
     * Parses the {@code *<40 hex digits>} form stored in {@code mysql.user}. Returns {@code null} for an empty
     * string (an account without password) and throws for anything else that is not such a hash.
     */
    public static byte[] parseStoredHash(String stored) {
        if (stored == null || stored.isEmpty()) {
            return null;
        }
        if (stored.length() != 41 || stored.charAt(0) != '*') {
            throw new IllegalArgumentException("not a mysql_native_password hash");
        }
        return HexFormat.of().parseHex(stored, 1, 41);
    }

    /** The {@code *HEX} form of a clear-text password's stage2 hash. */
    public static String storedHash(String password) {
        return "*" + HexFormat.of().withUpperCase().formatHex(stage2(stage1(password)));
    }
}
