package io.sluice.proxy.monitor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeartbeatHistoryTest {
    private static final long MS = 1_000_000;

    @Test
    void lagIsMeasuredFromWhenSluiceIssuedTheHeartbeatTheServerHolds() {
        HeartbeatHistory h = new HeartbeatHistory(8);
        assertThat(h.isEmpty()).isTrue();
        long one = h.issue(1_000 * MS);
        long two = h.issue(1_200 * MS);
        assertThat(one).isEqualTo(1);
        assertThat(two).isEqualTo(2);
        assertThat(h.latest()).isEqualTo(2);
        // A server holding #1 has everything committed before 1000 ms: at 1450 ms it is at most 450 ms behind.
        assertThat(h.lagMillis(1, 1_450 * MS)).isEqualTo(450);
        assertThat(h.lagMillis(2, 1_450 * MS)).isEqualTo(250);
    }

    @Test
    void aHeartbeatThisHistoryDidNotIssueIsUnknown() {
        HeartbeatHistory h = new HeartbeatHistory(8);
        assertThat(h.lagMillis(1, 0)).isEqualTo(-1);
        h.issue(0);
        assertThat(h.lagMillis(0, MS)).isEqualTo(-1);
        assertThat(h.lagMillis(2, MS)).isEqualTo(-1);
    }

    @Test
    void aHeartbeatOlderThanTheHistoryCountsFromTheOldestRemembered() {
        HeartbeatHistory h = new HeartbeatHistory(4);
        for (int i = 0; i < 10; i++) {
            h.issue(i * 100 * MS);
        }
        // #7..#10 are remembered (issued at 600..900 ms); #2 is older, and is reported from #7, the oldest remembered.
        assertThat(h.lagMillis(2, 1_000 * MS)).isEqualTo(400);
        assertThat(h.lagMillis(7, 1_000 * MS)).isEqualTo(400);
        assertThat(h.lagMillis(10, 1_000 * MS)).isEqualTo(100);
    }

    @Test
    void lagIsNeverNegative() {
        HeartbeatHistory h = new HeartbeatHistory(4);
        h.issue(500 * MS);
        assertThat(h.lagMillis(1, 400 * MS)).isZero();
    }
}
