package io.sluice.proxy.sandbox;

/**
 * Which server family a sandbox runs. They differ in how a data directory is initialised, how GTID replication is
 * configured (MariaDB domain-server-sequence positions vs MySQL UUID sets with auto-positioning) and in privilege names.
 *
 * @see <a href="https://mariadb.com/kb/en/gtid/">MariaDB GTID</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-howto.html">MySQL GTID replication</a>
 */
public enum Flavour {
    MARIADB,
    MYSQL
}
