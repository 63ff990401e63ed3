/**
 * Global transaction identifiers of both server flavours, as values: {@link io.sluice.protocol.gtid.Gtid} for one
 * transaction and {@link io.sluice.protocol.gtid.GtidSet} for what a server has executed or a session needs.
 *
 * <p>The routing question "has replica R applied everything this session wrote?" is
 * {@code executedOnR.contains(requiredBySession)}, answered without allocating.
 *
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-concepts.html">MySQL: GTID format and storage</a>
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB: global transaction ID</a>
 */
package io.sluice.protocol.gtid;
