package io.sluice.protocol.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** Random scrambles ("auth-plugin-data") and the hashing helpers the password plugins share. */
public final class Scrambles {
    public static final int LENGTH = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Scrambles() {
    }

    /**
     * A fresh 20-byte scramble. Bytes are printable ASCII without '\0' and '$': clients treat the scramble as a
     * NUL-terminated string, and some split on '$'.
     */
    public static byte[] generate() {
        byte[] s = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            int b;
            do {
                b = 0x21 + RANDOM.nextInt(0x7E - 0x21);
            } while (b == '$');
            s[i] = (byte) b;
        }
        return s;
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " missing from the JDK", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i % b.length]);
        }
        return out;
    }

    /** Compares in time independent of where the first difference is. */
    static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
