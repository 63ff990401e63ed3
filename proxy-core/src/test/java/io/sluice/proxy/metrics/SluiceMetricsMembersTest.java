package io.sluice.proxy.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.routing.topology.TopologySnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A reload adds and removes backends: their per-server meters come and go with them. */
class SluiceMetricsMembersTest {

    private static List<String> serversOf(SimpleMeterRegistry registry, String meter) {
        return registry.find(meter).meters().stream().map(m -> m.getId().getTag("server")).distinct().sorted().toList();
    }

    @Test
    void anAddedBackendGetsEveryPerServerMeterAndARemovedOneLosesThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SluiceMetrics metrics = new SluiceMetrics(registry, List.of("db1", "db2"), TopologySnapshot::empty)) {
            metrics.bindGauges(new SluiceMetrics.Gauges(() -> 0, () -> 0, s -> 1, s -> 2, s -> 3, s -> 0));
            assertThat(serversOf(registry, "sluice.backend.in_flight")).containsExactly("db1", "db2");

            metrics.addServer("db3");
            assertThat(metrics.servers()).containsExactly("db1", "db2", "db3");
            for (String meter : List.of("sluice.backend.in_flight", "sluice.backend.connections", "sluice.backend.lag",
                    "sluice.backend.reachable", "sluice.backend.source", "sluice.backend.errors",
                    "sluice.backend.admin_offline")) {
                assertThat(serversOf(registry, meter)).as(meter).containsExactly("db1", "db2", "db3");
            }
            assertThat(registry.find("sluice.backend.in_flight").tag("server", "db3").gauge().value()).isEqualTo(3);
            metrics.backendError("db3");
            assertThat(metrics.backendErrors("db3")).isEqualTo(1);

            metrics.removeServer("db2");
            assertThat(metrics.servers()).containsExactly("db1", "db3");
            assertThat(registry.getMeters()).noneMatch(m -> "db2".equals(m.getId().getTag("server")));
            metrics.backendError("db2");   // a session that still reports on it counts nothing, and does not fail
            assertThat(metrics.backendErrors("db2")).isZero();
        }
    }
}
