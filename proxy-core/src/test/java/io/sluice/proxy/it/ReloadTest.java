package io.sluice.proxy.it;

import io.sluice.proxy.config.ConfigLoader;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code RELOAD CONFIG} re-reads the file Sluice started from: accounts and the routing policy change without
 * dropping a client connection; a file with an error, or one changing what needs a restart, is refused whole and
 * the running configuration stays. Backends join and leave by reload under load, without a failed statement.
 */
@ExtendWith(ClusterExtension.class)
class ReloadTest {

    private static String yaml(SandboxCluster cluster, int port, int adminPort, String extraUser, String consistency,
                               int replicaWeight) {
        return yaml(cluster, cluster.servers(), port, adminPort, extraUser, consistency, replicaWeight);
    }

    /** The file for Sluice in front of {@code backends} only, in this order. */
    private static String yaml(SandboxCluster cluster, List<SandboxServer> backends, int port, int adminPort,
                               String extraUser, String consistency, int replicaWeight) {
        StringBuilder b = new StringBuilder()
                .append("listen: 127.0.0.1:").append(port).append('\n')
                .append("users_from_backend: false\n")
                .append("users:\n  - name: ").append(SandboxAccounts.APP.user()).append("\n    password: \"")
                .append(SandboxAccounts.APP.password()).append("\"\n");
        if (extraUser != null) {
            b.append("  - name: ").append(extraUser).append("\n    password: \"pw-").append(extraUser).append("\"\n");
        }
        b.append("backends:\n");
        for (SandboxServer s : backends) {
            b.append("  - name: ").append(s.name()).append("\n    address: ").append(s.address())
                    .append("\n    weight: ").append(s == cluster.source() ? 1 : replicaWeight).append('\n');
        }
        b.append("monitor:\n  user: ").append(SandboxAccounts.MONITOR.user()).append("\n  password: \"")
                .append(SandboxAccounts.MONITOR.password()).append("\"\n  interval: 200ms\n");
        b.append("routing:\n  consistency: ").append(consistency).append('\n');
        b.append("admin:\n  listen: 127.0.0.1:").append(adminPort).append("\n  user: ")
                .append(SluiceFixture.ADMIN_USER).append("\n  password: \"").append(SluiceFixture.ADMIN_PASSWORD)
                .append("\"\n");
        b.append("metrics:\n  enabled: false\n");
        return b.toString();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Connection client(SluiceFixture sluice, String user, String password) throws SQLException {
        return DriverManager.getConnection(sluice.mariadbUrl(user, password));
    }

    private static String reload(SluiceFixture sluice) throws SQLException {
        try (Connection a = DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD, "sslMode=DISABLED"));
             Statement s = a.createStatement()) {
            assertThat(s.execute("RELOAD CONFIG")).as("a result set").isTrue();
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String consistencyOfNewSession(SluiceFixture sluice) throws SQLException {
        try (Connection c = client(sluice, SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
             Statement s = c.createStatement();
             Connection a = DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                     SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD, "sslMode=DISABLED"))) {
            long id = c.unwrap(org.mariadb.jdbc.Connection.class).getThreadId();
            return AdminTest.query(a, "SHOW SESSIONS").row(Long.toString(id)).get("consistency");
        }
    }

