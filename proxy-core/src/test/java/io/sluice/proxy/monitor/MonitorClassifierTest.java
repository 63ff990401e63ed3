package io.sluice.proxy.monitor;

import io.sluice.proxy.backend.BackendEndpoint;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The role rules of {@link Classifier}, without servers. */
class MonitorClassifierTest {
    private static final MonitoredBackend A = backend("a", 3306);
    private static final MonitoredBackend B = backend("b", 3307);
    private static final MonitoredBackend C = backend("c", 3308);
    private static final List<MonitoredBackend> ABC = List.of(A, B, C);

    @Test
    void oneSourceTwoReplicas() {
        Map<String, Observation> obs = Map.of(
                "a", writable(1),
                "b", replicaOf(2, A, true, 120),
                "c", replicaOf(3, A, true, 80));
        List<ServerView> views = Classifier.classify(ABC, obs, null);
        assertThat(roles(views)).containsExactly(Role.SOURCE, Role.REPLICA, Role.REPLICA);
        assertThat(views.get(0).lagMillis()).isZero();
        assertThat(views.get(1).lagMillis()).isEqualTo(120);
        assertThat(views.get(1).replicating()).isTrue();
        assertThat(views.get(1).readableWithin(500)).isTrue();
    }

    @Test
    void aStoppedReplicaIsStillAReplicaButNotReplicating() {
        Map<String, Observation> obs = Map.of(
                "a", writable(1),
                "b", replicaOf(2, A, false, 3000),
                "c", replicaOf(3, A, true, 80));
        List<ServerView> views = Classifier.classify(ABC, obs, null);
        assertThat(views.get(1).role()).isEqualTo(Role.REPLICA);
        assertThat(views.get(1).replicating()).isFalse();
        assertThat(views.get(1).readableWithin(10_000)).isFalse();
    }

    @Test
    void anUnreachableServerIsUnknown() {
        Map<String, Observation> obs = Map.of(
                "a", writable(1),
                "b", Observation.unreachable("cannot connect"),
                "c", replicaOf(3, A, true, 80));
        List<ServerView> views = Classifier.classify(ABC, obs, "a");
        assertThat(roles(views)).containsExactly(Role.SOURCE, Role.UNKNOWN, Role.REPLICA);
        assertThat(views.get(1).reachable()).isFalse();
        assertThat(views.get(1).lagMillis()).isEqualTo(-1);
    }

    @Test
    void aReplicaOfADeadSourceStaysAReplica() {
        Map<String, Observation> obs = Map.of(
                "a", Observation.unreachable("killed"),
                "b", replicaOf(2, A, false, 5000),
                "c", replicaOf(3, A, false, 5000));
        List<ServerView> views = Classifier.classify(ABC, obs, "a");
        assertThat(roles(views)).containsExactly(Role.UNKNOWN, Role.REPLICA, Role.REPLICA);
    }

    @Test
    void theUpstreamIsFoundByServerIdWhenTheHostIsSpeltDifferently() {
        Observation b = new Observation(true, "", true, 2,
                List.of(new ReplicationChannel("db-a.internal", 3306, 1, true, true, "")), 10);
        List<ServerView> views = Classifier.classify(List.of(A, B), Map.of("a", writable(1), "b", b), null);
        assertThat(roles(views)).containsExactly(Role.SOURCE, Role.REPLICA);
    }

    @Test
    void aReadOnlyServerReplicatingFromAnUnlistedOneIsUnknown() {
        Observation b = new Observation(true, "", true, 2,
                List.of(new ReplicationChannel("elsewhere", 3306, 99, true, true, "")), 10);
        List<ServerView> views = Classifier.classify(List.of(A, B), Map.of("a", writable(1), "b", b), null);
        assertThat(roles(views)).containsExactly(Role.SOURCE, Role.UNKNOWN);
    }

