package io.sluice.proxy.monitor;

import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.config.BackendConfig;

import java.util.Objects;

/**
 * One backend the monitor watches: where it is and its share of reads.
 *
 * @param endpoint its name and address; the name is the one the published {@code ServerView} carries
 * @param weight   relative share of reads among equally eligible replicas (> 0)
 */
public record MonitoredBackend(BackendEndpoint endpoint, int weight) {
    public MonitoredBackend {
        Objects.requireNonNull(endpoint, "endpoint");
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be > 0: " + weight);
        }
    }

    public static MonitoredBackend from(BackendConfig config) {
        return new MonitoredBackend(new BackendEndpoint(config.name(), config.address().host(), config.address().port()),
                config.weight());
    }

    public String name() {
        return endpoint.name();
    }
}
