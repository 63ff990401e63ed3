package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.Capability;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeV10Test {
    private static final byte[] MARIADB = Fixtures.payload("mariadb-10.11-greeting.hex");

    /**
     * MySQL 8.0's greeting, hand-built from the manual's HandshakeV10 layout with the values an 8.0 server sends
     * (not captured: no MySQL server on this machine): caching_sha2_password, charset 255, all lower capability
     * bits set, so no MariaDB extended capabilities; the filler is zero.
     */
    private static final byte[] MYSQL_8 = Fixtures.hex("""
            0a                                  # protocol version 10
            38 2e 30 2e 33 36 00                # "8.0.36" NUL
            0b 00 00 00                         # connection id 11
            01 02 03 04 05 06 07 08             # auth-plugin-data-part-1
            00                                  # filler
            ff ff                               # capabilities, lower 16: 0xFFFF (CLIENT_LONG_PASSWORD set)
            ff                                  # character set 255 (utf8mb4_0900_ai_ci)
            02 00                               # status: AUTOCOMMIT
            ff df                               # capabilities, upper 16: 0xDFFF
            15                                  # auth-plugin-data length 21
            00 00 00 00 00 00 00 00 00 00       # reserved
            09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 # auth-plugin-data-part-2
            00                                  # its NUL
            63 61 63 68 69 6e 67 5f 73 68 61 32 5f 70 61 73 73 77 6f 72 64 00  # "caching_sha2_password" NUL
            """);

    /** The manual's own example (a 5.5.2 server): no upper capabilities, no plugin name, auth data length 0. */
    private static final byte[] MANUAL_5_5 = Fixtures.hex("""
            0a 35 2e 35 2e 32 2d 6d 32 00       # protocol 10, "5.5.2-m2" NUL
            52 00 00 00                         # connection id 82
            22 3d 4e 50 29 75 39 56             # auth-plugin-data-part-1
            00                                  # filler
            ff f7                               # capabilities, lower 16
            08                                  # character set 8
            02 00                               # status
            00 00                               # capabilities, upper 16: none, so no PLUGIN_AUTH
            00                                  # auth-plugin-data length 0
            00 00 00 00 00 00 00 00 00 00       # reserved
            29 64 40 52 5c 55 78 7a 7c 21 29 4b # auth-plugin-data-part-2
            00                                  # its NUL
            """);

    static HandshakeV10 decode(byte[] payload) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            HandshakeV10 h = HandshakeV10.decode(buf);
            assertThat(buf.isReadable()).as("bytes left").isFalse();
            return h;
        } finally {
            buf.release();
        }
    }

    static byte[] encode(HandshakeV10 h) {
        ByteBuf buf = Fixtures.alloc().buffer();
        try {
            h.encode(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void decodesARealMariaDbGreeting() {
        HandshakeV10 h = decode(MARIADB);
        assertThat(h.serverVersion()).isEqualTo("5.5.5-10.11.19-MariaDB-0+deb12u1");
        assertThat(h.isMariaDb()).isTrue();
        assertThat(h.connectionId()).isEqualTo(4);
        // Part 1 and part 2 joined, without part 2's NUL.
        assertThat(h.scramble()).hasSize(20)
                .isEqualTo(Fixtures.hex("29 5d 7a 6d 35 5e 59 25  4a 28 28 30 56 43 2a 49 71 7e 46 7e"));
        assertThat(h.capabilities().bits()).isEqualTo(0x81FFF7FEL);
        assertThat(h.capabilities().has(Capability.LONG_PASSWORD)).isFalse();
        assertThat(h.capabilities().ssl()).isFalse();
        assertThat(h.capabilities().pluginAuth()).isTrue();
        assertThat(h.capabilities().secureConnection()).isTrue();
        assertThat(h.capabilities().deprecateEof()).isTrue();
        assertThat(h.capabilities().sessionTrack()).isTrue();
        // Bit 0 clear, so the last 4 filler bytes are MariaDB's extended capabilities.
        assertThat(h.mariaDbExtended()).isEqualTo(0x1D);
        assertThat(h.characterSet()).isEqualTo(8);
        assertThat(h.statusFlags()).isEqualTo(0x0002);
        assertThat(h.authPluginName()).isEqualTo("mysql_native_password");
    }

    @Test
    void reEncodesTheMariaDbGreetingByteForByte() {
        assertThat(encode(decode(MARIADB))).isEqualTo(MARIADB);
    }

    @Test
    void decodesAHandBuiltMySql8Greeting() {
        HandshakeV10 h = decode(MYSQL_8);
        assertThat(h.serverVersion()).isEqualTo("8.0.36");
        assertThat(h.isMariaDb()).isFalse();
        assertThat(h.connectionId()).isEqualTo(11);
        assertThat(h.scramble()).isEqualTo(Fixtures.hex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14"));
        assertThat(h.capabilities().bits()).isEqualTo(0xDFFFFFFFL);
        assertThat(h.mariaDbExtended()).isZero();
        assertThat(h.characterSet()).isEqualTo(255);
        assertThat(h.authPluginName()).isEqualTo("caching_sha2_password");
        assertThat(encode(h)).isEqualTo(MYSQL_8);
    }

    @Test
    void extendedCapabilitiesAreIgnoredWhenBitZeroIsSet() {
        // A MySQL server's filler is zero, but if those bytes were set they must not be read as MariaDB flags.
        byte[] b = MYSQL_8.clone();
        b[7 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 6] = 0x1D;
        assertThat(decode(b).mariaDbExtended()).isZero();
    }

    @Test
    void decodesTheManualsExampleWithoutPluginName() {
        HandshakeV10 h = decode(MANUAL_5_5);
        assertThat(h.serverVersion()).isEqualTo("5.5.2-m2");
        assertThat(h.connectionId()).isEqualTo(82);
        assertThat(h.scramble()).isEqualTo(Fixtures.hex("22 3d 4e 50 29 75 39 56 29 64 40 52 5c 55 78 7a 7c 21 29 4b"));
        assertThat(h.capabilities().pluginAuth()).isFalse();
        assertThat(h.authPluginName()).isEqualTo("mysql_native_password");
    }

    @Test
    void anErrInsteadOfAGreetingIsReported() {
        // "Too many connections" before the handshake: no SQLSTATE marker.
        byte[] err = Fixtures.hex("ff 10 04  54 6f 6f 20 6d 61 6e 79 20 63 6f 6e 6e 65 63 74 69 6f 6e 73");
        ByteBuf buf = Fixtures.buffer(err);
        try {
            assertThatThrownBy(() -> HandshakeV10.decode(buf)).isInstanceOf(MalformedPacketException.class)
                    .hasMessageContaining("1040").hasMessageContaining("Too many connections");
        } finally {
            buf.release();
        }
    }

    @Test
    void otherProtocolVersionsAreRefused() {
        byte[] b = MARIADB.clone();
        b[0] = 9;
        ByteBuf buf = Fixtures.buffer(b);
        try {
            assertThatThrownBy(() -> HandshakeV10.decode(buf)).isInstanceOf(MalformedPacketException.class);
        } finally {
            buf.release();
        }
    }

    /**
     * Every cut through the greeting up to the end of the scramble is malformed, except one: a greeting that ends
     * right after the lower capability flags is the protocol's oldest form and valid.
     */
    @Test
    void truncatedGreetingsAreMalformed() {
        int endOfLowerCaps = 1 + 33 + 4 + 8 + 1 + 2;
        int endOfScramble = endOfLowerCaps + 1 + 2 + 2 + 1 + 10 + 12;
        for (int n = 0; n < endOfScramble; n++) {
            if (n == endOfLowerCaps) {
                continue;
            }
            ByteBuf buf = Fixtures.buffer(Arrays.copyOf(MARIADB, n));
            try {
                assertThatThrownBy(() -> HandshakeV10.decode(buf)).as("greeting cut at %d bytes", n)
                        .isInstanceOf(MalformedPacketException.class);
            } finally {
                buf.release();
            }
        }
    }
}
