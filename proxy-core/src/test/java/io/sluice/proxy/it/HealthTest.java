package io.sluice.proxy.it;

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
}
