package io.sluice.proxy.monitor;

import io.netty.channel.EventLoopGroup;
import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxServer;
import io.sluice.proxy.server.Transport;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A {@link Monitor} on its own event loop, watching sandbox servers by their names, and every snapshot it published. */
final class MonitorHarness implements AutoCloseable {
    static final Duration INTERVAL = Duration.ofMillis(250);

    final EventLoopGroup group;
    final Monitor monitor;
    final List<TopologySnapshot> published = new CopyOnWriteArrayList<>();

    private MonitorHarness(List<SandboxServer> servers) {
        Transport transport = Transport.best();
        group = transport.group(1, "monitor-test");
        List<MonitoredBackend> backends = servers.stream()
                .map(s -> new MonitoredBackend(new BackendEndpoint(s.name(), s.host(), s.port()), 1)).toList();
        MonitorSettings settings = new MonitorSettings(SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password(),
                INTERVAL, MonitorSettings.DEFAULT_HEARTBEAT_INTERVAL, MonitorSettings.DEFAULT_CHECK_TIMEOUT,
                MonitorSettings.DEFAULT_CONNECT_TIMEOUT, Duration.ofSeconds(1));
        monitor = Monitor.start(backends, settings, group, transport.socketChannel(), null);
        monitor.addListener(published::add);
    }

    static MonitorHarness start(List<SandboxServer> servers) {
        return new MonitorHarness(servers);
    }

    TopologySnapshot current() {
        return monitor.current();
    }

    ServerView view(SandboxServer server) {
        return monitor.current().server(server.name())
                .orElseThrow(() -> new AssertionError(server.name() + " not in " + monitor.current()));
    }

    long sources() {
        return monitor.current().servers().stream().filter(s -> s.role() == Role.SOURCE).count();
    }

    @Override
    public void close() {
        monitor.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
