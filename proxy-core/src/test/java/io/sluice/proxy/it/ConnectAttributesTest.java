package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxOptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection attributes a client sends reach the server on the backend connections Sluice opens for it, with
 * {@code _sluice_client} naming the client, also when many connections share one set of attributes. Read from the
 * server's {@code performance_schema.session_connect_attrs}, on a source of its own started with the performance
 * schema on (the shared cluster runs without it).
 */
class ConnectAttributesTest {

    @Test
    void theClientsAttributesReachTheServerOnItsBackendConnection() throws Exception {
        try (SandboxCluster cluster = SandboxCluster.start(SandboxOptions.defaults().withReplicas(0)
                .withExtraServerArgs(List.of("--performance-schema=ON")));
             SluiceFixture sluice = SluiceFixture.start(cluster)) {
            String url = sluice.mariadbUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password())
                    + "&connectionAttributes=app:orders,team:payments";
            try (Connection first = DriverManager.getConnection(url);
                 Connection second = DriverManager.getConnection(url);
                 Statement s1 = first.createStatement();
                 Statement s2 = second.createStatement()) {
                // Both sessions run a statement at once, so each holds a backend connection of its own.
                first.setAutoCommit(false);
                second.setAutoCommit(false);
                s1.executeQuery("SELECT 1").close();
                s2.executeQuery("SELECT 1").close();

                List<Map<String, String>> rows = cluster.source().queryByName(
                        "SELECT PROCESSLIST_ID AS id, ATTR_NAME AS name, ATTR_VALUE AS value"
                                + " FROM performance_schema.session_connect_attrs WHERE PROCESSLIST_ID IN"
                                + " (SELECT PROCESSLIST_ID FROM performance_schema.session_connect_attrs"
                                + "  WHERE ATTR_NAME = 'app' AND ATTR_VALUE = 'orders')");
                Map<String, Map<String, String>> byConnection = new TreeMap<>();
                for (Map<String, String> r : rows) {
                    byConnection.computeIfAbsent(r.get("id"), k -> new TreeMap<>()).put(r.get("name"), r.get("value"));
                }
                assertThat(byConnection).hasSize(2);
                for (Map<String, String> attrs : byConnection.values()) {
                    assertThat(attrs).containsEntry("app", "orders").containsEntry("team", "payments")
                            .containsEntry("_sluice_client", "127.0.0.1")
                            .containsEntry("_client_name", "MariaDB Connector/J");
                }
                first.rollback();
                second.rollback();
            }
        }
    }
}
