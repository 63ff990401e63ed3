package io.sluice.protocol.auth;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.message.HandshakeResponse41;
import io.sluice.protocol.message.HandshakeV10;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The password plugins against vectors computed here independently (plain MessageDigest, no code under test),
 * against MariaDB's own hash, and against a real client's answer.
 */
class AuthTest {
    /** MariaDB 10.11 answered {@code SELECT PASSWORD('secret')} with this (captured from the server). */
    private static final String MARIADB_PASSWORD_SECRET = "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7";
    private static final byte[] SCRAMBLE = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    static byte[] sha(String algorithm, byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance(algorithm);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    // ---- mysql_native_password

    @Test
    void storedHashMatchesTheOneMariaDbComputes() {
        assertThat(NativePassword.storedHash("secret")).isEqualTo(MARIADB_PASSWORD_SECRET);
        assertThat(NativePassword.parseStoredHash(MARIADB_PASSWORD_SECRET))
                .isEqualTo(NativePassword.stage2(NativePassword.stage1("secret")));
    }

    @Test
    void scrambleMatchesAnIndependentComputation() throws Exception {
        byte[] stage1 = sha("SHA-1", "secret".getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha("SHA-1", stage1);
        byte[] expected = xor(stage1, sha("SHA-1", SCRAMBLE, stage2));
        assertThat(NativePassword.stage1("secret")).isEqualTo(stage1);
        assertThat(NativePassword.scramble("secret", SCRAMBLE)).isEqualTo(expected);
        assertThat(NativePassword.scrambleFromStage1(stage1, SCRAMBLE)).isEqualTo(expected);
    }

    @Test
    void verifyRecoversStage1FromARealClientAnswer() {
        // The mariadb CLI logged in as sluice/secret; its answer and the greeting it answered were captured.
        HandshakeV10 greeting = decode(Fixtures.payload("mariadb-10.11-greeting-2.hex"), HandshakeV10::decode);
        HandshakeResponse41 response = decode(Fixtures.payload("mariadb-10.11-handshake-response.hex"),
                HandshakeResponse41::decode);
        byte[] stage2 = NativePassword.parseStoredHash(MARIADB_PASSWORD_SECRET);

        byte[] stage1 = NativePassword.verify(response.authResponse(), greeting.scramble(), stage2);
        assertThat(stage1).isEqualTo(NativePassword.stage1("secret"));
        // What Sluice does with it: answer another server's scramble without knowing the password.
        assertThat(NativePassword.scrambleFromStage1(stage1, SCRAMBLE))
                .isEqualTo(NativePassword.scramble("secret", SCRAMBLE));
    }

    @Test
    void verifyRejectsAWrongPasswordOrLength() {
        byte[] stage2 = NativePassword.stage2(NativePassword.stage1("secret"));
        assertThat(NativePassword.verify(NativePassword.scramble("secret", SCRAMBLE), SCRAMBLE, stage2))
                .isEqualTo(NativePassword.stage1("secret"));
        assertThat(NativePassword.verify(NativePassword.scramble("Secret", SCRAMBLE), SCRAMBLE, stage2)).isNull();
        byte[] otherScramble = SCRAMBLE.clone();
        otherScramble[0] ^= 1;
        assertThat(NativePassword.verify(NativePassword.scramble("secret", otherScramble), SCRAMBLE, stage2)).isNull();
        byte[] right = NativePassword.scramble("secret", SCRAMBLE);
        assertThat(NativePassword.verify(Arrays.copyOf(right, 19), SCRAMBLE, stage2)).isNull();
        assertThat(NativePassword.verify(Arrays.copyOf(right, 21), SCRAMBLE, stage2)).isNull();
        assertThat(NativePassword.verify(new byte[0], SCRAMBLE, stage2)).isNull();
    }

    @Test
    void emptyPasswordSendsAnEmptyAnswer() {
        assertThat(NativePassword.scramble("", SCRAMBLE)).isEmpty();
        assertThat(NativePassword.scramble(null, SCRAMBLE)).isEmpty();
        assertThat(NativePassword.parseStoredHash("")).isNull();
    }

    @Test
    void parseStoredHashRejectsOtherFormats() {
        for (String bad : new String[] {"14E65567ABDB5135D0CFD9A70B3032C179A49EE7", "*14E6", "*" + "Z".repeat(40)}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> NativePassword.parseStoredHash(bad), bad);
        }
    }

    // ---- caching_sha2_password

    @Test
    void cachingSha2FastPathMatchesAnIndependentComputation() throws Exception {
        byte[] stage1 = sha("SHA-256", "secret".getBytes(StandardCharsets.UTF_8));
        byte[] cache = sha("SHA-256", stage1); // SHA256(SHA256(password))
        byte[] expected = xor(stage1, sha("SHA-256", cache, SCRAMBLE));
        assertThat(CachingSha2Password.cacheEntry("secret")).isEqualTo(cache);
        assertThat(CachingSha2Password.scramble("secret", SCRAMBLE)).isEqualTo(expected);
    }

    @Test
    void cachingSha2FastPathVerify() {
        byte[] cache = CachingSha2Password.cacheEntry("secret");
        assertThat(CachingSha2Password.verifyFast(CachingSha2Password.scramble("secret", SCRAMBLE), SCRAMBLE, cache))
                .isTrue();
        assertThat(CachingSha2Password.verifyFast(CachingSha2Password.scramble("wrong", SCRAMBLE), SCRAMBLE, cache))
                .isFalse();
        byte[] right = CachingSha2Password.scramble("secret", SCRAMBLE);
        assertThat(CachingSha2Password.verifyFast(Arrays.copyOf(right, 31), SCRAMBLE, cache)).isFalse();
        assertThat(CachingSha2Password.verifyFast(right, SCRAMBLE, null)).isFalse();
        assertThat(CachingSha2Password.scramble("", SCRAMBLE)).isEmpty();
    }

    @Test
    void cachingSha2RsaXorRoundTrips() {
        for (String pw : new String[] {"secret", "a", "a password longer than the twenty-byte scramble", "pässwörd"}) {
            byte[] x = CachingSha2Password.xorForRsa(pw, SCRAMBLE);
            assertThat(x).hasSize(pw.getBytes(StandardCharsets.UTF_8).length + 1);
            // The NUL terminator is XORed too: the last byte is the scramble byte at that position.
            assertThat(x[x.length - 1]).isEqualTo(SCRAMBLE[(x.length - 1) % SCRAMBLE.length]);
            assertThat(CachingSha2Password.passwordFromRsa(x, SCRAMBLE)).isEqualTo(pw);
        }
        assertThat(CachingSha2Password.passwordFromClearText("secret\0".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("secret");
    }

    // ---- Scrambles

    @RepeatedTest(50)
    void generatedScramblesHaveNoNulNorDollar() {
        byte[] s = Scrambles.generate();
        assertThat(s).hasSize(Scrambles.LENGTH).doesNotContain((byte) 0, (byte) '$');
        for (byte b : s) {
            assertThat(b).isBetween((byte) 0x21, (byte) 0x7E);
        }
    }

    @Test
    void generatedScramblesDiffer() {
        assertThat(HexFormat.of().formatHex(Scrambles.generate())).isNotEqualTo(HexFormat.of().formatHex(Scrambles.generate()));
    }

    static <T> T decode(byte[] payload, java.util.function.Function<ByteBuf, T> decoder) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            return decoder.apply(buf);
        } finally {
            buf.release();
        }
    }
}
