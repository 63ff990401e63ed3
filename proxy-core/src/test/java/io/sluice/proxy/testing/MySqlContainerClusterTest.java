package io.sluice.proxy.testing;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.proxy.sandbox.SandboxAccounts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The MySQL flavour in Docker. Without a Docker engine the whole class is skipped (reported as such), never failed.
 */
@Testcontainers(disabledWithoutDocker = true)
class MySqlContainerClusterTest {
    private static MySqlContainerCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = MySqlContainerCluster.start(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void rowInsertedOnSourceAppearsOnEveryReplica() throws SQLException {
        try (Connection c = DriverManager.getConnection(MySqlContainerCluster.jdbcUrl(cluster.source(),
                SandboxAccounts.APP)); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE tc_repl");
            st.execute("CREATE TABLE tc_repl.t (id INT PRIMARY KEY, v VARCHAR(20))");
            st.execute("INSERT INTO tc_repl.t VALUES (1, 'hello')");
        }
        for (MySQLContainer<?> replica : cluster.replicas()) {
            try (Connection c = DriverManager.getConnection(MySqlContainerCluster.jdbcUrl(replica,
                    SandboxAccounts.APP)); Statement st = c.createStatement()) {
                await().atMost(30, SECONDS).untilAsserted(() -> {
                    try (ResultSet rs = st.executeQuery("SELECT v FROM tc_repl.t WHERE id = 1")) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).isEqualTo("hello");
                    }
                });
            }
        }
        cluster.awaitReplicasCaughtUp(Duration.ofSeconds(30));
    }

    @Test
    void replicasAreReadOnlyAndReplicating() throws SQLException {
        for (MySQLContainer<?> replica : cluster.replicas()) {
            assertThat(MySqlContainerCluster.isReplicating(replica)).isTrue();
            try (Connection c = DriverManager.getConnection(MySqlContainerCluster.jdbcUrl(replica,
                    SandboxAccounts.MONITOR)); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT @@read_only, @@gtid_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getString(2)).isEqualTo("ON");
            }
        }
    }
}
