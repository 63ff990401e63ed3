package io.sluice.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code conf/sluice.yaml} must load, and must show every key the loader knows, so that it cannot fall behind the code. */
class SampleConfigTest {
    /** Surefire runs in the module directory; the sample lives at the repository root. */
    private static final Path SAMPLE = Path.of("..", "conf", "sluice.yaml");

    @Test
    void sampleLoadsAsShipped() throws Exception {
        SluiceConfig c = ConfigLoader.load(SAMPLE);

        assertThat(c.listen()).isEqualTo(SluiceConfig.DEFAULT_LISTEN);
        assertThat(c.maxConnections()).isEqualTo(SluiceConfig.DEFAULT_MAX_CONNECTIONS);
        assertThat(c.handshakeTimeout()).isEqualTo(SluiceConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        assertThat(c.maxAllowedPacket()).isEqualTo(SluiceConfig.DEFAULT_MAX_ALLOWED_PACKET);
        assertThat(c.usersRefreshInterval()).isEqualTo(SluiceConfig.DEFAULT_USERS_REFRESH_INTERVAL);
        assertThat(c.backends()).singleElement().extracting(BackendConfig::weight).isEqualTo(BackendConfig.DEFAULT_WEIGHT);
        assertThat(c.tls()).isEqualTo(TlsConfig.defaults());
        assertThat(c.admin()).as("the admin section is commented out").isEmpty();
        assertThat(c.metrics()).isEqualTo(MetricsConfig.defaults());
        assertThat(c.shutdown()).isEqualTo(ShutdownConfig.defaults());
        assertThat(c.proxyProtocolNetworks()).isEmpty();
        assertThat(c.failover()).isEqualTo(FailoverConfig.defaults());
        assertThat(c.backends()).singleElement().satisfies(b -> {
            assertThat(b.candidate()).isEqualTo(BackendConfig.DEFAULT_CANDIDATE);
            assertThat(b.priority()).isEqualTo(BackendConfig.DEFAULT_PRIORITY);
        });
    }

    @Test
    void sampleShowsEveryKnownKeyAndNoOther() throws Exception {
        // Optional settings are commented out as '#key: value'; prose comments never start with a lower-case word and a colon.
        String uncommented = Files.readString(SAMPLE).replaceAll("(?m)^(\\s*)#(?=\\s*[a-z_]+:(\\s|$))", "$1");
        JsonNode tree = new YAMLMapper().readTree(uncommented);

        Set<String> shown = new LinkedHashSet<>();
        collect(tree, "", shown);

        assertThat(shown).containsExactlyInAnyOrderElementsOf(ConfigLoader.knownKeys());
    }

    private static void collect(JsonNode node, String prefix, Set<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                into.add(prefix + e.getKey());
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    collect(v, prefix + e.getKey() + ".", into);
                } else if (v.isArray()) {
                    v.forEach(item -> collect(item, prefix + e.getKey() + "[].", into));
                }
            });
        }
    }
}
