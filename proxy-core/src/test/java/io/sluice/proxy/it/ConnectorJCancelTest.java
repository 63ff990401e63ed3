package io.sluice.proxy.it;

import io.sluice.proxy.it.ConnectorJ.SqlError;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code Statement.cancel()} through Sluice compared with direct. Connector/J opens a second connection to the same
 * address and sends {@code KILL QUERY <id>}, with the connection id from the greeting: through Sluice that is
 * Sluice's id, which Sluice must map to the backend thread of the session running the query.
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJCancelTest {
    private static final String SLEEP = "SELECT SLEEP(30) AS slept";
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_cancel");
        ConnectorJ.createDatabase(cluster, db);
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (sluice != null) {
            sluice.close();
        }
        ConnectorJ.dropDatabase(cluster, db);
    }

    @Test
    void cancelInterruptsARunningQueryPromptly() throws Exception {
        List<Object> direct = cancelSleep(ConnectorJ.directUrl(cluster, db, ""));
        List<Object> viaSluice = cancelSleep(ConnectorJ.sluiceUrl(sluice, db, ""));
        // Connector/J reports the cancel as MySQLStatementCancelledException when its cancel() has marked the
        // statement before the server's 1317 arrives, else as the 1317 itself: a race inside the driver, which the
        // extra hop can tip either way. Either way the server interrupted the statement.
        List<Object> cancelled = List.of("com.mysql.cj.jdbc.exceptions.MySQLStatementCancelledException",
                new SqlError(0, null, "Statement cancelled due to client request"), List.of(List.of("still usable")));
        List<Object> interrupted = List.of("com.mysql.cj.jdbc.exceptions.MySQLQueryInterruptedException",
                new SqlError(1317, "70100", "Query execution was interrupted"), List.of(List.of("still usable")));
        assertThat(direct).isIn(cancelled, interrupted);
        assertThat(viaSluice).isIn(cancelled, interrupted);
    }

    /** Runs the sleep on one thread, cancels it from this one, and says how it ended and what followed. */
    private static List<Object> cancelSleep(String url) throws Exception {
        List<Object> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = s.executeQuery(SLEEP)) {
                    return ConnectorJ.table(rs).rows();
                } catch (SQLException e) {
                    return e;
                }
            });
            // Cancel only once the server runs the statement, or there is nothing to interrupt yet.
            await().atMost(Duration.ofSeconds(10)).until(() -> sleepingInProcessList());
            long started = System.nanoTime();
            s.cancel();
            Object outcome = running.get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).as("time from cancel() to the end of the query").isLessThan(Duration.ofSeconds(5));
            assertThat(outcome).isInstanceOf(SQLException.class);
            out.add(outcome.getClass().getName());
            out.add(SqlError.of((SQLException) outcome));
            try (ResultSet rs = s.executeQuery("SELECT 'still usable'")) {
                out.add(ConnectorJ.table(rs).rows());
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !sleepingInProcessList());
        return out;
    }

    private static boolean sleepingInProcessList() throws SQLException {
        try (Connection c = DriverManager.getConnection(ConnectorJ.url(cluster.source().host(), cluster.source().port(),
                "", io.sluice.proxy.sandbox.SandboxAccounts.ROOT.user(), io.sluice.proxy.sandbox.SandboxAccounts.ROOT.password(),
                "sslMode=DISABLED"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = '" + db
                     + "' AND INFO = '" + SLEEP + "'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }
}
