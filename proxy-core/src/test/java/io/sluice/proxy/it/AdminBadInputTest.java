package io.sluice.proxy.it;

import io.sluice.protocol.message.ErrPacket;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a broken or hostile client can send the admin port: every case ends in a clear ERR or a prompt close, never a
 * hang (each read of {@link RawClient} times out after 5 s, which would fail the test). {@code handshake_timeout} is
 * 1 s here, so a client that never logs in is closed quickly.
 */
@ExtendWith(ClusterExtension.class)
class AdminBadInputTest {
    private static final Duration READ = Duration.ofSeconds(5);
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(shared, RoutingConfig.defaults(), PoolConfig.defaults()))
                .withHandshakeTimeout(Duration.ofSeconds(1)));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private static RawClient loggedIn() throws Exception {
        return RawClient.login(sluice.adminPort(), SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD, READ);
    }

    @Test
    void garbageInsteadOfTheLoginIsABadHandshake() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.adminPort(), READ)) {
            c.sendPacket(1, b -> b.writeBytes("this is not a handshake response at all".getBytes(StandardCharsets.UTF_8)));
            ErrPacket err = c.readErr();
            assertThat(err.code()).isEqualTo(1043);
            assertThat(err.sqlState()).isEqualTo("08S01");
            c.awaitClosed();
        }
    }

    /** Once TLS is up, a second SSLRequest is a bad handshake: ERR 1043 over TLS, then the close. */
    @Test
    void aSecondSslRequestInsideTlsIsABadHandshake() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.adminPort(), READ);
             RawClient tls = c.startTls()) {
            tls.sendPacket(2, io.sluice.protocol.message.HandshakeResponse41.sslRequest(RawClient.CAPABILITIES, 1 << 24,
                    45)::encode);
            ErrPacket err = tls.readErr();
            assertThat(err.code()).isEqualTo(1043);
            assertThat(err.sqlState()).isEqualTo("08S01");
            tls.awaitClosed();
        }
    }

    @Test
    void anHttpRequestReadsAsAnOversizePacketAndIsRefused() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.adminPort(), READ)) {
            // "GET" is a 5 MiB length prefix: refused from the header, before anything is buffered.
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.readErr().code()).isEqualTo(1153);
            c.awaitClosed();
        }
    }

    @Test
    void anOversizePacketAfterLoginIsRefusedAndCloses() throws Exception {
        try (RawClient c = loggedIn()) {
            c.sendHeader(0xFFFFFF, 0);
            ErrPacket err = c.readErr();
            assertThat(err.code()).isEqualTo(1153);
            assertThat(err.message()).isEqualTo("Got a packet bigger than 'max_allowed_packet' bytes");
            c.awaitClosed();
        }
    }

    @Test
    void aClientThatNeverLogsInIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.adminPort(), READ)) {
            long start = System.nanoTime();
            c.awaitClosed();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aPacketOutOfSequenceCloses() throws Exception {
        try (RawClient c = loggedIn()) {
            c.sendPacket(3, b -> b.writeByte(0x03).writeBytes("SHOW VERSION".getBytes(StandardCharsets.US_ASCII)));
            assertThat(c.readErr().code()).isEqualTo(1156);
            c.awaitClosed();
        }
    }

    @Test
    void unknownAndUnsupportedCommandsAreRefusedAndTheSessionGoesOn() throws Exception {
        try (RawClient c = loggedIn()) {
            c.sendPacket(0, b -> b.writeByte(0x7F));
            assertThat(c.readErr().code()).isEqualTo(1047);
            c.sendPacket(0, b -> b.writeByte(0x16).writeBytes("SELECT 1".getBytes(StandardCharsets.US_ASCII)));
            assertThat(c.readErr().code()).as("COM_STMT_PREPARE").isEqualTo(1047);
            c.sendPacket(0, b -> { });   // an empty packet names no command
            assertThat(c.readErr().code()).isEqualTo(1047);
            c.query("SHOW VERSION; SHOW CONFIG");
            assertThat(c.readErr().code()).isEqualTo(1064);
            c.query("   ;  ");
            assertThat(c.readErr().code()).isEqualTo(1065);
            c.query("SELECT 'unterminated");
            assertThat(c.readErr().code()).isEqualTo(1064);
            assertThat(c.queryValue("SELECT @@version_comment")).isEqualTo("Sluice admin interface");
        }
    }
}
