package io.sluice.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The read-your-writes path: each client inserts a row, then at once reads it back, and the harness times the read.
 * The same loop runs in three ways: against the source directly (the floor), through Sluice with the read under
 * {@code session} consistency (it goes to a replica that has applied the insert, waiting on the GTID tracker if
 * none has yet), and through Sluice with the read sent to the source ({@code /* sluice:source *}{@code /}). Every
 * read must find its row; a miss is counted, never hidden.
 *
 * <p>The server that answered is read in the same statement from {@code sluice_bench.whoami}, a one-row table each
 * server holds with its own name (written with {@code sql_log_bin=0}, so it does not replicate).
 */
final class ReadAfterWrite {

    /** How one way of reading went. */
    record Result(long pairs, long misses, double p50Ms, double p99Ms, double replicaShare) {
    }

    private ReadAfterWrite() {
    }

    static Result run(int port, String user, String password, String setup, String readHint, int clients,
                      Duration duration) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            long deadline = System.nanoTime() + duration.toNanos();
            for (int i = 0; i < clients; i++) {
                int client = i;
                futures.add(pool.submit(() -> loop(port, user, password, setup, readHint, client, deadline)));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> f : futures) {
                all.add(f.get());
            }
            // Each array: [misses, fromReplica, latencies (ns)...]
            long misses = 0;
            long fromReplica = 0;
            int n = 0;
            for (long[] a : all) {
                misses += a[0];
                fromReplica += a[1];
                n += a.length - 2;
            }
            long[] lat = new long[n];
            int k = 0;
            for (long[] a : all) {
                System.arraycopy(a, 2, lat, k, a.length - 2);
                k += a.length - 2;
            }
            Arrays.sort(lat);
            return new Result(n, misses, percentile(lat, 0.50) / 1e6, percentile(lat, 0.99) / 1e6,
                    n == 0 ? Double.NaN : fromReplica / (double) n);
        } catch (Exception e) {
            throw new HarnessException("read-after-write run failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long[] loop(int port, String user, String password, String setup, String readHint, int client,
                               long deadline) throws SQLException {
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/sluice_bench?user=" + user + "&password=" + password
                + "&useServerPrepStmts=false";
        long[] out = new long[1 << 16];
        int n = 2;
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             PreparedStatement insert = c.prepareStatement("INSERT INTO ryw (client, v) VALUES (?, ?)",
                     Statement.RETURN_GENERATED_KEYS);
             PreparedStatement read = c.prepareStatement(readHint
                     + "SELECT (SELECT v FROM ryw WHERE id = ?), (SELECT name FROM whoami)")) {
            if (setup != null) {
                for (String statement : setup.split(";\\s*")) {   // Sluice answers its SETs one statement at a time
                    s.execute(statement);
                }
            }
            long v = 0;
            while (System.nanoTime() < deadline && n < out.length) {
                v++;
                insert.setInt(1, client);
                insert.setLong(2, v);
                insert.executeUpdate();
                long id;
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
                read.setLong(1, id);
                long t0 = System.nanoTime();
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    long got = rs.getLong(1);
                    boolean found = !rs.wasNull() && got == v;
                    String server = rs.getString(2);
                    out[n++] = System.nanoTime() - t0;
                    if (!found) {
                        out[0]++;
                    }
                    if (server != null && server.startsWith("replica")) {
                        out[1]++;
                    }
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
