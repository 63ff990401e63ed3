package io.sluice.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N client connections opened through a port with MariaDB Connector/J (handshake and login complete, nothing
 * else sent) and held open, idle, until {@link #close}.
 */
final class IdleConnections implements AutoCloseable {
    private final Queue<Connection> open = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();

    static IdleConnections open(int port, int count, int parallelism) {
        IdleConnections c = new IdleConnections();
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/?user=" + Sysbench.USER + "&password=" + Sysbench.PASSWORD
                + "&connectTimeout=30000";
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        for (int i = 0; i < count; i++) {
            pool.execute(() -> {
                try {
                    c.open.add(DriverManager.getConnection(url));
                } catch (SQLException e) {
                    c.failures.incrementAndGet();
                    c.firstFailure.compareAndSet(null, e.getMessage());
                }
            });
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
                throw new HarnessException("opening " + count + " connections took over 10 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessException("interrupted", e);
        }
        return c;
    }

    int opened() {
        return open.size();
    }

    int failures() {
        return failures.get();
    }

    String firstFailure() {
        return firstFailure.get();
    }

    @Override
    public void close() {
        List<Connection> all = new ArrayList<>(open);
        open.clear();
        all.parallelStream().forEach(conn -> {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // Closing a connection the proxy already dropped: nothing to undo.
            }
        });
    }
}
