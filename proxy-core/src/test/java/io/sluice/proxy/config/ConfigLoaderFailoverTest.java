package io.sluice.proxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code failover} section and the backends' {@code candidate} and {@code priority}. */
class ConfigLoaderFailoverTest {
    private static final String BASE = """
            users: [{name: app}]
            backends:
              - {name: a, address: 127.0.0.1:3306}
              - {name: b, address: 127.0.0.1:3307, candidate: false}
              - {name: c, address: 127.0.0.1:3308, priority: 5}
            """;

    @TempDir
    Path dir;

    @Test
    void absentSectionTakesTheDefaults() throws Exception {
        SluiceConfig c = ConfigLoader.load(write(BASE));
        assertThat(c.failover()).isEqualTo(FailoverConfig.defaults());
        assertThat(c.failover().mode()).isEqualTo(FailoverConfig.Mode.AUTO);
        assertThat(c.backends()).extracting(BackendConfig::candidate).containsExactly(true, false, true);
        assertThat(c.backends()).extracting(BackendConfig::priority).containsExactly(0, 0, 5);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        SluiceConfig c = ConfigLoader.load(write(BASE + """
                failover:
                  mode: follow
                  failcount: 5
                  min_interval: 2m
                  catchup_timeout: 3s
                  write_hold: 1s
                  rejoin: true
                  replication_user: repl
                  replication_password: "pw"
                """));
        assertThat(c.failover()).isEqualTo(new FailoverConfig(FailoverConfig.Mode.FOLLOW, 5, Duration.ofMinutes(2),
                Duration.ofSeconds(3), Duration.ofSeconds(1), true, "repl", "pw"));
        assertThat(c.failover().toString()).doesNotContain("pw]").contains("<hidden>");
    }

    @Test
    void badValuesAreReportedTogether() throws Exception {
        assertThat(errors(BASE + """
                failover:
                  mode: sometimes
                  failcount: 0
                """)).containsExactly(
                "failover.mode: must be auto, follow or off",
                "failover.failcount: must be from 1 to 2147483647, got 0");
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("sluice.yaml"), yaml);
    }

    private List<String> errors(String yaml) throws IOException {
        Path file = write(yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.errors().stream().map(err -> err.key() + ": " + err.problem()).toList();
    }
}
