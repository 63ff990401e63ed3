package io.sluice.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * {@code caching_sha2_password}. Fast path: the client sends
 * {@code SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble)}, which a server that has cached
 * {@code SHA256(SHA256(password))} for the account can check. Otherwise the server asks for full authentication
 * (AuthMoreData 0x04) and receives the password itself: in clear over TLS, or RSA-encrypted after XOR with the
 * scramble; having checked it, the server caches the double hash so the next login takes the fast path.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html">caching_sha2 exchanges</a>
 */
public final class CachingSha2Password {
    public static final String PLUGIN = "caching_sha2_password";
    public static final int HASH_LENGTH = 32;
    /** Client's request for the server's RSA public key during full authentication. */
    public static final byte REQUEST_PUBLIC_KEY = 0x02;

    private CachingSha2Password() {
    }

    public static byte[] sha256(byte[] in) {
        return Scrambles.digest("SHA-256").digest(in);
    }

    /** {@code SHA256(SHA256(password))}: what the fast-path cache holds for an account. */
    public static byte[] cacheEntry(String password) {
        return sha256(sha256(password.getBytes(StandardCharsets.UTF_8)));
    }

    /** The client's fast-path answer for a clear-text password (empty password: empty answer). */
    public static byte[] scramble(String password, byte[] scramble) {
        if (password == null || password.isEmpty()) {
            return new byte[0];
        }
        byte[] stage1 = sha256(password.getBytes(StandardCharsets.UTF_8));
        MessageDigest sha = Scrambles.digest("SHA-256");
        sha.update(sha256(stage1));
        sha.update(scramble, 0, Math.min(scramble.length, Scrambles.LENGTH));
        return Scrambles.xor(stage1, sha.digest());
    }

    /** Checks a fast-path answer against a cached {@code SHA256(SHA256(password))}. */
    public static boolean verifyFast(byte[] answer, byte[] scramble, byte[] cacheEntry) {
        if (answer.length != HASH_LENGTH || cacheEntry == null || cacheEntry.length != HASH_LENGTH) {
            return false;
        }
        MessageDigest sha = Scrambles.digest("SHA-256");
        sha.update(cacheEntry);
        sha.update(scramble, 0, Math.min(scramble.length, Scrambles.LENGTH));
        byte[] candidate = Scrambles.xor(answer, sha.digest());
        return Scrambles.constantTimeEquals(sha256(candidate), cacheEntry);
    }

    /**
     * The bytes a client encrypts with the server's RSA key during full authentication: the password with its
     * terminating NUL, XORed with the scramble repeated.
     */
    public static byte[] xorForRsa(String password, byte[] scramble) {
        byte[] pw = Arrays.copyOf(password.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8).length + 1);
        return Scrambles.xor(pw, Arrays.copyOf(scramble, Math.min(scramble.length, Scrambles.LENGTH)));
    }

    /** Undoes {@link #xorForRsa}: recovers the clear-text password from the decrypted bytes. */
    public static String passwordFromRsa(byte[] decrypted, byte[] scramble) {
        byte[] pw = Scrambles.xor(decrypted, Arrays.copyOf(scramble, Math.min(scramble.length, Scrambles.LENGTH)));
        int end = pw.length;
        while (end > 0 && pw[end - 1] == 0) {
            end--;
        }
        return new String(pw, 0, end, StandardCharsets.UTF_8);
    }

    /** The clear-text password sent over TLS during full authentication (NUL-terminated). */
    public static String passwordFromClearText(byte[] data) {
        int end = data.length;
        while (end > 0 && data[end - 1] == 0) {
            end--;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }
}
