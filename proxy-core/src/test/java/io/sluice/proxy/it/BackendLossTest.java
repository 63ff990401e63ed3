package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The backend connection under a session dies ({@code KILL CONNECTION} on the server, as root, directly: through
 * Sluice a KILL names Sluice's own connection ids). The client must get an error promptly, never hang; the shared
 * cluster is not harmed, so it is used.
 */
@ExtendWith(ClusterExtension.class)
class BackendLossTest {
    /** The bound for "promptly": far above a healthy answer, far below the 60 s the query would take. */
    private static final long PROMPT_SECONDS = 10;
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void startSluice(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(shared);
    }

    @AfterAll
    static void stopSluice() {
        if (sluice != null) {
            sluice.close();
        }
    }

    @AfterEach
    void stillServesOthers() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().registry().size() == 0);
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 + 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void backendKilledDuringAQueryFailsTheQueryPromptly() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            long thread = backendThread(s);
            CompletableFuture<Object> query = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = s.executeQuery("SELECT SLEEP(60)")) {
                    return rs.next() ? rs.getObject(1) : null;
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> "User sleep".equals(cluster.source().queryValue(
                    "SELECT IFNULL(STATE, '') FROM information_schema.PROCESSLIST WHERE ID = " + thread)));

            cluster.source().execute("KILL CONNECTION " + thread);

            assertThatThrownBy(() -> query.get(PROMPT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getErrorCode())
                            .as("the server's 'Connection was killed' relayed, or Sluice's 'Lost connection'")
                            .isIn(1927, 2013));
            assertThat(c.isValid(5)).isFalse();
        }
    }

    @Test
    void backendKilledWhileIdleFailsTheNextStatementCleanly() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            long thread = backendThread(s);

            cluster.source().execute("KILL CONNECTION " + thread);
            await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().registry().size() == 0);

            CompletableFuture<Object> next = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                    return rs.next() ? rs.getObject(1) : null;
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertThatThrownBy(() -> next.get(PROMPT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SQLException.class);
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password()));
    }

    private static long backendThread(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT CONNECTION_ID()")) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }
}
