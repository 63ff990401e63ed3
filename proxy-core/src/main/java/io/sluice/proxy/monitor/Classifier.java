package io.sluice.proxy.monitor;

import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the latest observation of every backend into roles: a pure function, so that every rule is tested without
 * servers.
 *
 * <ul>
 *   <li>A server's upstream is the listed backend one of its replication connections points at (by configured
 *       {@code host:port}, or by the {@code server_id} the IO thread saw, which survives a host being spelt
 *       differently in the configuration and in {@code CHANGE MASTER}).</li>
 *   <li>SOURCE: writable and without a listed upstream. At most one: if several qualify (a split brain), the current
 *       writer keeps the role, else the first in configuration order; the others are UNKNOWN.</li>
 *   <li>REPLICA: read-only with a listed upstream, whether or not its threads run (a stopped replica is a replica that
 *       is not {@code replicating}).</li>
 *   <li>A source-source pair (each is the other's upstream): the writable one is the writer; if both are writable, the
 *       current writer stays, else the first in configuration order. The other is a REPLICA even if writable.</li>
 *   <li>Anything else reachable (writable and replicating outside a pair, read-only and replicating from nothing
 *       listed) is UNKNOWN, as is every unreachable server.</li>
 * </ul>
 */
final class Classifier {
    private Classifier() {
    }

    /**
     * @param backends      in configuration order
     * @param observations  the latest observation of each backend, by name
     * @param currentWriter the name of the source in the snapshot published last, or null
     */
    static List<ServerView> classify(List<MonitoredBackend> backends, Map<String, Observation> observations,
                                     String currentWriter) {
        Map<String, String> upstream = new HashMap<>();
        Map<String, ReplicationChannel> channel = new HashMap<>();
        for (MonitoredBackend b : backends) {
            Observation o = observations.get(b.name());
            if (o == null || !o.reachable()) {
                continue;
            }
            for (ReplicationChannel c : o.channels()) {
                String up = listedUpstream(b, c, backends, observations);
                if (up != null) {
                    upstream.put(b.name(), up);
                    channel.put(b.name(), c);
                    break;
                }
            }
            if (!channel.containsKey(b.name()) && !o.channels().isEmpty()) {
                channel.put(b.name(), o.channels().get(0));
            }
        }

        Map<String, Role> roles = new HashMap<>();
        List<String> sourceCandidates = new ArrayList<>();
        for (MonitoredBackend b : backends) {
            String name = b.name();
            Observation o = observations.get(name);
            if (o == null || !o.reachable() || roles.containsKey(name)) {
                continue;
            }
            String up = upstream.get(name);
            if (up != null && name.equals(upstream.get(up))) {
                // A source-source pair; b comes first in configuration order, since its partner has no role yet.
                String writer = pairWriter(name, up, observations, currentWriter);
                if (writer == null) {
                    roles.put(name, Role.REPLICA);
                    roles.put(up, Role.REPLICA);
                } else {
                    sourceCandidates.add(writer);
                    roles.put(writer.equals(name) ? up : name, Role.REPLICA);
                    roles.put(writer, Role.UNKNOWN); // until the candidates are settled below
                }
            } else if (up == null && !o.readOnly()) {
                sourceCandidates.add(name);
                roles.put(name, Role.UNKNOWN);
            } else if (up != null && o.readOnly()) {
                roles.put(name, Role.REPLICA);
            } else {
                roles.put(name, Role.UNKNOWN);
            }
        }
        String source = null;
        if (sourceCandidates.size() == 1) {
            source = sourceCandidates.get(0);
        } else if (!sourceCandidates.isEmpty()) {
            source = sourceCandidates.contains(currentWriter) ? currentWriter : firstInOrder(backends, sourceCandidates);
        }
        if (source != null) {
            roles.put(source, Role.SOURCE);
        }

        List<ServerView> views = new ArrayList<>(backends.size());
        for (MonitoredBackend b : backends) {
            Observation o = observations.get(b.name());
            if (o == null || !o.reachable()) {
                views.add(new ServerView(b.name(), Role.UNKNOWN, false, false, -1, b.weight(),
                        o != null && o.readOnly()));
                continue;
            }
            Role role = roles.get(b.name());
            ReplicationChannel c = channel.get(b.name());
            boolean replicating = c != null && c.healthy();
            long lag = role == Role.SOURCE ? 0 : o.lagMillis();
            views.add(new ServerView(b.name(), role, true, replicating, lag, b.weight(), o.readOnly()));
        }
        return List.copyOf(views);
    }

    private static String pairWriter(String first, String second, Map<String, Observation> observations,
                                     String currentWriter) {
        boolean firstWritable = !observations.get(first).readOnly();
        boolean secondWritable = !observations.get(second).readOnly();
        if (firstWritable && secondWritable) {
            return second.equals(currentWriter) ? second : first;
        }
        if (firstWritable) {
            return first;
        }
        return secondWritable ? second : null;
    }

    private static String listedUpstream(MonitoredBackend self, ReplicationChannel c, List<MonitoredBackend> backends,
                                         Map<String, Observation> observations) {
        for (MonitoredBackend other : backends) {
            if (other == self) {
                continue;
            }
            if (other.endpoint().host().equalsIgnoreCase(c.host()) && other.endpoint().port() == c.port()) {
                return other.name();
            }
        }
        if (c.sourceServerId() > 0) {
            for (MonitoredBackend other : backends) {
                Observation o = observations.get(other.name());
                if (other != self && o != null && o.reachable() && o.serverId() == c.sourceServerId()) {
                    return other.name();
                }
            }
        }
        return null;
    }

    private static String firstInOrder(List<MonitoredBackend> backends, List<String> names) {
        for (MonitoredBackend b : backends) {
            if (names.contains(b.name())) {
                return b.name();
            }
        }
        throw new IllegalArgumentException("none of " + names + " is a backend");
    }
}
