package io.sluice.proxy.it;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code /metrics} scraped after statements run through Sluice (splitting over the shared 3-node cluster): each
 * counter moves by exactly the statements run, the per-backend series name every server, and the JVM's are there.
 */
@ExtendWith(ClusterExtension.class)
class MetricsTest {
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        ReadWriteSplitTest.labelServers(cluster);
        db = "metrics_" + Long.toHexString(System.nanoTime());
        cluster.source().execute("CREATE DATABASE " + db);
        cluster.source().execute("CREATE TABLE " + db + ".t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
        cluster.awaitReplicasCaughtUp();
        sluice = SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults())));
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        cluster.source().execute("DROP DATABASE IF EXISTS " + db);
    }

    private static Scrape scrape() throws Exception {
        return Scrape.of(sluice.metricsPort());
    }

    @Test
    void statementCountersMoveByExactlyTheStatementsRun() throws Exception {
        try (Connection c = ReadWriteSplitTest.connect(sluice); Statement s = c.createStatement()) {
            Scrape before = scrape();
            for (int i = 0; i < 20; i++) {
                assertThat(ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO)).startsWith("replica");
            }
            for (int i = 0; i < 5; i++) {
                s.executeUpdate("INSERT INTO " + db + ".t (v) VALUES (" + i + ")");
            }
            // A typo: the classifier cannot read it (unknown: the source), and the server answers ERR 1064.
            assertThatThrownBy(() -> s.execute("SELEC 1")).isInstanceOf(SQLException.class);
            Scrape after = scrape();

            assertThat(delta(before, after, "sluice_commands_total", "command", "query")).isEqualTo(26);
            assertThat(delta(before, after, "sluice_queries_total", "route", "replica", "reason", "read_replica"))
                    .isEqualTo(20);
            assertThat(delta(before, after, "sluice_queries_total", "route", "source", "reason", "write")).isEqualTo(5);
            assertThat(delta(before, after, "sluice_queries_total", "route", "source", "reason", "unknown_to_source"))
                    .isEqualTo(1);
            assertThat(delta(before, after, "sluice_queries_total", "route", "fallback")).isZero();
            assertThat(delta(before, after, "sluice_query_duration_seconds_count", "route", "replica")).isEqualTo(20);
            assertThat(delta(before, after, "sluice_query_duration_seconds_count", "route", "source")).isEqualTo(6);
            assertThat(delta(before, after, "sluice_query_duration_seconds_sum", "route", "replica")).isPositive();
            // The histogram's buckets count the same statements; the last one (+Inf) all of them.
            assertThat(delta(before, after, "sluice_query_duration_seconds_bucket", "route", "replica", "le", "+Inf"))
                    .isEqualTo(20);
            assertThat(delta(before, after, "sluice_errors_total", "code", "1064")).isEqualTo(1);
            assertThat(delta(before, after, "sluice_client_received_bytes_total")).isPositive();
            assertThat(delta(before, after, "sluice_client_sent_bytes_total"))
                    .isGreaterThan(delta(before, after, "sluice_client_received_bytes_total"));
        }
    }

    /**
     * Whatever follows an answer sees its command counted: the latency histogram and the backends' in-flight counts
     * move before the client can read the end of the answer, not just after (read in-process, straight after each
     * answer, where a scrape would leave the race a few microseconds to hide in).
     */
    @Test
    void aCommandIsCountedBeforeItsAnswerReachesTheClient() throws Exception {
        io.micrometer.core.instrument.Timer replicaLatency = sluice.sluice().metrics().registry()
                .get("sluice.query.duration").tag("route", "replica").timer();
        var routes = sluice.sluice().services().routes();
        try (Connection c = ReadWriteSplitTest.connect(sluice); Statement s = c.createStatement()) {
            for (int i = 0; i < 300; i++) {
                long before = replicaLatency.count();
                ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO);
                assertThat(replicaLatency.count()).as("statement %d", i).isEqualTo(before + 1);
                for (SandboxServer server : cluster.servers()) {
                    assertThat(routes.inFlight(server.name())).as("statement %d on %s", i, server.name()).isZero();
                }
            }
        }
    }

    @Test
    void clientConnectionsAreCountedOpenAndInTotal() throws Exception {
        Scrape before = scrape();
        List<Connection> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(ReadWriteSplitTest.connect(sluice));
            }
            Scrape during = scrape();
            assertThat(during.value("sluice_client_connections"))
                    .isEqualTo(before.value("sluice_client_connections") + 3);
            assertThat(delta(before, during, "sluice_client_connections_accepted_total")).isEqualTo(3);
            assertThat(delta(before, during, "sluice_client_connections_refused_total")).isZero();
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scrape().value("sluice_client_connections"))
                .isEqualTo(before.value("sluice_client_connections")));
    }

    @Test
    void everyBackendHasItsSeries() throws Exception {
        try (Connection c = ReadWriteSplitTest.connect(sluice); Statement s = c.createStatement()) {
            ReadWriteSplitTest.who(s, ReadWriteSplitTest.WHO);   // at least one backend connection in a pool
        }
        Scrape m = scrape();
        for (SandboxServer server : cluster.servers()) {
            String n = server.name();
            boolean source = server == cluster.source();
            assertThat(m.has("sluice_backend_connections", "server", n, "state", "in_use")).as(n).isTrue();
            assertThat(m.has("sluice_backend_connections", "server", n, "state", "idle")).as(n).isTrue();
            assertThat(m.value("sluice_backend_in_flight", "server", n)).as(n).isZero();
            assertThat(m.value("sluice_backend_errors_total", "server", n)).as(n).isZero();
            assertThat(m.value("sluice_backend_reachable", "server", n)).as(n).isEqualTo(1);
            assertThat(m.value("sluice_backend_source", "server", n)).as(n).isEqualTo(source ? 1 : 0);
            assertThat(m.value("sluice_backend_admin_offline", "server", n)).as(n).isZero();
            double lag = m.value("sluice_backend_lag_seconds", "server", n);
            assertThat(lag).as(n).isBetween(0.0, 5.0);
        }
        assertThat(m.value("sluice_backend_connections")).isPositive();
        assertThat(m.value("sluice_draining")).isZero();
    }

    @Test
    void jvmAndProcessMetricsArePresent() throws Exception {
        Scrape m = scrape();
        assertThat(m.value("jvm_memory_used_bytes", "area", "heap")).isPositive();
        assertThat(m.has("jvm_memory_max_bytes")).isTrue();
        assertThat(m.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
        assertThat(m.has("jvm_gc_live_data_size_bytes")).isTrue();
        assertThat(m.value("jvm_threads_live_threads")).isPositive();
        assertThat(m.value("system_cpu_count")).isPositive();
        assertThat(m.has("process_cpu_usage")).isTrue();
        assertThat(m.value("process_uptime_seconds")).isPositive();
    }

    @Test
    void theEndpointSpeaksPrometheusAndNothingElse() throws Exception {
        Scrape.Response metrics = Scrape.get(sluice.metricsPort(), "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.body()).contains("# TYPE sluice_commands_total counter",
                "# TYPE sluice_query_duration_seconds histogram");
        // Never the text of a statement: tags are low-cardinality names only.
        assertThat(metrics.body()).doesNotContain("whoami", "INSERT");

        assertThat(Scrape.get(sluice.metricsPort(), "/nope").status()).isEqualTo(404);
        assertThat(Scrape.get(sluice.metricsPort(), "/health").status()).isEqualTo(200);
    }

    @Test
    void theSampleGrafanaDashboardUsesOnlyMetricsSluiceServes() throws Exception {
        com.fasterxml.jackson.databind.JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(java.nio.file.Path.of("..", "conf", "grafana-sluice.json").toFile());
        java.util.Set<String> used = new java.util.TreeSet<>();
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b(sluice|jvm|process|system)_[a-z_]+");
        for (com.fasterxml.jackson.databind.JsonNode panel : dashboard.get("panels")) {
            for (com.fasterxml.jackson.databind.JsonNode target : panel.path("targets")) {
                java.util.regex.Matcher m = metric.matcher(target.get("expr").asText());
                while (m.find()) {
                    used.add(m.group());
                }
            }
        }
        assertThat(used).contains("sluice_queries_total", "sluice_query_duration_seconds_bucket",
                "sluice_backend_lag_seconds");
        Scrape m = scrape();
        for (String name : used) {
            if (name.startsWith("jvm_gc_pause")) {
                continue;   // a timer that appears with the JVM's first collection
            }
            assertThat(m.has(name)).as("%s, used by conf/grafana-sluice.json", name).isTrue();
        }
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.valueOrZero(name, labels) - before.valueOrZero(name, labels);
    }
}
