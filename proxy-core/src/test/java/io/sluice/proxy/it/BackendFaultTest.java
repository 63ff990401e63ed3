package io.sluice.proxy.it;

import io.sluice.protocol.Capability;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.proxy.config.HostPort;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A backend that breaks the protocol in the middle of an answer, after part of it is already on its way to the
 * client: the real source behind a {@link FaultyRelay}, which corrupts the end of a result set.
 *
 * <p>Sluice passes a response's packets on gathered into one write and sends its own packets after them. The client
 * must get the part of the result set the server sent, in order, then Sluice's ERR (lost connection, with the next
 * sequence id) and a close: never the ERR ahead of the rows, which would leave the client reading the rows as the
 * answer to its next command.
 */
@ExtendWith(ClusterExtension.class)
class BackendFaultTest {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final String APP = SandboxAccounts.APP.user();
    private static final String APP_PW = SandboxAccounts.APP.password();
    private static FaultyRelay relay;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) throws Exception {
        relay = FaultyRelay.start(shared.source().host(), shared.source().port());
        sluice = SluiceFixture.startVia(shared, new HostPort("127.0.0.1", relay.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sluice != null) {
            sluice.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    @Test
    void aResponseBrokenMidwayReachesTheClientInOrderThenTheErrorAndAClose() throws Exception {
        try (RawClient c = RawClient.connectAndGreet(sluice.port(), READ_TIMEOUT)) {
            // CLIENT_DEPRECATE_EOF: the result set ends with an OK packet, which Sluice reads (and a bare 0xFE is not).
            RawClient.Packet login = c.sendLogin(APP, APP_PW,
                    RawClient.CAPABILITIES.with(Capability.DEPRECATE_EOF));
            assertThat(login.isOk()).as("login: %s", login).isTrue();

            c.query("SELECT CONCAT('sluice-', 'breaks-here') AS v");

            RawClient.Packet columns = c.readPacket();
            assertThat(columns.sequenceId()).isEqualTo(1);
            assertThat(columns.payload()).as("column count").containsExactly(1);
            assertThat(c.readPacket().sequenceId()).as("the column definition").isEqualTo(2);
            RawClient.Packet row = c.readPacket();
            assertThat(row.sequenceId()).isEqualTo(3);
            assertThat(new String(row.payload(), StandardCharsets.US_ASCII)).as("the row").contains(FaultyRelay.MARKER);

            RawClient.Packet end = c.readPacket();
            assertThat(end.isErr()).as("after the row: %s", end).isTrue();
            assertThat(end.sequenceId()).as("the ERR follows the row's sequence").isEqualTo(4);
            ErrPacket err = end.err();
            assertThat(err.code()).isEqualTo(ErrorCode.BACKEND_LOST.code());
            assertThat(err.sqlState()).isEqualTo(ErrorCode.BACKEND_LOST.sqlState());
            assertThat(err.message()).contains("protocol error from backend");
            assertThatThrownBy(c::readPacket).as("then the session closes").isInstanceOf(EOFException.class);
        }
        assertThat(relay.corrupted()).isEqualTo(1);

        // Only that session ended: the next client gets a fresh backend connection through the same relay.
        await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().registry().size() == 0);
        try (RawClient next = RawClient.login(sluice.port(), APP, APP_PW,
                READ_TIMEOUT)) {
            assertThat(next.queryValue("SELECT 6 * 7")).isEqualTo("42");
        }
    }
}
