package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.session.FrontendSession;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that asks for a large result and then reads nothing must not make Sluice hold that result: reading from
 * the backend pauses (autoRead off) while the client channel is not writable, so what Sluice keeps for the session
 * stays around the write-buffer high-water mark, far below the result's size. When the client reads again, every row
 * arrives.
 */
@ExtendWith(ClusterExtension.class)
class BackPressureTest {
    private static final int ROWS = 120_000;
    /** 120,000 rows of about 1 KiB: over 100 MiB, two orders of magnitude above the bound below. */
    private static final String QUERY = RawClient.rowsQuery(ROWS, 1000);
    private static final long BOUND = 4L << 20;

    @Test
    void slowClientDoesNotMakeSluiceBufferTheResult(SandboxCluster cluster) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(cluster);
             RawClient c = RawClient.login(sluice.port(), SandboxAccounts.APP.user(), SandboxAccounts.APP.password(),
                     Duration.ofSeconds(30))) {
            FrontendSession session = sluice.sluice().registry().get(c.greeting().connectionId());
            assertThat(session).isNotNull();

            c.query(QUERY);

            // The socket buffers fill, the client channel turns unwritable, and Sluice stops reading the backend.
            await().atMost(Duration.ofSeconds(30)).until(() -> !session.readingFromBackend());
            // ...and stays stopped, holding no more than about one high-water mark, for as long as the client waits.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(
                    () -> !session.readingFromBackend() && session.pendingClientBytes() < BOUND);

            assertThat(c.readResultSet()).isEqualTo(ROWS);
            assertThat(c.queryValue("SELECT 6 * 7")).isEqualTo("42");
            // The event loop updates its accounting after the bytes have left; the client may see them first.
            await().atMost(Duration.ofSeconds(5)).until(() -> session.pendingClientBytes() == 0);
        }
    }
}
