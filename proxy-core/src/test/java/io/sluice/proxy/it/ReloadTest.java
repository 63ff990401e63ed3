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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@code RELOAD CONFIG} re-reads the file Sluice started from: accounts and the routing policy change without
 * dropping a client connection; a file with an error, or one changing what needs a restart, is refused whole and
 * the running configuration stays.
 */
@ExtendWith(ClusterExtension.class)
class ReloadTest {

    private static String yaml(SandboxCluster cluster, int port, int adminPort, String extraUser, String consistency,
                               int replicaWeight) {
        StringBuilder b = new StringBuilder()
                .append("listen: 127.0.0.1:").append(port).append('\n')
                .append("users_from_backend: false\n")
                .append("users:\n  - name: ").append(SandboxAccounts.APP.user()).append("\n    password: \"")
                .append(SandboxAccounts.APP.password()).append("\"\n");
        if (extraUser != null) {
            b.append("  - name: ").append(extraUser).append("\n    password: \"pw-").append(extraUser).append("\"\n");
        }
        b.append("backends:\n");
        for (SandboxServer s : cluster.servers()) {
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
}
