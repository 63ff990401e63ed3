package io.sluice.proxy.it;

import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that send what no driver would. Each case must end in the ERR a MySQL server would send (code and SQLSTATE)
 * or in a prompt close, never in a hang; and after each case Sluice must still serve a well-behaved client
 * ({@link #stillServesOthers()}) and hold no session for the bad one.
 *
 * <p>"Prompt" is bounded by {@link #READ_TIMEOUT} on the raw client's reads: a proxy that hangs fails the test with a
 * {@link java.net.SocketTimeoutException}, which is how a hang is told from a close.
 */
@ExtendWith(ClusterExtension.class)
class BadInputTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** Low enough that a test can cross it with two frames, above one full frame so that it takes two. */
    private static final long MAX_ALLOWED_PACKET = 20L << 20;
    private static final Duration SHORT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(1);
    private static final String APP = SandboxAccounts.APP.user();
    private static final String APP_PW = SandboxAccounts.APP.password();

    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    /** With a 1 s handshake timeout, for clients that never finish their handshake. */
    private static SluiceFixture impatient;

    @BeforeAll
    static void startSluice(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(shared, 100, Duration.ofSeconds(10), MAX_ALLOWED_PACKET);
        impatient = SluiceFixture.start(shared, 100, SHORT_HANDSHAKE_TIMEOUT);
    }

    @AfterAll
    static void stopSluice() {
        if (sluice != null) {
            sluice.close();
        }
        if (impatient != null) {
            impatient.close();
        }
    }

    @AfterEach
    void stillServesOthers() throws Exception {
        for (SluiceFixture s : new SluiceFixture[]{sluice, impatient}) {
            // The bad client is gone (each test closes it): so must its session be.
            await().atMost(Duration.ofSeconds(10)).until(() -> s.sluice().registry().size() == 0);
            try (Connection c = DriverManager.getConnection(s.mariadbUrl(APP, APP_PW));
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1 + 1, CONNECTION_ID() > 0")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(2);
                assertThat(rs.getBoolean(2)).isTrue();
            }
        }
    }

    // ------------------------------------------------------------------ before login

    /** Random bytes framed as the handshake response; no NUL, so the user name never ends: never a valid response. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void garbageFramedAsHandshakeResponseIsBadHandshake(long seed) throws Exception {
        byte[] garbage = new byte[200];
        Random random = new Random(seed);
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (1 + random.nextInt(255));
        }
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            c.sendPacket(1, b -> b.writeBytes(garbage));

            RawClient.Packet answer = c.readPacket();
            assertThat(answer.sequenceId()).isEqualTo(2);
            assertErr(answer.err(), ErrorCode.BAD_HANDSHAKE);
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    /**
     * Unframed random bytes: their first four bytes are read as a frame header. Whatever they announce, the answer is
     * one of the errors a server gives for a broken handshake read (as MySQL's handshake does: packet too large, out
     * of order, or bad handshake, all 08S01) followed by a close, or a close alone once the handshake timeout expires
     * (a header that announces more than was sent): never a session that stays open. Random headers nearly always
     * announce more than 64 KiB; {@link #unframedGarbageWithASmallHeader} covers the others.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void unframedGarbageBeforeLoginEndsInErrorOrClose(long seed) throws Exception {
        byte[] garbage = new byte[1000];
        new Random(seed).nextBytes(garbage);
        sendUnframedAndExpectErrorOrClose(garbage);
    }

    /** Random bytes whose header happens to announce a small packet: in order or not, complete or not. */
    @ParameterizedTest
    @CsvSource({"100, 1", "100, 7", "996, 1", "2000, 1", "65536, 0"})
    void unframedGarbageWithASmallHeader(int announced, int sequenceId) throws Exception {
        byte[] garbage = new byte[1000];
        new Random(announced * 31L + sequenceId).nextBytes(garbage);
        garbage[0] = (byte) announced;
        garbage[1] = (byte) (announced >> 8);
        garbage[2] = (byte) (announced >> 16);
        garbage[3] = (byte) sequenceId;
        sendUnframedAndExpectErrorOrClose(garbage);
    }

    private static void sendUnframedAndExpectErrorOrClose(byte[] garbage) throws IOException {
        int announced = (garbage[0] & 0xFF) | (garbage[1] & 0xFF) << 8 | (garbage[2] & 0xFF) << 16;
        boolean complete = announced <= garbage.length - 4;
        try (RawClient c = RawClient.connectAndGreet(impatient.port(), READ_TIMEOUT)) {
            c.send(garbage);

            byte[] before = c.awaitClosed();
            if (announced > 64 * 1024) {
                assertErr(onlyErr(before), ErrorCode.PACKET_TOO_LARGE);
            } else if (!complete) {
                // Waiting for the rest of a packet until the handshake timeout, then closing, as a server does.
                assertThat(before).isEmpty();
            } else if ((garbage[3] & 0xFF) != 1) {
                assertErr(onlyErr(before), ErrorCode.PACKETS_OUT_OF_ORDER);
            } else {
                // Whatever the random packet decodes to, it is no handshake response this server can accept: the
                // answer is an 08S01 Bad handshake, or (if it happens to name a user) Access denied.
                ErrPacket err = onlyErr(before);
                assertThat(err.code()).as("%s", err).isIn(ErrorCode.BAD_HANDSHAKE.code(), ErrorCode.ACCESS_DENIED.code());
            }
        }
    }

    @Test
    void truncatedHandshakeResponseIsBadHandshake() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            // Capabilities, max packet size, character set and 1 of the 23 filler bytes: 10 of the 32 fixed bytes.
            c.sendPacket(1, b -> b.writeIntLE((int) RawClient.CAPABILITIES.bits()).writeIntLE(1 << 24)
                    .writeByte(45).writeByte(0));

            RawClient.Packet answer = c.readPacket();
            assertThat(answer.sequenceId()).isEqualTo(2);
            assertErr(answer.err(), ErrorCode.BAD_HANDSHAKE);
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    void clientThatNeverAnswersTheGreetingIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(impatient.port(), SHORT_HANDSHAKE_TIMEOUT.plus(READ_TIMEOUT))) {
            long id = c.greeting().connectionId();
            assertThat(impatient.sluice().registry().get(id)).isNotNull();

            assertThat(c.awaitClosed()).isEmpty();
            await().atMost(READ_TIMEOUT).until(() -> impatient.sluice().registry().get(id) == null);
        }
    }

    @Test
    void packetOverThePreAuthLimitIsRefusedBeforeItsPayloadIsSent() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            c.sendHeader(64 * 1024 + 1, 1);

            RawClient.Packet answer = c.readPacket();
            assertErr(answer.err(), ErrorCode.PACKET_TOO_LARGE);
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    void truncatedHandshakeResponseThenHalfCloseIsClosedPromptly() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            c.sendHeader(100, 1);
            c.send(new byte[50]);
            c.shutdownOutput();

            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"app", "nobody_here"})
    void wrongPasswordIsAccessDenied(String user) throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            RawClient.Packet answer = c.sendLogin(user, "not-the-password", RawClient.CAPABILITIES);

            assertThat(answer.sequenceId()).isEqualTo(2);
            ErrPacket err = answer.err();
            assertThat(err.code()).isEqualTo(1045);
            assertThat(err.sqlState()).isEqualTo("28000");
            assertThat(err.message()).isEqualTo("Access denied for user '" + user + "'@'127.0.0.1' (using password: YES)");
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ after login

    @Test
    void truncatedCommandThenHalfCloseIsClosedPromptly() throws Exception {
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            long id = c.greeting().connectionId();
            c.sendHeader(100, 0);
            c.send(new byte[50]);
            c.shutdownOutput();

            assertThat(c.awaitClosed()).isEmpty();
            await().atMost(READ_TIMEOUT).until(() -> sluice.sluice().registry().get(id) == null);
        }
    }

    @Test
    void wrongSequenceIdIsOutOfOrderAndCloses() throws Exception {
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            c.sendPacket(5, b -> b.writeByte(0x03).writeBytes("SELECT 1".getBytes()));

            RawClient.Packet answer = c.readPacket();
            assertThat(answer.sequenceId()).isEqualTo(1);
            assertErr(answer.err(), ErrorCode.PACKETS_OUT_OF_ORDER);
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    /**
     * A COM_QUERY of two 16 MiB frames crosses max_allowed_packet (20 MiB) at the second frame's header: the ERR comes
     * before that frame's payload is sent (the client sends none), so Sluice never buffers past the limit.
     */
    @Test
    void packetOverMaxAllowedPacketIsRefusedAtTheFrameHeader() throws Exception {
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            byte[] first = new byte[4 + 0xFFFFFF];
            first[0] = first[1] = first[2] = (byte) 0xFF;
            first[4] = 0x03;
            byte[] sql = "SELECT '".getBytes();
            System.arraycopy(sql, 0, first, 5, sql.length);
            Arrays.fill(first, 5 + sql.length, first.length, (byte) 'x');
            c.send(first);
            c.sendHeader(0xFFFFFF, 1);

            assertErr(c.readErr(), ErrorCode.PACKET_TOO_LARGE);
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    void unknownCommandIsRefusedAndTheSessionStaysUsable() throws Exception {
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            c.sendPacket(0, b -> b.writeByte(0x60).writeBytes(new byte[]{1, 2, 3}));

            RawClient.Packet answer = c.readPacket();
            assertThat(answer.sequenceId()).isEqualTo(1);
            assertErr(answer.err(), ErrorCode.UNKNOWN_COMMAND);
            assertThat(c.queryValue("SELECT 6 * 7")).isEqualTo("42");
        }
    }

    /**
     * An empty command packet: MySQL and MariaDB read it as COM_SLEEP, which a client may not send, and answer
     * "Unknown command" keeping the connection. Checked against the backend itself, then through Sluice.
     */
    @Test
    void emptyCommandPacketIsAnsweredAsTheServerDoes() throws Exception {
        ErrPacket direct;
        try (RawClient c = RawClient.login(cluster.source().port(), APP, APP_PW, READ_TIMEOUT)) {
            c.sendPacket(0, b -> { });
            direct = c.readErr();
            assertThat(c.queryValue("SELECT 6 * 7")).isEqualTo("42");
        }
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            c.sendPacket(0, b -> { });

            RawClient.Packet answer = c.readPacket();
            assertThat(answer.sequenceId()).isEqualTo(1);
            ErrPacket err = answer.err();
            assertThat(err.code()).isEqualTo(direct.code()).isEqualTo(ErrorCode.UNKNOWN_COMMAND.code());
            assertThat(err.sqlState()).isEqualTo(direct.sqlState()).isEqualTo(ErrorCode.UNKNOWN_COMMAND.sqlState());
            assertThat(c.queryValue("SELECT 6 * 7")).isEqualTo("42");
        }
    }

    @Test
    void clientThatVanishesMidResultIsCleanedUp() throws Exception {
        long id;
        String backendThread;
        try (RawClient c = RawClient.login(sluice.port(), APP, APP_PW, READ_TIMEOUT)) {
            id = c.greeting().connectionId();
            backendThread = c.queryValue("SELECT CONNECTION_ID()");
            // 160,000 rows of 200 bytes: 32 MiB, far more than the socket buffers hold when the client vanishes.
            c.query(RawClient.rowsQuery(160_000, 200));
            for (int i = 0; i < 10; i++) {
                assertThat(c.readPacket().isErr()).isFalse();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().registry().get(id) == null);
        // The backend connection goes with the session, not just the client side.
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.source().queryValue(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + backendThread).equals("0"));
    }

    // ------------------------------------------------------------------ helpers

    private static void assertErr(ErrPacket err, ErrorCode expected) {
        assertThat(err.code()).as("code of %s", err).isEqualTo(expected.code());
        assertThat(err.sqlState()).as("SQLSTATE of %s", err).isEqualTo(expected.sqlState());
        assertThat(err.message()).as("message of %s", err).startsWith(expected.format().split("%")[0]);
    }

    /** The bytes a server sent before closing must be exactly one ERR packet. */
    private static ErrPacket onlyErr(byte[] bytes) throws IOException {
        assertThat(bytes.length).isGreaterThan(4);
        int length = (bytes[0] & 0xFF) | (bytes[1] & 0xFF) << 8 | (bytes[2] & 0xFF) << 16;
        assertThat(bytes.length).as("one packet and nothing after it").isEqualTo(4 + length);
        RawClient.Packet p = new RawClient.Packet(bytes[3] & 0xFF, Arrays.copyOfRange(bytes, 4, bytes.length));
        assertThat(p.isErr()).as("%s is an ERR", p).isTrue();
        return p.err();
    }
}
