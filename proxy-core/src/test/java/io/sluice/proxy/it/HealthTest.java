package io.sluice.proxy.it;

import io.sluice.proxy.admin.BackendOverrides;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import io.sluice.proxy.testing.FreshCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /health}, as a load balancer reads it: 200 while Sluice can route writes and reads, 503 with a one-line
 * reason when it cannot (draining is covered by {@link ShutdownTest}).
 */
@ExtendWith(ClusterExtension.class)
class HealthTest {

    private static SluiceFixture start(SandboxCluster cluster, RoutingConfig routing) {
        return SluiceFixture.start(SluiceFixture.withOperatorPorts(
                SluiceFixture.splittingConfig(cluster, routing, PoolConfig.defaults())));
    }

    @Test
    void unhealthyOnceTheSourceIsUnreachable(@FreshCluster(replicas = 1) SandboxCluster cluster) throws Exception {
        try (SluiceFixture f = start(cluster, RoutingConfig.defaults())) {
            Scrape.Response ok = Scrape.get(f.metricsPort(), "/health");
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.contentType()).startsWith("text/plain");
            assertThat(ok.body()).isEqualTo("ok: source " + cluster.source().name() + ", 1 replica within 1000 ms\n");

            cluster.source().kill9();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Scrape.Response down = Scrape.get(f.metricsPort(), "/health");
                assertThat(down.status()).isEqualTo(503);
                assertThat(down.body()).startsWith("no writable source: ")
                        .contains(cluster.source().name() + " unreachable").endsWith("\n")
                        .hasLineCount(1);
            });
        }
    }

    @Test
    void withFallbackErrorReadsNeedAReplica(SandboxCluster cluster) throws Exception {
        RoutingConfig errorFallback = new RoutingConfig(RoutingConfig.DEFAULT_MAX_REPLICA_LAG, RoutingConfig.Fallback.ERROR);
        try (SluiceFixture f = start(cluster, errorFallback)) {
            assertThat(Scrape.get(f.metricsPort(), "/health").status()).isEqualTo(200);
            // Operator overrides count: with both replicas offline no read can be served.
            f.sluice().overrides().set(cluster.replica(1).name(), BackendOverrides.Mode.SOFT);
            f.sluice().overrides().set(cluster.replica(2).name(), BackendOverrides.Mode.SOFT);
            Scrape.Response r = Scrape.get(f.metricsPort(), "/health");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).isEqualTo("no replica within 1000 ms of lag, and routing.fallback is error\n");

            f.sluice().overrides().clear(cluster.replica(2).name());
            assertThat(Scrape.get(f.metricsPort(), "/health").status()).isEqualTo(200);

            // And with the source offline, no write can be.
            f.sluice().overrides().set(cluster.source().name(), BackendOverrides.Mode.HARD);
            Scrape.Response noSource = Scrape.get(f.metricsPort(), "/health");
            assertThat(noSource.status()).isEqualTo(503);
            assertThat(noSource.body()).startsWith("no writable source: ");
        }
    }
}
