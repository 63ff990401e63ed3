package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sluice.protocol.Capability;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandshakeResponse41Test {
    /** libmariadb 3.3.20 logging in to MariaDB 10.11 (see the fixture's annotations for the offsets below). */
    private static final byte[] REAL = Fixtures.payload("mariadb-10.11-handshake-response.hex");
    private static final long BASE = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.LONG_PASSWORD;

    static HandshakeResponse41 decode(byte[] payload) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            HandshakeResponse41 r = HandshakeResponse41.decode(buf);
            assertThat(buf.isReadable()).as("bytes left").isFalse();
            return r;
        } finally {
            buf.release();
        }
    }

    static byte[] encode(HandshakeResponse41 r) {
        ByteBuf buf = Fixtures.alloc().buffer();
        try {
            r.encode(buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static void assertMalformed(byte[] payload, String why) {
        ByteBuf buf = Fixtures.buffer(payload);
        try {
            assertThatThrownBy(() -> HandshakeResponse41.decode(buf)).as(why).isInstanceOf(MalformedPacketException.class);
        } finally {
            buf.release();
        }
    }

    @Test
    void decodesARealMariaDbClientResponse() {
        HandshakeResponse41 r = decode(REAL);
        assertThat(r.sslRequest()).isFalse();
        assertThat(r.capabilities().bits()).isEqualTo(0x00BFA28CL);
        assertThat(r.maxPacketSize()).isEqualTo(0x00100000L);
        assertThat(r.characterSet()).isEqualTo(33);
        assertThat(r.username()).isEqualTo("sluice");
        assertThat(r.authResponse()).isEqualTo(Fixtures.hex("51 a2 16 52 41 a4 66 55 a9 24 ff 2b ee 97 20 15 f6 49 d9 37"));
        assertThat(r.database()).isEqualTo("mysql");
        assertThat(r.authPluginName()).isEqualTo("mysql_native_password");
        assertThat(r.attributes()).containsExactly(
                Map.entry("_os", "Linux"), Map.entry("_client_name", "libmariadb"), Map.entry("_pid", "7034"),
                Map.entry("_client_version", "3.3.20"), Map.entry("_platform", "x86_64"),
                Map.entry("program_name", "mysql"), Map.entry("_server_host", "127.0.0.1"));
    }

    @Test
    void realResponseSurvivesReEncoding() {
        HandshakeResponse41 r = decode(REAL);
        byte[] again = encode(r);
        // Not byte-identical: MariaDB's extended client capabilities in the filler are not carried (Sluice
        // announces none); everything else is.
        assertThat(Arrays.copyOfRange(again, 32, again.length)).isEqualTo(Arrays.copyOfRange(REAL, 32, REAL.length));
        assertSame(decode(again), r);
    }

    /** A MySQL 8 client (hand-built from the manual's layout, not captured): caching_sha2_password, 32-byte answer. */
    @Test
    void decodesAHandBuiltMySql8Response() {
        byte[] payload = Fixtures.hex("""
                85 a2 be 01                 # capabilities 0x01BEA285: no CONNECT_WITH_DB; PLUGIN_AUTH, CONNECT_ATTRS, LENENC, DEPRECATE_EOF
                00 00 00 01                 # max packet 16 MiB
                ff                          # utf8mb4_0900_ai_ci
                00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # filler
                72 6f 6f 74 00              # "root"
                20                          # auth response: 32 bytes (lenenc)
                00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
                63 61 63 68 69 6e 67 5f 73 68 61 32 5f 70 61 73 73 77 6f 72 64 00   # "caching_sha2_password"
                00                          # connection attributes: none
                """);
        HandshakeResponse41 r = decode(payload);
        assertThat(r.username()).isEqualTo("root");
        assertThat(r.authResponse()).hasSize(32);
        assertThat(r.database()).isNull();
        assertThat(r.authPluginName()).isEqualTo("caching_sha2_password");
        assertThat(r.attributes()).isEmpty();
        assertThat(encode(r)).isEqualTo(payload);
    }

    private static HandshakeResponse41 response(long caps, byte[] auth) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("_client_name", "sluice-test");
        attrs.put("k", "");
        return new HandshakeResponse41(new Capability(caps), 1 << 24, 45, "app", auth, "shop",
                "mysql_native_password", (caps & Capability.CONNECT_ATTRS) != 0 ? attrs : Map.of(), false);
    }

    private static void assertSame(HandshakeResponse41 a, HandshakeResponse41 b) {
        assertThat(a).usingRecursiveComparison().isEqualTo(b);
    }

    @Test
    void roundTripsWithEveryOptionalPart() {
        byte[] auth = new byte[20];
        Arrays.fill(auth, (byte) 0x5A);
        long all = BASE | Capability.CONNECT_WITH_DB | Capability.PLUGIN_AUTH | Capability.CONNECT_ATTRS
                | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;
        assertSame(decode(encode(response(all, auth))), response(all, auth));
    }

    @Test
    void withoutConnectWithDbThereIsNoDatabase() {
        long caps = BASE | Capability.PLUGIN_AUTH;
        HandshakeResponse41 r = decode(encode(response(caps, new byte[20])));
        assertThat(r.database()).isNull();
        assertThat(r.authPluginName()).isEqualTo("mysql_native_password");
    }

    @Test
    void withoutPluginAuthThereIsNoPluginName() {
        long caps = BASE | Capability.CONNECT_WITH_DB;
        HandshakeResponse41 r = decode(encode(response(caps, new byte[20])));
        assertThat(r.database()).isEqualTo("shop");
        assertThat(r.authPluginName()).isNull();
    }

    @Test
    void withoutConnectAttrsThereAreNoAttributes() {
        long caps = BASE | Capability.CONNECT_WITH_DB | Capability.PLUGIN_AUTH;
        assertThat(decode(encode(response(caps, new byte[20]))).attributes()).isEmpty();
    }

    @Test
    void lenencAuthDataLongerThan250Bytes() {
        // Only the length-encoded form can carry more than 255 bytes (e.g. an RSA-encrypted password).
        byte[] auth = new byte[300];
        Arrays.fill(auth, (byte) 0xA5);
        long caps = BASE | Capability.PLUGIN_AUTH | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;
        byte[] wire = encode(response(caps, auth));
        assertThat(wire[32 + 4]).as("0xFC: two-byte length follows").isEqualTo((byte) 0xFC);
        assertThat(decode(wire).authResponse()).isEqualTo(auth);
    }

    @Test
    void detectsAnSslRequest() {
        HandshakeResponse41 req = HandshakeResponse41.sslRequest(new Capability(BASE | Capability.PLUGIN_AUTH), 1 << 24, 45);
        byte[] wire = encode(req);
        assertThat(wire).hasSize(HandshakeResponse41.SSL_REQUEST_LENGTH);
        HandshakeResponse41 r = decode(wire);
        assertThat(r.sslRequest()).isTrue();
        assertThat(r.capabilities().ssl()).isTrue();
        assertThat(r.username()).isNull();
    }

    @Test
    void thirtyTwoBytesWithoutTheSslFlagAreNotAnSslRequest() {
        byte[] wire = encode(HandshakeResponse41.sslRequest(new Capability(BASE), 1 << 24, 45));
        wire[1] &= ~(byte) (Capability.SSL >>> 8);
        assertMalformed(wire, "32 bytes without CLIENT_SSL: the user name is missing");
    }

    @Test
    void protocol320IsRefused() {
        byte[] wire = REAL.clone();
        wire[1] &= ~(byte) (Capability.PROTOCOL_41 >>> 8);
        assertMalformed(wire, "HandshakeResponse320");
    }

    /** Offsets in the real response: user at 32, auth length 39, auth 40..59, db 60..65, plugin 66..87, attrs 88.. */
    @Test
    void truncatedResponsesAreMalformed() {
        for (int n = 0; n < REAL.length; n++) {
            boolean endsAtAnOptionalPart = n == 60 || n == 66 || (n > 66 && n <= 88);
            byte[] cut = Arrays.copyOf(REAL, n);
            if (endsAtAnOptionalPart) {
                // Database, plugin name and attributes may be absent; a plugin name without its NUL is tolerated.
                decode(cut);
            } else {
                assertMalformed(cut, "response cut at " + n + " bytes");
            }
        }
    }

    @Test
    void attributesLongerThanThePacketAreMalformed() {
        byte[] wire = REAL.clone();
        wire[88] = 0x7F; // one more than the 126 bytes that follow
        assertMalformed(wire, "attributes length past the end");
    }

    @Test
    void toStringNeverShowsTheAuthResponse() {
        HandshakeResponse41 r = decode(REAL);
        String s = r.toString();
        assertThat(s).contains("sluice").contains("mysql_native_password");
        assertThat(s).doesNotContain(Arrays.toString(r.authResponse()))
                .doesNotContainIgnoringCase(HexFormat.of().formatHex(r.authResponse()))
                .doesNotContain(new String(r.authResponse(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("authResponse");
    }
}
