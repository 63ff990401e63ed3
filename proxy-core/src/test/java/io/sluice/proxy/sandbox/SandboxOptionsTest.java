package io.sluice.proxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxOptionsTest {
    @Test
    void defaultsAreOneSourceTwoAsyncReplicas() {
        SandboxOptions defaults = SandboxOptions.defaults();
        assertThat(defaults.replicas()).isEqualTo(2);
        assertThat(defaults.semiSync()).isFalse();
        assertThat(defaults.durable()).isFalse();
        assertThat(defaults.baseDir()).isNull();
    }

    @Test
    void reportsEveryInvalidOptionAtOnce() {
        assertThatThrownBy(() -> new SandboxOptions(-1, false, false, "lots", "16M", Duration.ZERO, null,
                List.of("max-connections=5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replicas must be >= 0")
                .hasMessageContaining("innodbBufferPoolSize")
                .hasMessageContaining("startTimeout")
                .hasMessageContaining("extraServerArgs");
    }

    @Test
    void withersChangeOnlyTheirField() {
        SandboxOptions options = SandboxOptions.defaults().withReplicas(1).withSemiSync(true).withDurable(true);
        assertThat(options.replicas()).isEqualTo(1);
        assertThat(options.semiSync()).isTrue();
        assertThat(options.durable()).isTrue();
        assertThat(options.innodbBufferPoolSize()).isEqualTo(SandboxOptions.defaults().innodbBufferPoolSize());
    }
}
