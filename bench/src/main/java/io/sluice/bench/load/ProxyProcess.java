package io.sluice.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A relay in front of the source, run as its own process pinned to the proxy CPUs, so its CPU time and memory can
 * be read from {@code /proc} without anything else mixed in: Sluice ({@code java -jar sluice.jar --config ...}) or
 * HAProxy in {@code mode tcp}.
 */
final class ProxyProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    /** Sluice's admin interface (port, account), for the harness's own use; null for the other proxies. */
    private final SluiceAdmin admin;

    private ProxyProcess(String name, Process process, int port, Path log, SluiceAdmin admin) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.admin = admin;
    }

    /**
     * Sluice in front of the cluster, the first backend the source (today it takes all traffic), with the app
     * account and the monitor account so it also loads the source's mysql.user.
     */
    static ProxyProcess sluice(String java, Path jar, List<String> jvmOptions, String cpus, Path workDir, int maxConnections,
                               List<String> backends, String monitorUser, String monitorPassword) {
        int port = freePort();
        SluiceAdmin admin = new SluiceAdmin(freePort(), "admin", "bench-" + Long.toHexString(System.nanoTime()));
        StringBuilder yaml = new StringBuilder()
                .append("listen: 127.0.0.1:").append(port).append('\n')
                .append("max_connections: ").append(maxConnections).append('\n')
                .append("users:\n  - name: ").append(Sysbench.USER).append("\n    password: \"")
                .append(Sysbench.PASSWORD).append("\"\n")
                .append("backends:\n");
        for (String b : backends) {
            yaml.append("  - address: ").append(b).append('\n');
        }
        yaml.append("monitor:\n  user: ").append(monitorUser).append("\n  password: \"").append(monitorPassword)
                .append("\"\n");
        yaml.append("admin:\n  listen: 127.0.0.1:").append(admin.port()).append("\n  user: ").append(admin.user())
                .append("\n  password: \"").append(admin.password()).append("\"\n");
        // Not the default port: another Sluice (--compare-jar, or one the user runs) may hold it.
        yaml.append("metrics:\n  listen: 127.0.0.1:").append(freePort()).append('\n');
        Path config = write(workDir.resolve("sluice.yaml"), yaml.toString());
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
        return start("sluice", cmd, port, workDir.resolve("sluice.log"), admin);
    }

    /** HAProxy in {@code mode tcp} to the source: the L4 reference, a relay that understands nothing. */
    static ProxyProcess haproxy(String cpus, Path workDir, String source) {
        int port = freePort();
        String cfg = """
                global
                  maxconn 4096
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 1h
                  timeout server 1h
                frontend bench
                  bind 127.0.0.1:%d
                  default_backend source
                backend source
                  server source %s
                """.formatted(port, source);
        Path config = write(workDir.resolve("haproxy.cfg"), cfg);
        return start("haproxy", List.of("taskset", "-c", cpus, "haproxy", "-db", "-f", config.toString()), port,
                workDir.resolve("haproxy.log"), null);
    }

    /**
     * {@link NettyRelay} in front of the source, from the harness's own jar, with the JVM options Sluice gets: the
     * floor of any proxy on Sluice's transport.
     */
    static ProxyProcess nettyRelay(String java, List<String> jvmOptions, String cpus, Path workDir, String source) {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus, java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), NettyRelay.class.getName(),
                Integer.toString(port), source));
        return start("netty-relay", cmd, port, workDir.resolve("netty-relay.log"), null);
    }

    private static ProxyProcess start(String name, List<String> cmd, int port, Path log, SluiceAdmin admin) {
        Process p;
        try {
            // taskset execs the program, so the pid is the proxy's own.
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new HarnessException("cannot start " + name + ": " + e.getMessage(), e);
        }
        ProxyProcess proxy = new ProxyProcess(name, p, port, log, admin);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new HarnessException(name + " exited " + p.exitValue() + ":\n" + proxy.logTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return proxy;
            } catch (IOException notYet) {
                pause(100);
            }
        }
        proxy.close();
        throw new HarnessException(name + " did not listen on " + port + " within 60 s:\n" + proxy.logTail());
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    /** Sluice's admin interface; only Sluice has one. */
    SluiceAdmin admin() {
        if (admin == null) {
            throw new IllegalStateException(name + " has no admin interface");
        }
        return admin;
    }

    String logTail() {
        try {
            return Commands.tail(Files.readString(log), 20);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new HarnessException("no free port: " + e.getMessage(), e);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HarnessException("interrupted", e);
        }
    }

    private static Path write(Path p, String text) {
        try {
            return Files.writeString(p, text);
        } catch (IOException e) {
            throw new HarnessException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
