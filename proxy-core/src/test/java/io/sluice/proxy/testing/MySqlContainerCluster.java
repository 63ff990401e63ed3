package io.sluice.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.sluice.proxy.sandbox.Account;
import io.sluice.proxy.sandbox.SandboxAccounts;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The MySQL flavour of {@link io.sluice.proxy.sandbox.SandboxCluster}, in Docker: one source and N replicas of a MySQL 8
 * image on a private network, joined by GTID auto-positioning ({@code gtid_mode=ON}, {@code SOURCE_AUTO_POSITION=1}).
 * Replicas run {@code read_only}. The accounts of {@link SandboxAccounts} exist on every node (created on the source, at
 * host {@code '%'} since clients come through Docker's NAT, and replicated).
 *
 * <p>Needs a Docker engine; tests using it should be annotated
 * {@code @Testcontainers(disabledWithoutDocker = true)} so that they are skipped, not failed, without one.
 *
 * @see <a href="https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-howto.html">Setting up GTID replication</a>
 */
public final class MySqlContainerCluster implements AutoCloseable {
    /** An 8.0 line release: {@code mysql_native_password} is still on by default there. */
    public static final String DEFAULT_IMAGE = "mysql:8.0.40";

    private static final Logger log = LoggerFactory.getLogger(MySqlContainerCluster.class);
    private static final String SOURCE_ALIAS = "source";

    private final Network network;
    private final MySQLContainer<?> source;
    private final List<MySQLContainer<?>> replicas;

    private MySqlContainerCluster(Network network, MySQLContainer<?> source, List<MySQLContainer<?>> replicas) {
        this.network = network;
        this.source = source;
        this.replicas = List.copyOf(replicas);
    }

    public static MySqlContainerCluster start(int replicas) {
        return start(DEFAULT_IMAGE, replicas);
    }

    /** Starts every container at once, then wires replication; returns once every replica replicates. */
    public static MySqlContainerCluster start(String image, int replicaCount) {
        long started = System.nanoTime();
        Network network = Network.newNetwork();
        MySQLContainer<?> source = node(image, network, SOURCE_ALIAS, 1, false);
        List<MySQLContainer<?>> replicas = new ArrayList<>();
        for (int i = 1; i <= replicaCount; i++) {
            replicas.add(node(image, network, "replica" + i, 1 + i, true));
        }
        MySqlContainerCluster cluster = new MySqlContainerCluster(network, source, replicas);
        try {
            Startables.deepStart(Stream.concat(Stream.of(source), replicas.stream())).join();
            cluster.wire();
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        log.info("MySQL container cluster up in {} ms: {} with {} replicas", TimeUnit.NANOSECONDS.toMillis(
                System.nanoTime() - started), image, replicaCount);
        return cluster;
    }

    private static MySQLContainer<?> node(String image, Network network, String alias, int serverId, boolean replica) {
        List<String> args = new ArrayList<>(List.of(
                "--server-id=" + serverId,
                "--gtid-mode=ON",
                "--enforce-gtid-consistency=ON",
                "--log-bin=binlog",
                "--binlog-format=ROW",
                "--log-replica-updates=ON",
                "--skip-name-resolve",
                "--report-host=" + alias,
                // 8.4 ships mysql_native_password disabled; loose: 8.0 has no such option.
                "--loose-mysql-native-password=ON"));
        if (replica) {
            args.add("--read-only=ON");
        }
        MySQLContainer<?> container = new MySQLContainer<>(DockerImageName.parse(image).asCompatibleSubstituteFor("mysql"));
        container.withUsername("root")
                .withPassword(SandboxAccounts.ROOT.password())
                .withNetwork(network)
                .withNetworkAliases(alias)
                .withCommand(args.toArray(String[]::new));
        return container;
    }

    private void wire() {
        // The image's entrypoint creates the root account and the 'test' database with the binlog on, on every node
        // separately; forget those GTIDs so the replicas do not try to replay them from the source.
        for (MySQLContainer<?> node : nodes()) {
            run(node, isAtLeast84(node) ? "RESET BINARY LOGS AND GTIDS" : "RESET MASTER");
        }
        String identified = isAtLeast9(source) ? " IDENTIFIED BY '" : " IDENTIFIED WITH mysql_native_password BY '";
        Account repl = SandboxAccounts.REPLICATION;
        Account monitor = SandboxAccounts.MONITOR;
        Account app = SandboxAccounts.APP;
        run(source,
                "CREATE USER '" + repl.user() + "'@'%'" + identified + repl.password() + "'",
                "GRANT REPLICATION SLAVE ON *.* TO '" + repl.user() + "'@'%'",
                "CREATE USER '" + monitor.user() + "'@'%'" + identified + monitor.password() + "'",
                "GRANT REPLICATION CLIENT, REPLICATION SLAVE, SUPER, PROCESS, RELOAD ON *.* TO '" + monitor.user()
                        + "'@'%'",
                "GRANT REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN ON *.* TO '"
                        + monitor.user() + "'@'%'",
                "GRANT SELECT ON mysql.* TO '" + monitor.user() + "'@'%'",
                "CREATE USER '" + app.user() + "'@'%'" + identified + app.password() + "'",
                "GRANT ALL PRIVILEGES ON *.* TO '" + app.user() + "'@'%'",
                "REVOKE SUPER, CONNECTION_ADMIN ON *.* FROM '" + app.user() + "'@'%'");
        for (MySQLContainer<?> replica : replicas) {
            run(replica,
                    "CHANGE REPLICATION SOURCE TO SOURCE_HOST='" + SOURCE_ALIAS + "', SOURCE_PORT=3306, SOURCE_USER='"
                            + repl.user() + "', SOURCE_PASSWORD='" + repl.password()
                            + "', SOURCE_CONNECT_RETRY=1, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1",
                    "START REPLICA");
        }
        for (MySQLContainer<?> replica : replicas) {
            await("replication threads of " + replica.getNetworkAliases())
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> isReplicating(replica));
        }
        awaitReplicasCaughtUp(Duration.ofSeconds(60));
    }

    public MySQLContainer<?> source() {
        return source;
    }

    public List<MySQLContainer<?>> replicas() {
        return replicas;
    }

    /** Source first, then the replicas. */
    public List<MySQLContainer<?>> nodes() {
        List<MySQLContainer<?>> all = new ArrayList<>();
        all.add(source);
        all.addAll(replicas);
        return all;
    }

    /** A Connector/J URL for {@code node} as seen from the test JVM (mapped port), carrying {@code account}. */
    public static String jdbcUrl(MySQLContainer<?> node, Account account) {
        return "jdbc:mysql://" + node.getHost() + ":" + node.getMappedPort(3306) + "/?user="
                + URLEncoder.encode(account.user(), StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(account.password(), StandardCharsets.UTF_8)
                + "&useSSL=false&allowPublicKeyRetrieval=true";
    }

    /** Waits (in the server, {@code WAIT_FOR_EXECUTED_GTID_SET}) until every replica has the source's GTID set. */
    public void awaitReplicasCaughtUp(Duration timeout) {
        String executed = queryValue(source, "SELECT @@GLOBAL.gtid_executed").replaceAll("\\s+", "");
        for (MySQLContainer<?> replica : replicas) {
            try (Connection c = connect(replica);
                    PreparedStatement st = c.prepareStatement("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)")) {
                st.setString(1, executed);
                st.setLong(2, Math.max(1, timeout.toSeconds()));
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) != 0) {
                        throw new IllegalStateException(replica.getNetworkAliases() + " did not reach " + executed
                                + " within " + timeout);
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("Waiting for " + replica.getNetworkAliases() + " failed", e);
            }
        }
    }

    /** Whether both replication threads run ({@code SHOW REPLICA STATUS}, MySQL 8.0.22+). */
    public static boolean isReplicating(MySQLContainer<?> replica) throws SQLException {
        try (Connection c = connect(replica); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW REPLICA STATUS")) {
            return rs.next() && "Yes".equals(rs.getString("Replica_IO_Running"))
                    && "Yes".equals(rs.getString("Replica_SQL_Running"));
        }
    }

    @Override
    public void close() {
        for (MySQLContainer<?> node : nodes()) {
            node.stop();
        }
        network.close();
    }

    private static Connection connect(MySQLContainer<?> node) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(node, SandboxAccounts.ROOT));
    }

    private static void run(MySQLContainer<?> node, String... statements) {
        try (Connection c = connect(node); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + node.getNetworkAliases() + ": " + e.getMessage(), e);
        }
    }

    private static String queryValue(MySQLContainer<?> node, String sql) {
        try (Connection c = connect(node); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            String value = rs.getString(1);
            return value == null ? "" : value;
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + node.getNetworkAliases() + ": " + e.getMessage(), e);
        }
    }

    private static boolean isAtLeast84(MySQLContainer<?> node) {
        return majorMinor(queryValue(node, "SELECT VERSION()")) >= 804;
    }

    private static boolean isAtLeast9(MySQLContainer<?> node) {
        return majorMinor(queryValue(node, "SELECT VERSION()")) >= 900;
    }

    private static int majorMinor(String version) {
        String[] parts = version.split("[.-]");
        return Integer.parseInt(parts[0]) * 100 + Integer.parseInt(parts[1]);
    }
}
