package io.sluice.proxy.gtid;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * The statement that makes a server wait until its storage engine has committed a GTID set, bounded by a timeout:
 * {@code MASTER_GTID_WAIT} on MariaDB, {@code WAIT_FOR_EXECUTED_GTID_SET} on MySQL. Both answer one row whose value is
 * {@code 0} when the set was reached (-1 or 1 on timeout). Used by sessions before a replica read (the commit wait)
 * and by failover before a promotion.
 *
 * @see <a href="https://mariadb.com/kb/en/master_gtid_wait/">MariaDB: MASTER_GTID_WAIT</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/gtid-functions.html">MySQL: GTID functions</a>
 */
public final class CommitWait {
    private CommitWait() {
    }

    /** The wait for {@code gtids} (their text), bounded by {@code timeout} (to the millisecond, at least 1 ms). */
    public static String statement(boolean mariaDb, String gtids, Duration timeout) {
        String quoted = gtids.replace("\\", "\\\\").replace("'", "''");
        String seconds = BigDecimal.valueOf(Math.max(1, timeout.toMillis()), 3).toPlainString();
        return mariaDb ? "SELECT MASTER_GTID_WAIT('" + quoted + "', " + seconds + ")"
                : "SELECT WAIT_FOR_EXECUTED_GTID_SET('" + quoted + "', " + seconds + ")";
    }
}
