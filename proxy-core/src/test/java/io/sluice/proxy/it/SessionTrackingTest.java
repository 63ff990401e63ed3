package io.sluice.proxy.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.protocol.Capability;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.gtid.GtidSet;
import io.sluice.protocol.message.OkPacket;
import io.sluice.protocol.track.SessionStateChanges;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sluice turns on GTID tracking on its backend connections and reads the GTID of every write from the OK packet.
 * Clients must not notice: each OK packet is compared byte for byte with the one the server sends a client connected
 * directly, with and without {@code CLIENT_SESSION_TRACK}; a client that asks for {@code last_gtid} itself still
 * gets it. And the GTID Sluice read is the one the server committed.
 */
@ExtendWith(ClusterExtension.class)
class SessionTrackingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String APP = SandboxAccounts.APP.user();
    private static final String APP_PW = SandboxAccounts.APP.password();
    private static final Capability TRACKING = RawClient.CAPABILITIES.with(Capability.SESSION_TRACK);

    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(shared);
        shared.source().execute("CREATE DATABASE IF NOT EXISTS tracking;"
                + " CREATE TABLE IF NOT EXISTS tracking.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private static RawClient login(int port, Capability caps) throws Exception {
        RawClient c = RawClient.connectAndGreet(port, TIMEOUT);
        RawClient.Packet ok = c.sendLogin(APP, APP_PW, caps);
        assertThat(ok.isOk()).as("login: %s", ok).isTrue();
        return c;
    }

    /** The OK packet of {@code sql}, with the affected-rows / insert-id fields kept (they match by construction). */
    private static byte[] ok(RawClient c, String sql) throws Exception {
        c.query(sql);
        RawClient.Packet p = c.readPacket();
        assertThat(p.isOk()).as("%s: %s", sql, p).isTrue();
        return p.payload();
    }

    /** OK packets of the same statements, from the source directly and through Sluice, with these capabilities. */
    private static void sameOkPackets(Capability caps) throws Exception {
        try (RawClient direct = login(cluster.source().port(), caps);
             RawClient proxied = login(sluice.port(), caps)) {
            for (String sql : new String[] {
                    "UPDATE tracking.t SET v = 0 WHERE id < 0",                       // no info, nothing written
                    "INSERT INTO tracking.t (v) VALUES (1), (2)",                      // info: Records: 2 ...
                    "UPDATE tracking.t SET v = v + 1 WHERE id > 0 LIMIT 1",            // info: Rows matched ...
                    "SET time_zone = '+01:00'",                                        // a tracked variable
                    "BEGIN", "INSERT INTO tracking.t (v) VALUES (3)", "COMMIT"}) {
                byte[] a = ok(direct, sql);
                byte[] b = ok(proxied, sql);
                if (sql.startsWith("INSERT")) {
                    // The last insert id differs (two inserts); compare around it.
                    assertThat(b.length).as(sql).isEqualTo(a.length);
                    assertThat(b[0]).isEqualTo(a[0]);
                    assertThat(Arrays.copyOfRange(b, 3, b.length)).as(sql).isEqualTo(Arrays.copyOfRange(a, 3, a.length));
                } else {
                    assertThat(b).as(sql).isEqualTo(a);
                }
            }
        }
    }

    @Test
    void aClientWithoutSessionTrackingGetsTheServersOkPackets() throws Exception {
        sameOkPackets(RawClient.CAPABILITIES);
    }

    @Test
    void aClientWithSessionTrackingGetsTheServersOkPacketsWithoutLastGtid() throws Exception {
        sameOkPackets(TRACKING);
    }

    @Test
    void aClientThatTracksLastGtidItselfStillGetsIt() throws Exception {
        try (RawClient c = login(sluice.port(), TRACKING)) {
            ok(c, "SET session_track_system_variables = 'last_gtid'");
            for (int i = 0; i < 2; i++) {   // the second INSERT runs after Sluice restored its own tracking
                GtidSet before = binlogPos();
                byte[] payload = ok(c, "INSERT INTO tracking.t (v) VALUES (9)");
                ByteBuf b = Unpooled.wrappedBuffer(payload);
                OkPacket ok = OkPacket.decode(b, TRACKING);
                assertThat(ServerStatus.has(ok.statusFlags(), ServerStatus.SESSION_STATE_CHANGED)).isTrue();
                String gtid = SessionStateChanges.decode(Unpooled.wrappedBuffer(ok.sessionState()))
                        .systemVariable("last_gtid").orElseThrow();
                assertCommittedBetween(gtid, before, binlogPos());
            }
        }
    }

    /** The source's binlog position (other writers, such as the monitor's heartbeat, move it too). */
    private static GtidSet binlogPos() {
        return GtidSet.parse(cluster.source().queryValue("SELECT @@GLOBAL.gtid_binlog_pos"));
    }

    /** A GTID the source committed after {@code before} and by {@code after}. */
    private static void assertCommittedBetween(String gtid, GtidSet before, GtidSet after) {
        GtidSet g = GtidSet.parse(gtid);
        assertThat(after.contains(g)).as("%s committed by %s", gtid, after).isTrue();
        assertThat(before.contains(g)).as("%s committed after %s", gtid, before).isFalse();
    }

    @Test
    void theTokenIsTheGtidOfTheSessionsLastWrite() throws Exception {
        try (RawClient c = login(sluice.port(), RawClient.CAPABILITIES)) {
            // Under eventual the token holds the session's writes only: no monotonic-read high-water (which
            // follows every other writer, the monitor's heartbeat included) to blur what is measured here.
            ok(c, "SET sluice_consistency = 'eventual'");
            assertThat(c.queryValue("SELECT sluice_last_gtid()")).isEmpty();
            GtidSet before = binlogPos();
            ok(c, "INSERT INTO tracking.t (v) VALUES (4)");
            String written = c.queryValue("SELECT sluice_last_gtid()");
            assertCommittedBetween(written, before, binlogPos());
            ok(c, "BEGIN");
            ok(c, "INSERT INTO tracking.t (v) VALUES (5)");
            GtidSet beforeCommit = binlogPos();
            assertThat(c.queryValue("SELECT sluice_last_gtid()")).as("no GTID before the commit").isEqualTo(written);
            ok(c, "COMMIT");
            assertCommittedBetween(c.queryValue("SELECT sluice_last_gtid() AS token"), beforeCommit, binlogPos());
        }
    }

    @Test
    void badValuesForSluicesVariablesAreRefusedAsTheServerWould() throws Exception {
        try (RawClient c = login(sluice.port(), RawClient.CAPABILITIES)) {
            for (String sql : new String[] {"SET sluice_consistency = 'causal'", "SET sluice_read_after = 'not a gtid'",
                    "SET sluice_read_after = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:x'",
                    "SET sluice_causal_wait = '2m'", "SET sluice_causal_wait = 'soon'"}) {
                c.query(sql);
                var err = c.readErr();
                assertThat(err.code()).as(sql).isEqualTo(1231);
                assertThat(err.sqlState()).as(sql).isEqualTo("42000");
            }
            c.query("SET sluice_consistency = 'eventual'");
            assertThat(c.readPacket().isOk()).isTrue();
            c.query("SET sluice_consistency = DEFAULT");
            assertThat(c.readPacket().isOk()).isTrue();
            c.query("SET sluice_causal_wait = '5ms'");
            assertThat(c.readPacket().isOk()).isTrue();
            c.query("SET sluice_causal_wait = DEFAULT");
            assertThat(c.readPacket().isOk()).isTrue();
            assertThat(c.queryValue("SELECT 42")).isEqualTo("42");
        }
    }
}