    @Test
    void aWritableServerReplicatingOutsideAPairIsUnknown() {
        Observation b = new Observation(true, "", false, 2, List.of(channelTo(A, true)), 10);
        List<ServerView> views = Classifier.classify(List.of(A, B), Map.of("a", writable(1), "b", b), null);
        assertThat(roles(views)).containsExactly(Role.SOURCE, Role.UNKNOWN);
    }

    @Test
    void sourceSourcePairTheWritableOneWrites() {
        Map<String, Observation> obs = Map.of(
                "a", new Observation(true, "", true, 1, List.of(channelTo(B, true)), 40),
                "b", new Observation(true, "", false, 2, List.of(channelTo(A, true)), 40));
        List<ServerView> views = Classifier.classify(List.of(A, B), obs, null);
        assertThat(roles(views)).containsExactly(Role.REPLICA, Role.SOURCE);
        assertThat(views.get(1).lagMillis()).isZero();
    }

    @Test
    void sourceSourcePairBothWritableKeepsTheCurrentWriterElseTheFirstConfigured() {
        Map<String, Observation> obs = Map.of(
                "a", new Observation(true, "", false, 1, List.of(channelTo(B, true)), 40),
                "b", new Observation(true, "", false, 2, List.of(channelTo(A, true)), 40));
        assertThat(roles(Classifier.classify(List.of(A, B), obs, null))).containsExactly(Role.SOURCE, Role.REPLICA);
        assertThat(roles(Classifier.classify(List.of(A, B), obs, "b"))).containsExactly(Role.REPLICA, Role.SOURCE);
        assertThat(roles(Classifier.classify(List.of(B, A), obs, null))).containsExactly(Role.SOURCE, Role.REPLICA);
    }

    @Test
    void sourceSourcePairBothReadOnlyHasNoWriter() {
        Map<String, Observation> obs = Map.of(
                "a", new Observation(true, "", true, 1, List.of(channelTo(B, true)), 40),
                "b", new Observation(true, "", true, 2, List.of(channelTo(A, true)), 40));
        assertThat(roles(Classifier.classify(List.of(A, B), obs, null))).containsExactly(Role.REPLICA, Role.REPLICA);
    }

    @Test
    void twoIndependentWritersKeepTheCurrentOneElseTheFirstConfigured() {
        Map<String, Observation> obs = new HashMap<>(Map.of("a", writable(1), "b", writable(2),
                "c", replicaOf(3, A, true, 10)));
        assertThat(roles(Classifier.classify(ABC, obs, null)))
                .containsExactly(Role.SOURCE, Role.UNKNOWN, Role.REPLICA);
        assertThat(roles(Classifier.classify(ABC, obs, "b")))
                .containsExactly(Role.UNKNOWN, Role.SOURCE, Role.REPLICA);
    }

    @Test
    void noWritableServerMeansNoSource() {
        Map<String, Observation> obs = Map.of(
                "a", new Observation(true, "", true, 1, List.of(), -1),
                "b", replicaOf(2, A, true, 10),
                "c", replicaOf(3, A, true, 10));
        List<ServerView> views = Classifier.classify(ABC, obs, null);
        assertThat(roles(views)).containsExactly(Role.UNKNOWN, Role.REPLICA, Role.REPLICA);
    }

    private static MonitoredBackend backend(String name, int port) {
        return new MonitoredBackend(new BackendEndpoint(name, "127.0.0.1", port), 1);
    }

    private static Observation writable(long serverId) {
        return new Observation(true, "", false, serverId, List.of(), -1);
    }

    private static Observation replicaOf(long serverId, MonitoredBackend source, boolean running, long lag) {
        return new Observation(true, "", true, serverId, List.of(channelTo(source, running)), lag);
    }

    private static ReplicationChannel channelTo(MonitoredBackend source, boolean running) {
        return new ReplicationChannel(source.endpoint().host(), source.endpoint().port(), 0, true, running, "");
    }

    private static List<Role> roles(List<ServerView> views) {
        return views.stream().map(ServerView::role).toList();
    }
}
