package io.sluice.proxy.gtid;

import io.sluice.protocol.gtid.GtidSet;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Lag in time from GTID sets alone: the windows, the search, and the answers it refuses to give. */
class PublicationHistoryTest {
    private static final long MS = 1_000_000;
    private final PublicationHistory h = new PublicationHistory();

    private static GtidSet seq(long n) {
        return GtidSet.parse("0-1-" + n);
    }

    @Test
    void nothingPublishedYetCannotBeTold() {
        assertThat(h.lagMillis(seq(5), 100 * MS)).isEqualTo(-1);
    }

    @Test
    void aServerWithEverythingIsNotBehind() {
        h.published(seq(1), 0);
        h.published(seq(2), 10 * MS);
        assertThat(h.lagMillis(seq(2), 500 * MS)).isZero();
        assertThat(h.lagMillis(seq(9), 500 * MS)).as("ahead of what was streamed").isZero();
    }

    @Test
    void lagIsTheTimeSinceTheFirstWindowItLacksBegan() {
        h.published(seq(1), 0);
        h.published(seq(2), 10 * MS);
        h.published(seq(3), 20 * MS);
        h.published(seq(4), 30 * MS);
        assertThat(h.lagMillis(seq(2), 100 * MS)).as("lacks 3, published at 20 ms").isEqualTo(80);
        assertThat(h.lagMillis(seq(3), 100 * MS)).as("lacks 4, published at 30 ms").isEqualTo(70);
        assertThat(h.lagMillis(seq(1), 100 * MS)).isEqualTo(90);
    }

    @Test
    void publicationsWithinAMillisecondShareAWindowThatStartsAtTheFirst() {
        h.published(seq(1), 0);
        h.published(seq(2), 10 * MS);
        h.published(seq(3), 10 * MS + 300_000);
        h.published(seq(4), 10 * MS + 900_000);
        // Lacking 3 or 4 means lacking something published from 10 ms on: the bound is taken from the window start.
        assertThat(h.lagMillis(seq(3), 50 * MS)).isEqualTo(40);
        assertThat(h.lagMillis(seq(1), 50 * MS)).isEqualTo(40);
        assertThat(h.lagMillis(seq(4), 50 * MS)).isZero();
    }

    @Test
    void furtherBehindThanTheHistoryCannotBeToldRatherThanUnderstated() {
        for (int i = 1; i <= PublicationHistory.WINDOWS + 10; i++) {
            h.published(seq(i), i * 2 * MS);
        }
        assertThat(h.lagMillis(seq(1), 10_000 * MS)).isEqualTo(-1);
        long newest = PublicationHistory.WINDOWS + 10;
        assertThat(h.lagMillis(seq(newest - 1), newest * 2 * MS + 5 * MS)).isEqualTo(5);
    }
}
