package io.sluice.proxy.monitor;

import io.sluice.proxy.backend.QueryClient;

import java.util.ArrayList;
import java.util.List;

/**
 * One replication connection of a server, from a row of {@code SHOW ALL SLAVES STATUS} (MariaDB, one row per
 * multi-source connection), {@code SHOW REPLICA STATUS} (MySQL 8.0.22+) or {@code SHOW SLAVE STATUS} (older MySQL).
 * Both column spellings ({@code Master_Host}/{@code Source_Host}, {@code Slave_IO_Running}/{@code Replica_IO_Running})
 * are read.
 *
 * @param host           the host it replicates from, as configured on the server
 * @param port           that server's port
 * @param sourceServerId the source's {@code server_id} once the IO thread has connected; 0 before
 * @param ioRunning      IO thread state is {@code Yes} ({@code Connecting} is not running)
 * @param sqlRunning     SQL thread state is {@code Yes}
 * @param error          the last IO or SQL error, empty when there is none
 * @see <a href="https://mariadb.com/kb/en/show-replica-status/">SHOW REPLICA STATUS (MariaDB)</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.0/en/show-replica-status.html">SHOW REPLICA STATUS (MySQL)</a>
 */
public record ReplicationChannel(String host, int port, long sourceServerId, boolean ioRunning, boolean sqlRunning,
                          String error) {

    /** Both threads run and neither reports an error: the server is applying what its source writes. */
    public boolean healthy() {
        return ioRunning && sqlRunning && error.isEmpty();
    }

    public String describe() {
        return host + ":" + port + " io=" + (ioRunning ? "Yes" : "No") + " sql=" + (sqlRunning ? "Yes" : "No")
                + (error.isEmpty() ? "" : " error=" + error);
    }

    static List<ReplicationChannel> parse(QueryClient.Result result) {
        List<ReplicationChannel> out = new ArrayList<>();
        for (List<String> row : result.rows()) {
            String host = cell(result, row, "Master_Host", "Source_Host");
            if (host == null || host.isEmpty()) {
                continue; // a connection that was reset and never pointed anywhere
            }
            String ioErrno = cell(result, row, "Last_IO_Errno");
            String sqlErrno = cell(result, row, "Last_SQL_Errno");
            StringBuilder error = new StringBuilder();
            if (ioErrno != null && !ioErrno.equals("0")) {
                error.append("IO ").append(ioErrno).append(": ").append(cell(result, row, "Last_IO_Error"));
            }
            if (sqlErrno != null && !sqlErrno.equals("0")) {
                error.append(error.isEmpty() ? "" : "; ").append("SQL ").append(sqlErrno).append(": ")
                        .append(cell(result, row, "Last_SQL_Error"));
            }
            out.add(new ReplicationChannel(host, parseInt(cell(result, row, "Master_Port", "Source_Port")),
                    parseLong(cell(result, row, "Master_Server_Id", "Source_Server_Id")),
                    "Yes".equals(cell(result, row, "Slave_IO_Running", "Replica_IO_Running")),
                    "Yes".equals(cell(result, row, "Slave_SQL_Running", "Replica_SQL_Running")),
                    error.toString()));
        }
        return List.copyOf(out);
    }

    /**
     * The replicated GTIDs the server has committed, from its replication status: {@code Gtid_Slave_Pos} (MariaDB's
     * {@code SHOW ALL SLAVES STATUS}, the same global value in every row) or {@code Executed_Gtid_Set} (MySQL).
     * Empty when there is no row or neither column; MySQL's line breaks inside the set are removed.
     */
    static String committedGtids(QueryClient.Result result) {
        if (result.rows().isEmpty()) {
            return "";
        }
        String v = cell(result, result.rows().get(0), "Gtid_Slave_Pos", "Executed_Gtid_Set");
        return v == null ? "" : v.replace("\n", "").trim();
    }

    /** The first of {@code names} present in the result, or null when none is. */
    private static String cell(QueryClient.Result result, List<String> row, String... names) {
        for (String name : names) {
            for (int i = 0; i < result.columns().size(); i++) {
                if (result.columns().get(i).equalsIgnoreCase(name)) {
                    return row.get(i);
                }
            }
        }
        return null;
    }

    private static int parseInt(String s) {
        return (int) parseLong(s);
    }

    private static long parseLong(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
