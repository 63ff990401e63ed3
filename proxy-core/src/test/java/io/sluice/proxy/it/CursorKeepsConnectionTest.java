package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server-side cursor lives on one backend connection: while it is open, the session keeps that connection between
 * fetches, where multiplexing would otherwise give it back to the pool. Here the pool allows one connection per
 * server, and a client whose connections are not interchangeable with the cursor's (another driver: other
 * capability flags) logs in while the cursor is half read. It must wait for a connection to the source and give up
 * after {@code pool.acquire_timeout}, not close the one that holds the cursor; the cursor then reads on to the end.
 */
@ExtendWith(ClusterExtension.class)
class CursorKeepsConnectionTest {
    private static final int ROWS = 200;

    @Test
    void aLoginThatNeedsAConnectionDoesNotTakeTheOneHoldingACursor(SandboxCluster cluster) throws SQLException {
        String db = ConnectorJ.uniqueName("cursor_keep");
        ConnectorJ.createDatabase(cluster, db);
        ConnectorJ.asRoot(cluster,
                "CREATE TABLE " + db + ".t (id INT PRIMARY KEY)",
                "INSERT INTO " + db + ".t WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq"
                        + " WHERE n < " + ROWS + ") SELECT n FROM seq");
        cluster.awaitReplicasCaughtUp();
        // One event loop, so every session shares one pool; one connection per server in it.
        SluiceConfig config = SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(),
                new PoolConfig(1, Duration.ofSeconds(1))).withIoThreads(1);
        String user = SandboxAccounts.APP.user();
        String password = SandboxAccounts.APP.password();
        try (SluiceFixture sluice = SluiceFixture.start(config);
             Connection app = DriverManager.getConnection(sluice.mysqlUrl(user, password,
                     "useCursorFetch=true&defaultFetchSize=10"));
             PreparedStatement ps = app.prepareStatement(
                     "/* sluice:source */ SELECT id FROM " + db + ".t ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            int read = 0;
            while (read < 15 && rs.next()) {
                read++;
                assertThat(rs.getInt(1)).isEqualTo(read);
            }
            assertThat(read).as("rows before the other login").isEqualTo(15);

            assertThatThrownBy(() -> DriverManager.getConnection(sluice.mariadbUrl(user, password)).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("pool.acquire_timeout");

            while (rs.next()) {
                read++;
                assertThat(rs.getInt(1)).isEqualTo(read);
            }
            assertThat(read).as("rows read through the cursor").isEqualTo(ROWS);
        } finally {
            ConnectorJ.dropDatabase(cluster, db);
        }
    }
}