    @Test
    void accountsAndRoutingChangeLiveAndBadFilesAreRefusedWhole(SandboxCluster cluster, @TempDir Path dir)
            throws Exception {
        // The account exists on the servers from the start; Sluice accepts it only once its file names it.
        cluster.source().execute("CREATE USER IF NOT EXISTS 'newcomer'@'127.0.0.1' IDENTIFIED BY 'pw-newcomer';"
                + " GRANT SELECT ON *.* TO 'newcomer'@'127.0.0.1'");
        cluster.awaitReplicasCaughtUp();
        int port = freePort();
        int adminPort = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml(cluster, port, adminPort, null, "session", 1));
        SluiceConfig config = ConfigLoader.load(file);
        try (SluiceFixture sluice = SluiceFixture.start(config);
             Connection kept = client(sluice, SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
             Statement keptStatement = kept.createStatement()) {
            sluice.sluice().configFile(file);
            assertThat(consistencyOfNewSession(sluice)).isEqualTo("session");
            SQLException unknown = catchThrowableOfType(SQLException.class,
                    () -> client(sluice, "newcomer", "pw-newcomer").close());
            assertThat(unknown.getErrorCode()).isEqualTo(1045);

            // A new account, another default consistency, another weight: applied live.
            Files.writeString(file, yaml(cluster, port, adminPort, "newcomer", "eventual", 3));
            assertThat(reload(sluice)).isEqualTo("applied: users (2), routing, weights");
            client(sluice, "newcomer", "pw-newcomer").close();
            assertThat(consistencyOfNewSession(sluice)).isEqualTo("eventual");
            assertThat(sluice.sluice().monitor().current().replicas()).isNotEmpty();

            // A syntax error: refused whole, the running configuration stays.
            Files.writeString(file, yaml(cluster, port, adminPort, null, "session", 1) + "routing: [oops\n");
            SQLException bad = catchThrowableOfType(SQLException.class, () -> reload(sluice));
            assertThat(bad.getErrorCode()).isEqualTo(1210);
            assertThat(bad.getMessage()).contains("the running configuration stays");
            client(sluice, "newcomer", "pw-newcomer").close();
            assertThat(consistencyOfNewSession(sluice)).isEqualTo("eventual");

            // What needs a restart: refused, naming the key.
            Files.writeString(file, yaml(cluster, port, adminPort + 1, null, "session", 1));
            SQLException restart = catchThrowableOfType(SQLException.class, () -> reload(sluice));
            assertThat(restart.getMessage()).contains("need a restart: admin");
            client(sluice, "newcomer", "pw-newcomer").close();

            // Back to the first file: the account is gone again.
            Files.writeString(file, yaml(cluster, port, adminPort, null, "session", 1));
            assertThat(reload(sluice)).isEqualTo("applied: users (1), routing, weights");
            assertThat(catchThrowableOfType(SQLException.class,
                    () -> client(sluice, "newcomer", "pw-newcomer").close()).getErrorCode()).isEqualTo(1045);

            // The connection opened before any reload was never dropped.
            try (ResultSet rs = keptStatement.executeQuery("SELECT 42")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    /**
     * Fifty sessions write and read in a loop, at {@code session} consistency (each checks it reads its own writes),
     * while a reload adds a replica that was provisioned but not in Sluice's file, then another removes the replica
     * Sluice started with. No statement may fail; the new replica takes reads; the removed one stops taking any and
     * its pooled connections close on the server.
     */
    @Test
    void backendsJoinAndLeaveWhileFiftySessionsRun(SandboxCluster cluster, @TempDir Path dir) throws Exception {
        ReadWriteSplitTest.labelServers(cluster);
        String db = "reload_" + Long.toHexString(System.nanoTime());
        cluster.source().execute("CREATE DATABASE " + db + "; CREATE TABLE " + db
                + ".t (id INT AUTO_INCREMENT PRIMARY KEY, session INT NOT NULL, KEY (session))");
        cluster.awaitReplicasCaughtUp();
        SandboxServer source = cluster.source();
        SandboxServer first = cluster.replica(1);
        SandboxServer joining = cluster.replica(2);
        int port = freePort();
        int adminPort = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml(cluster, List.of(source, first), port, adminPort, null, "session", 1));
        Map<String, LongAdder> readsBy = new ConcurrentHashMap<>();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        Queue<String> stale = new ConcurrentLinkedQueue<>();
        AtomicLong statements = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try (SluiceFixture sluice = SluiceFixture.start(ConfigLoader.load(file))) {
            sluice.sluice().configFile(file);
            assertThat(sluice.sluice().tracker().servers()).doesNotContain(joining.name());
            List<Future<?>> sessions = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int id = i;
                sessions.add(pool.submit(() -> runSession(sluice, db, id, stop, readsBy, failures, stale, statements)));
            }
            whileNoneFails(failures).until(() -> statements.get() > 50 * 20);
            assertThat(readsBy).containsKey(first.name()).doesNotContainKey(joining.name());

            // 1. Add the replica that was left out.
            Files.writeString(file, yaml(cluster, List.of(source, first, joining), port, adminPort, null, "session", 1));
            assertThat(reload(sluice)).isEqualTo("applied: added " + joining.name());
            try (Connection a = admin(sluice)) {
                assertThat(AdminTest.query(a, "SHOW BACKENDS").row(joining.name()))
                        .containsEntry("address", joining.address());
            }
            whileNoneFails(failures).untilAsserted(() -> {
                assertThat(readsBy.getOrDefault(joining.name(), new LongAdder()).sum()).isPositive();
                assertThat(sluice.sluice().tracker().known(joining.name())).isTrue();
            });
            try (Connection a = admin(sluice)) {
                Map<String, String> row = AdminTest.query(a, "SHOW BACKENDS").row(joining.name());
                assertThat(row).containsEntry("role", "replica").containsEntry("state", "up");
                assertThat(row.get("gtid_executed")).isNotNull();
            }

            // 2. Remove the replica Sluice started with.
            Files.writeString(file, yaml(cluster, List.of(source, joining), port, adminPort, null, "session", 1));
            assertThat(reload(sluice)).startsWith("applied: removing " + first.name());
            whileNoneFails(failures).until(() -> sluice.sluice().leaving().isEmpty());
            assertThat(sluice.sluice().tracker().servers()).doesNotContain(first.name());
            assertThat(sluice.sluice().monitor().current().server(first.name())).isEmpty();
            long servedByRemoved = readsBy.get(first.name()).sum();
            long servedByJoined = readsBy.get(joining.name()).sum();
            long now = statements.get();
            whileNoneFails(failures).until(() -> statements.get() > now + 50 * 20);
            assertThat(readsBy.get(first.name()).sum()).as("reads on the removed replica").isEqualTo(servedByRemoved);
            assertThat(readsBy.get(joining.name()).sum()).isGreaterThan(servedByJoined);
            whileNoneFails(failures).until(() -> first.queryValue(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + SandboxAccounts.APP.user()
                            + "'").equals("0"));
            try (Connection a = admin(sluice)) {
                AdminTest.Result backends = AdminTest.query(a, "SHOW BACKENDS");
                assertThat(backends.rows()).extracting(r -> r.get(0)).containsExactly(source.name(), joining.name());
            }

            // 3. The source cannot be removed: refused whole, naming it, and nothing changes.
            Files.writeString(file, yaml(cluster, List.of(joining), port, adminPort, "newcomer", "session", 1));
            SQLException refused = catchThrowableOfType(SQLException.class, () -> reload(sluice));
            assertThat(refused.getErrorCode()).isEqualTo(1210);
            assertThat(refused.getMessage()).contains(source.name() + " is the source and cannot be removed",
                    "switch over first", "the running configuration stays");
            // Nor can a backend move under the same name; every reason is given at once.
            String moved = "127.0.0.1:" + freePort();
            Files.writeString(file, yaml(cluster, List.of(joining), port, adminPort, "newcomer", "session", 1)
                    .replace(joining.address(), moved));
            refused = catchThrowableOfType(SQLException.class, () -> reload(sluice));
            assertThat(refused.getMessage()).contains(joining.name() + " moves from " + joining.address() + " to "
                    + moved, source.name() + " is the source and cannot be removed");
            assertThat(sluice.sluice().liveConfig().backends()).extracting(b -> b.name())
                    .containsExactly(source.name(), joining.name());
            assertThat(sluice.sluice().liveConfig().users()).hasSize(1);
            assertThat(sluice.sluice().monitor().current().source()).map(v -> v.name()).contains(source.name());

            long last = statements.get();
            whileNoneFails(failures).until(() -> statements.get() > last + 50 * 5);
            stop.set(true);
            for (Future<?> f : sessions) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(failures).as("failed statements").isEmpty();
            // Read-your-writes holds through the reload: the session's own rows are always there, wherever it reads.
            assertThat(stale).as("reads that missed the session's own write").isEmpty();
        } finally {
            stop.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            source.execute("DROP DATABASE IF EXISTS " + db);
        }
    }

    /**
     * One client: insert, read which server answered, read its own rows back; every failed statement is recorded, and
     * every read that missed the session's own rows.
     */
    /**
     * A removed replica on which a read-only transaction is still open cannot leave yet: SHOW BACKENDS lists it as
     * removed and draining, with the connection in use, until the transaction ends and it is gone.
     */
    @Test
    void aRemovedBackendIsListedWhileItDrains(SandboxCluster cluster, @TempDir Path dir) throws Exception {
        ReadWriteSplitTest.labelServers(cluster);
        SandboxServer source = cluster.source();
        SandboxServer leaving = cluster.replica(1);
        int port = freePort();
        int adminPort = freePort();
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, yaml(cluster, List.of(source, leaving), port, adminPort, null, "eventual", 1));
        try (SluiceFixture sluice = SluiceFixture.start(ConfigLoader.load(file));
             Connection c = client(sluice, SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
             Statement s = c.createStatement()) {
            sluice.sluice().configFile(file);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !sluice.sluice().monitor().current().replicas().isEmpty());
            s.execute("START TRANSACTION READ ONLY");
            assertThat(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO)).isEqualTo(leaving.name());

            Files.writeString(file, yaml(cluster, List.of(source), port, adminPort, null, "eventual", 1));
            assertThat(reload(sluice)).startsWith("applied: removing " + leaving.name());
            try (Connection a = admin(sluice)) {
                Map<String, String> row = AdminTest.query(a, "SHOW BACKENDS").row(leaving.name());
                assertThat(row).as("the removed backend, while a transaction holds it")
                        .containsEntry("address", leaving.address())
                        .containsEntry("role", "removed")
                        .containsEntry("pool_in_use", "1");
                assertThat(row.get("state")).startsWith("draining (").contains("1 connection(s) in use");
            }

            s.execute("COMMIT");
            await().atMost(Duration.ofSeconds(10)).until(() -> sluice.sluice().leaving().isEmpty());
            try (Connection a = admin(sluice)) {
                assertThat(AdminTest.query(a, "SHOW BACKENDS").rows()).extracting(r -> r.get(0))
                        .containsExactly(source.name());
            }
        }
    }

    private static void runSession(SluiceFixture sluice, String db, int id, AtomicBoolean stop,
                                   Map<String, LongAdder> readsBy, Queue<String> failures, Queue<String> stale,
                                   AtomicLong statements) {
        try (Connection c = client(sluice, SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
             Statement s = c.createStatement()) {
            int written = 0;
            while (!stop.get()) {
                try {
                    s.executeUpdate("INSERT INTO " + db + ".t (session) VALUES (" + id + ")");
                    written++;
                    try (ResultSet rs = s.executeQuery("SELECT name FROM sluice_it_id.whoami")) {
                        rs.next();
                        readsBy.computeIfAbsent(rs.getString(1), k -> new LongAdder()).increment();
                    }
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + db + ".t WHERE session = " + id)) {
                        rs.next();
                        if (rs.getInt(1) != written) {
                            stale.add("session " + id + " read " + rs.getInt(1) + " of its " + written + " rows");
                        }
                    }
                    statements.addAndGet(3);
                } catch (SQLException e) {
                    failures.add("session " + id + ": " + e.getErrorCode() + " " + e.getMessage());
                }
            }
        } catch (SQLException e) {
            failures.add("session " + id + " could not connect: " + e.getMessage());
        }
    }

    /** Waits up to 30 s, but stops at the first failed statement and shows it rather than a timeout. */
    private static org.awaitility.core.ConditionFactory whileNoneFails(Queue<String> failures) {
        return await().atMost(Duration.ofSeconds(30))
                .failFast("a statement failed", () -> assertThat(failures).as("failed statements").isEmpty());
    }

    private static Connection admin(SluiceFixture sluice) throws SQLException {
        return DriverManager.getConnection(ConnectorJ.url("127.0.0.1", sluice.adminPort(), "",
                SluiceFixture.ADMIN_USER, SluiceFixture.ADMIN_PASSWORD, "sslMode=DISABLED"));
    }
}
