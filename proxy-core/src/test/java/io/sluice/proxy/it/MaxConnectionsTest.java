package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** {@code max_connections} in Sluice itself: the connection over the limit gets ERR 1040 before any greeting. */
@ExtendWith(ClusterExtension.class)
class MaxConnectionsTest {
    private static final int MAX = 5;

    @Test
    void sixthConnectionIsRefusedUntilOneCloses(SandboxCluster cluster) throws Exception {
        List<Connection> open = new ArrayList<>();
        try (SluiceFixture sluice = SluiceFixture.start(cluster, MAX, Duration.ofSeconds(10))) {
            String url = sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
            for (int i = 0; i < MAX; i++) {
                open.add(DriverManager.getConnection(url));
                assertThat(select1(open.get(i))).isEqualTo(1);
            }

            SQLException refused = catchThrowableOfType(() -> DriverManager.getConnection(url), SQLException.class);
            assertThat((Throwable) refused).as("the 6th connection must be refused").isNotNull();
            assertThat(refused.getErrorCode()).isEqualTo(1040);
            assertThat(refused.getSQLState()).isEqualTo("08004");
            assertThat(refused.getMessage()).contains("Too many connections");

            // On the wire: ERR with sequence id 0 in place of the greeting, then the connection closes.
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", sluice.port()), 5_000);
                socket.setSoTimeout(10_000);
                DataInputStream in = new DataInputStream(socket.getInputStream());
                byte[] header = new byte[4];
                in.readFully(header);
                int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
                assertThat(header[3]).as("sequence id").isZero();
                byte[] payload = new byte[length];
                in.readFully(payload);
                assertThat(payload[0] & 0xFF).as("ERR header").isEqualTo(0xFF);
                assertThat((payload[1] & 0xFF) | (payload[2] & 0xFF) << 8).isEqualTo(1040);
                assertThat(new String(payload, 3, 6, StandardCharsets.US_ASCII)).isEqualTo("#08004");
                assertThat(new String(payload, 9, length - 9, StandardCharsets.UTF_8)).isEqualTo("Too many connections");
                assertThat(readToEnd(in)).as("the connection is closed after the ERR").isEqualTo(-1);
            }
            // Existing sessions are untouched.
            for (Connection c : open) {
                assertThat(select1(c)).isEqualTo(1);
            }

            open.remove(0).close();
            // The slot is freed when Sluice sees the close, which is asynchronous.
            Connection again = await().atMost(Duration.ofSeconds(10)).ignoreException(SQLException.class)
                    .until(() -> DriverManager.getConnection(url), c -> c != null);
            open.add(again);
            assertThat(select1(again)).isEqualTo(1);
            assertThat(sluice.sluice().registry().size()).isEqualTo(MAX);
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
    }

    private static int readToEnd(InputStream in) throws java.io.IOException {
        return in.read();
    }

    private static int select1(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
