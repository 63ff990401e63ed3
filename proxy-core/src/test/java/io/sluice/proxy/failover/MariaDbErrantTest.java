package io.sluice.proxy.failover;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Errant transactions of an old MariaDB source, from its gtid_binlog_pos and the new source's gtid_binlog_state. */
class MariaDbErrantTest {
    @Test
    void aTransactionReplicatedBeforeTheCrashIsNotErrant() {
        assertThat(Failover.mariaDbErrant("0-1-12", "0-1-12,0-2-20")).isEmpty();
        assertThat(Failover.mariaDbErrant("0-1-10", "0-1-12")).isEmpty();
    }

    @Test
    void theSameSequenceNumberThroughAnotherServerIsErrant() {
        // The old source's last commit never left it; the new source numbered its first write 13 as well.
        assertThat(Failover.mariaDbErrant("0-1-13", "0-1-12,0-2-13")).isEqualTo("0-1-13");
    }

    @Test
    void eachDomainIsJudgedOnItsOwn() {
        assertThat(Failover.mariaDbErrant("0-1-12,1-1-5", "0-1-12,1-1-4,0-2-30")).isEqualTo("1-1-5");
        assertThat(Failover.mariaDbErrant("0-1-3", "")).isEqualTo("0-1-3");
        assertThat(Failover.mariaDbErrant("", "0-1-3")).isEmpty();
    }
}
