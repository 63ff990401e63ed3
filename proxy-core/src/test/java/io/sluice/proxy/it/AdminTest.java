package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The admin interface through Connector/J, in front of the shared 3-node cluster: its own account only, every SHOW
 * with its columns and rows, SET BACKEND taking a replica out of the read rotation and back (checked with the
 * whoami-per-server table of {@link ReadWriteSplitTest}), and the errors for what it does not know.
 */
@ExtendWith(ClusterExtension.class)
class AdminTest {
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        ReadWriteSplitTest.labelServers(cluster);
        sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults())));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    @AfterEach
    void everyBackendOnline() throws SQLException {
        try (Connection a = admin(); Statement s = a.createStatement()) {
            for (SandboxServer server : cluster.servers()) {
                s.execute("SET BACKEND " + server.name() + " ONLINE");
            }
        }
    }

    static Connection admin() throws SQLException {
        return admin(SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD);
    }

    static Connection admin(String user, String password) throws SQLException {
        return DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "", user, password,
                "sslMode=DISABLED&connectTimeout=5000&socketTimeout=10000"));
    }

    /** A result set as column labels and rows of strings (SQL NULL as null). */
    record Result(List<String> columns, List<List<String>> rows) {
        Map<String, String> row(String firstColumn) {
            for (List<String> r : rows) {
                if (r.get(0).equals(firstColumn)) {
                    Map<String, String> m = new LinkedHashMap<>();
                    for (int i = 0; i < columns.size(); i++) {
                        m.put(columns.get(i), r.get(i));
                    }
                    return m;
                }
            }
            throw new AssertionError("no row " + firstColumn + " in " + rows);
        }
    }

    static Result query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<String> cols = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                cols.add(md.getColumnLabel(i));
            }
            List<List<String>> rows = new ArrayList<>();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= cols.size(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return new Result(cols, rows);
        }
    }

    private static Set<String> readers(int reads) throws SQLException {
        Set<String> seen = new HashSet<>();
        try (Connection c = ReadWriteSplitTest.connect(sluice); Statement s = c.createStatement()) {
            for (int i = 0; i < reads; i++) {
                seen.add(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO));
            }
        }
        return seen;
    }

    // ------------------------------------------------------------------ who may log in

    @Test
    void wrongPasswordIsRefusedWithAccessDenied() {
        SQLException e = catchThrowableOfType(SQLException.class, () -> admin(SluiceFixture.ADMIN_USER, "wrong").close());
        assertThat(e.getErrorCode()).isEqualTo(1045);
        assertThat(e.getSQLState()).isEqualTo("28000");
        assertThat(e.getMessage()).contains("Access denied for user '" + SluiceFixture.ADMIN_USER + "'@'127.0.0.1'");
    }

    @Test
    void applicationUsersCannotLogInToTheAdminInterface() {
        for (String[] account : new String[][]{{SandboxAccounts.APP.user(), SandboxAccounts.APP.password()},
                {SluiceFixture.STATIC_USER, SluiceFixture.STATIC_PASSWORD}}) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> admin(account[0], account[1]).close());
            assertThat(e.getErrorCode()).as(account[0]).isEqualTo(1045);
        }
        // ...nor the admin account into the client port.
        SQLException e = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
                ConnectorJ.url("127.0.0.1", sluice.port(), "", SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD,
                        "sslMode=DISABLED")).close());
        assertThat(e.getErrorCode()).isEqualTo(1045);
    }

    // ------------------------------------------------------------------ SHOW

    @Test
    void showBackendsNamesEveryServerWithItsRoleAndState() throws SQLException {
        readers(4);   // puts connections in the replicas' pools
        try (Connection a = admin()) {
            Result r = query(a, "SHOW BACKENDS");
            assertThat(r.columns()).containsExactly("name", "address", "role", "state", "lag_ms", "gtid_executed",
                    "in_flight", "pool_in_use", "pool_idle", "errors");
            assertThat(r.rows()).hasSize(3);
            Map<String, String> source = r.row(cluster.source().name());
            assertThat(source).containsEntry("address", cluster.source().host() + ":" + cluster.source().port())
                    .containsEntry("role", "source").containsEntry("state", "up").containsEntry("lag_ms", "0")
                    .containsEntry("in_flight", "0");
            // The tracker's executed set: the source's own binlog position.
            assertThat(source.get("gtid_executed")).isNotNull();
            assertThat(io.sluice.protocol.gtid.GtidSet.parse(cluster.source().queryValue("SELECT @@GLOBAL.gtid_binlog_pos"))
                    .contains(io.sluice.protocol.gtid.GtidSet.parse(source.get("gtid_executed")))).isTrue();
            for (int i = 1; i <= 2; i++) {
                Map<String, String> replica = r.row(cluster.replica(i).name());
                // errors: connections lost or refused so far (OFFLINE HARD in another test closes some).
                assertThat(replica).containsEntry("role", "replica").containsEntry("state", "up")
                        .containsKey("errors");
                assertThat(Long.parseLong(replica.get("lag_ms"))).isBetween(0L, 5000L);
                assertThat(Long.parseLong(replica.get("pool_idle")) + Long.parseLong(replica.get("pool_in_use")))
                        .isPositive();
            }
        }
    }

    @Test
    void showSessionsListsClientSessionsWithTheirBackendsAndTransaction() throws SQLException {
        try (Connection client = ReadWriteSplitTest.connect(sluice); Statement s = client.createStatement();
             Connection a = admin()) {
            // MariaDB Connector/J reports the connection id of the greeting: Sluice's own.
            long id = client.unwrap(org.mariadb.jdbc.Connection.class).getThreadId();
            s.execute("BEGIN");
            assertThat(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO)).isEqualTo(cluster.source().name());
            Result r = query(a, "SHOW SESSIONS");
            assertThat(r.columns()).containsExactly("id", "user", "client", "backends", "in_transaction", "state",
                    "idle_ms", "consistency", "last_write_gtid", "token");
            Map<String, String> row = r.row(Long.toString(id));
            assertThat(row).containsEntry("user", SandboxAccounts.APP.user()).containsEntry("in_transaction", "1")
                    .containsEntry("state", "idle");
            assertThat(row.get("client")).startsWith("127.0.0.1:");
            assertThat(row.get("backends")).matches(cluster.source().name() + "#\\d+");
            assertThat(Long.parseLong(row.get("idle_ms"))).isNotNegative();
            assertThat(row).containsEntry("consistency", "session").containsEntry("last_write_gtid", null);
            s.execute("COMMIT");
            assertThat(query(a, "SHOW SESSIONS").row(Long.toString(id))).containsEntry("in_transaction", "0");
            s.execute("CREATE DATABASE IF NOT EXISTS admin_it");   // a write, committed with its own GTID
            assertThat(query(a, "SHOW SESSIONS").row(Long.toString(id)).get("last_write_gtid")).matches("0-1-\\d+");
        }
    }

    @Test
    void showRoutingStatsCountsQueriesByRouteAndReason() throws SQLException {
        try (Connection a = admin(); Connection c = ReadWriteSplitTest.connect(sluice);
             Statement s = c.createStatement()) {
            long before = replicaReads(query(a, "SHOW ROUTING STATS"));
            for (int i = 0; i < 7; i++) {
                ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO);
            }
            Result after = query(a, "SHOW ROUTING STATS");
            assertThat(after.columns()).containsExactly("route", "reason", "queries");
            assertThat(replicaReads(after)).isEqualTo(before + 7);
        }
    }

    private static long replicaReads(Result r) {
        return r.rows().stream().filter(row -> row.get(0).equals("replica") && row.get(1).equals("read_replica"))
                .mapToLong(row -> Long.parseLong(row.get(2))).sum();
    }

    @Test
    void showConfigShowsEffectiveValuesButNoPassword() throws SQLException {
        try (Connection a = admin()) {
            Result r = query(a, "show config;");
            assertThat(r.columns()).containsExactly("key", "value");
            Map<String, String> kv = new LinkedHashMap<>();
            r.rows().forEach(row -> kv.put(row.get(0), row.get(1)));
            assertThat(kv).containsEntry("max_connections", "10000").containsEntry("routing.fallback", "source")
                    .containsEntry("admin.user", SluiceFixture.ADMIN_USER).containsEntry("admin.password", "<hidden>")
                    .containsEntry("users[0].password", "<hidden>").containsEntry("monitor.password", "<hidden>")
                    .containsEntry("backends[0].name", cluster.source().name())
                    .containsEntry("shutdown.drain_timeout", "10s");
            String all = r.rows().toString();
            assertThat(all).doesNotContain(SluiceFixture.ADMIN_PASSWORD, SluiceFixture.STATIC_PASSWORD,
                    SandboxAccounts.MONITOR.password());
        }
    }

    @Test
    void showVersion() throws SQLException {
        try (Connection a = admin()) {
            Result r = query(a, "SHOW VERSION");
            assertThat(r.columns()).containsExactly("sluice", "backend", "java");
            assertThat(r.rows()).singleElement().satisfies(row -> {
                assertThat(row.get(1)).isEqualTo(cluster.source().serverVersion()).doesNotStartWith("5.5.5-");
                assertThat(row.get(2)).isEqualTo(System.getProperty("java.version"));
            });
        }
    }

    /**
     * The admin port offers TLS, with the client port's certificate (self-signed here): a client that requires TLS
     * logs in over it and is served, where it would be refused by a port that offers none. Several times, since a
     * ClientHello sharing a read with the SSLRequest once hung the login (ConnectorJAuthTest#tlsLoginsInARowAllSucceed).
     */
    @Test
    void anAdminClientThatRequiresTlsGetsIt() throws SQLException {
        for (int i = 0; i < 30; i++) {
            try (Connection a = DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                    SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD,
                    "sslMode=REQUIRED&connectTimeout=5000&socketTimeout=10000"))) {
                assertThat(ConnectorJ.tlsEstablished(a)).as("login %d", i).isTrue();
                assertThat(query(a, "SHOW VERSION").rows()).hasSize(1);
            }
        }
    }

    // ------------------------------------------------------------------ SET BACKEND

    @Test
    void offlineSoftTakesAReplicaOutOfTheReadRotationAndOnlineBringsItBack() throws SQLException {
        String r1 = cluster.replica(1).name();
        String r2 = cluster.replica(2).name();
        assertThat(readers(40)).containsExactlyInAnyOrder(r1, r2);
        try (Connection a = admin(); Statement s = a.createStatement()) {
            s.execute("SET BACKEND " + r1 + " OFFLINE SOFT");
            assertThat(query(a, "SHOW BACKENDS").row(r1)).containsEntry("role", "offline")
                    .containsEntry("state", "offline soft (replica, up)");
            assertThat(readers(40)).containsExactly(r2);

            s.execute("set backend `" + r1 + "` online;");
            assertThat(query(a, "SHOW BACKENDS").row(r1)).containsEntry("role", "replica");
            assertThat(readers(40)).containsExactlyInAnyOrder(r1, r2);
        }
    }

    @Test
    void offlineSoftLetsAnOpenTransactionThereFinish() throws SQLException {
        try (Connection client = ReadWriteSplitTest.connect(sluice); Statement s = client.createStatement();
             Connection a = admin(); Statement admin = a.createStatement()) {
            s.execute("START TRANSACTION READ ONLY");
            String there = ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO);
            assertThat(there).startsWith("replica");
            admin.execute("SET BACKEND " + there + " OFFLINE SOFT");
            for (int i = 0; i < 5; i++) {
                assertThat(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO)).isEqualTo(there);
            }
            s.execute("COMMIT");
            // New statements, of this session too, go elsewhere.
            for (int i = 0; i < 10; i++) {
                assertThat(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO)).isNotEqualTo(there).startsWith("replica");
            }
        }
    }

    @Test
    void offlineHardClosesTheConnectionsToTheServer() throws SQLException {
        String r2 = cluster.replica(2).name();
        try (Connection client = ReadWriteSplitTest.connect(sluice); Statement s = client.createStatement();
             Connection a = admin(); Statement admin = a.createStatement()) {
            String there;
            s.execute("START TRANSACTION READ ONLY");
            do {
                s.execute("COMMIT");
                s.execute("START TRANSACTION READ ONLY");
                there = ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO);
            } while (!there.equals(r2));
            long errorsBefore = Long.parseLong(query(a, "SHOW BACKENDS").row(r2).get("errors"));
            admin.execute("SET BACKEND " + r2 + " OFFLINE HARD");
            // The transaction's server is gone: its next statement fails as on a lost server.
            SQLException e = catchThrowableOfType(SQLException.class,
                    () -> ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO));
            assertThat((Throwable) e).as("the statement after OFFLINE HARD").isNotNull();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, String> row = query(a, "SHOW BACKENDS").row(r2);
                assertThat(row).containsEntry("role", "offline").containsEntry("pool_in_use", "0")
                        .containsEntry("pool_idle", "0");
                assertThat(Long.parseLong(row.get("errors"))).as("the lost connection").isGreaterThan(errorsBefore);
            });
        }
        assertThat(readers(20)).containsExactly(cluster.replica(1).name());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void unknownCommandIsASyntaxErrorListingTheCommands() throws SQLException {
        try (Connection a = admin(); Statement s = a.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("SHOW TABLES"));
            assertThat(e.getErrorCode()).isEqualTo(1064);
            assertThat(e.getSQLState()).isEqualTo("42000");
            assertThat(e.getMessage()).startsWith("You have an error in your SQL syntax; unknown command.")
                    .contains("SHOW BACKENDS", "SHOW SESSIONS", "SHOW ROUTING STATS", "SHOW CONFIG", "SHOW VERSION",
                            "SET BACKEND <name> OFFLINE SOFT | OFFLINE HARD | ONLINE");
            // The session goes on.
            assertThat(query(a, "SHOW VERSION").rows().size()).isEqualTo(1);
        }
    }

    @Test
    void failoverWhileTheSourceAnswersIsRefusedAndSwitchoverNeedsModeAuto() throws SQLException {
        String source = cluster.source().name();
        try (Connection a = admin(); Statement s = a.createStatement()) {
            // The fixture runs failover.mode: off; FAILOVER works in every mode, but only on a dead source.
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER"));
            assertThat(e.getErrorCode()).isEqualTo(1221);
            assertThat(e.getSQLState()).isEqualTo("HY000");
            assertThat(e.getMessage()).isEqualTo("Incorrect usage of FAILOVER and a reachable source: the source "
                    + source + " answers Sluice; nothing was changed. SWITCHOVER TO <name> moves writes off a live"
                    + " source without losing any");
            SQLException to = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER TO nosuch"));
            assertThat(to.getErrorCode()).isEqualTo(1210);
            assertThat(to.getSQLState()).isEqualTo("HY000");
            assertThat(to.getMessage()).startsWith("Incorrect arguments to FAILOVER TO nosuch: no backend is named"
                    + " nosuch (the backends are " + source + ", ");
            SQLException bad = catchThrowableOfType(SQLException.class, () -> s.execute("FAILOVER NOW"));
            assertThat(bad.getErrorCode()).isEqualTo(1064);
            assertThat(bad.getMessage()).startsWith("You have an error in your SQL syntax; FAILOVER takes nothing, or"
                    + " TO and a backend name.");
            assertThat(sluice.sluice().failover().failovers()).isZero();
            assertThat(sluice.sluice().failover().fenced()).isEmpty();
            assertThat(sluice.sluice().topology().source().map(v -> v.name())).contains(source);
            SQLException sw = catchThrowableOfType(SQLException.class, () -> s.execute("SWITCHOVER TO r1"));
            assertThat(sw.getErrorCode()).isEqualTo(1210);
            assertThat(sw.getMessage()).isEqualTo("Incorrect arguments to SWITCHOVER TO r1: switchover needs"
                    + " failover.mode: auto");
        }
    }

    @Test
    void reloadWithoutAConfigurationFileIsRefused() throws SQLException {
        try (Connection a = admin(); Statement s = a.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> s.execute("RELOAD CONFIG"));
            assertThat(e.getErrorCode()).isEqualTo(1210);
            assertThat(e.getMessage()).contains("started without a configuration file")
                    .contains("the running configuration stays");
        }
    }

    @Test
    void setBackendOfAnUnknownServerOrWithoutAModeIsRefused() throws SQLException {
        try (Connection a = admin(); Statement s = a.createStatement()) {
            SQLException unknown = catchThrowableOfType(SQLException.class,
                    () -> s.execute("SET BACKEND nosuch OFFLINE SOFT"));
            assertThat(unknown.getErrorCode()).isEqualTo(1210);
            assertThat(unknown.getMessage()).contains("no backend named 'nosuch'", cluster.source().name());
            assertThatThrownBy(() -> s.execute("SET BACKEND " + cluster.replica(1).name() + " OFFLINE"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("OFFLINE SOFT, OFFLINE HARD or ONLINE");
        }
    }
}
