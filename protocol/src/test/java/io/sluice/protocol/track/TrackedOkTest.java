package io.sluice.protocol.track;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.protocol.Capability;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.error.MalformedPacketException;
import io.sluice.protocol.message.OkPacket;
import io.sluice.protocol.track.TrackedOk.ClientTracking;
import io.sluice.protocol.track.TrackedOk.Outcome;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GTIDs read from real (MariaDB) and hand-built (MySQL) OK packets, and what each kind of client receives. */
class TrackedOkTest {
    private static final Capability TRACKING = new Capability(Capability.PROTOCOL_41 | Capability.TRANSACTIONS
            | Capability.SESSION_TRACK);
    private static final Capability PLAIN = TRACKING.without(Capability.SESSION_TRACK);

    /** The payload of an annotated fixture: its 4-byte frame header dropped. */
    private static ByteBuf payload(String fixture) {
        byte[] all = OkPacketFixtures.bytes(fixture);
        return Unpooled.wrappedBuffer(all, 4, all.length - 4);
    }

    private static Outcome inspect(String fixture, ClientTracking client) {
        ByteBuf p = payload(fixture);
        int before = p.readerIndex();
        Outcome o = TrackedOk.inspect(p, UnpooledByteBufAllocator.DEFAULT, client);
        assertThat(p.readerIndex()).as("the server's packet is not consumed").isEqualTo(before);
        return o;
    }

    @Test
    void mariaDbInsertReportsItsGtidAndTheClientNeverSeesLastGtid() {
        Outcome o = inspect(OkPacketFixtures.MARIADB_INSERT_LAST_GTID, ClientTracking.DEFAULT);
        assertThat(o.gtid()).isEqualTo("0-1-3");
        OkPacket ok = OkPacket.decode(o.clientPayload(), TRACKING);
        o.clientPayload().release();
        assertThat(ok.affectedRows()).isEqualTo(1);
        assertThat(ok.lastInsertId()).isEqualTo(1);
        assertThat(ok.statusFlags()).isEqualTo(ServerStatus.AUTOCOMMIT);
        assertThat(ok.sessionState()).isEmpty();
    }

    @Test
    void aClientThatAskedForLastGtidGetsThePacketUnchanged() {
        Outcome o = inspect(OkPacketFixtures.MARIADB_INSERT_LAST_GTID, new ClientTracking(true, true, false));
        assertThat(o.gtid()).isEqualTo("0-1-3");
        assertThat(o.clientPayload()).isNull();
    }

    @Test
    void aClientWithoutSessionTrackingGetsNoStateBlock() {
        Outcome o = inspect(OkPacketFixtures.MARIADB_INSERT_LAST_GTID, ClientTracking.NONE);
        assertThat(o.gtid()).isEqualTo("0-1-3");
        ByteBuf out = o.clientPayload();
        OkPacket ok = OkPacket.decode(out, PLAIN);
        out.release();
        assertThat(ok.statusFlags()).isEqualTo(ServerStatus.AUTOCOMMIT);
        assertThat(ok.info()).isEmpty();
    }

    @Test
    void commitCarriesTheGtid() {
        Outcome o = inspect(OkPacketFixtures.MARIADB_COMMIT_LAST_GTID, ClientTracking.DEFAULT);
        assertThat(o.gtid()).startsWith("0-1-");
        assertThat(o.clientPayload()).isNotNull();
        o.clientPayload().release();
    }

    @Test
    void otherTrackedEntriesStayWhenOursIsRemoved() {
        ByteBuf state = Unpooled.buffer();
        SessionStateChanges.of(new SessionStateChange.SystemVariable("autocommit", "OFF"),
                new SessionStateChange.SystemVariable("last_gtid", "0-1-9")).encode(state);
        byte[] block = new byte[state.readableBytes()];
        state.readBytes(block);
        ByteBuf server = Unpooled.buffer();
        new OkPacket(1, 0, ServerStatus.SESSION_STATE_CHANGED, 0, "", block).encode(server, TRACKING);
        Outcome o = TrackedOk.inspect(server, UnpooledByteBufAllocator.DEFAULT, ClientTracking.DEFAULT);
        assertThat(o.gtid()).isEqualTo("0-1-9");
        OkPacket ok = OkPacket.decode(o.clientPayload(), TRACKING);
        o.clientPayload().release();
        SessionStateChanges left = SessionStateChanges.decode(Unpooled.wrappedBuffer(ok.sessionState()));
        assertThat(left.entries()).containsExactly(new SessionStateChange.SystemVariable("autocommit", "OFF"));
        assertThat(ServerStatus.has(ok.statusFlags(), ServerStatus.SESSION_STATE_CHANGED)).isTrue();
        assertThat(ok.affectedRows()).isEqualTo(1);
    }

    @Test
    void schemaChangeWithoutGtidIsRelayedUnchanged() {
        Outcome o = inspect(OkPacketFixtures.MARIADB_USE_SCHEMA, ClientTracking.DEFAULT);
        assertThat(o.gtid()).isNull();
        assertThat(o.clientPayload()).isNull();
    }

    @Test
    void okWithNothingAfterWarningsIsUnchangedForEveryClient() {
        for (ClientTracking c : new ClientTracking[] {ClientTracking.NONE, ClientTracking.DEFAULT}) {
            Outcome o = inspect(OkPacketFixtures.MARIADB_BEGIN_NO_CHANGE, c);
            assertThat(o.gtid()).isNull();
            assertThat(o.clientPayload()).isNull();
        }
    }

    @Test
    void mySqlOwnGtidIsReadAndRemovedUnlessTheClientAskedForIt() {
        Outcome o = inspect(OkPacketFixtures.MYSQL_INSERT_OWN_GTID, ClientTracking.DEFAULT);
        assertThat(o.gtid()).isEqualTo("3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
        OkPacket ok = OkPacket.decode(o.clientPayload(), TRACKING);
        o.clientPayload().release();
        assertThat(ok.sessionState()).isEmpty();
        assertThat(inspect(OkPacketFixtures.MYSQL_INSERT_OWN_GTID, new ClientTracking(true, false, true))
                .clientPayload()).isNull();
    }

    @Test
    void infoSurvivesBothRewrites() {
        Outcome tracked = inspect(OkPacketFixtures.MYSQL_UPDATE_TAGGED_OWN_GTID, ClientTracking.DEFAULT);
        assertThat(tracked.gtid()).isEqualTo("3e11fa47-71ca-11e1-9e33-c80aa9429562:etl:5");
        OkPacket a = OkPacket.decode(tracked.clientPayload(), TRACKING);
        tracked.clientPayload().release();
        assertThat(a.info()).isEqualTo("Rows matched: 1  Changed: 1  Warnings: 0");
        Outcome plain = inspect(OkPacketFixtures.MYSQL_UPDATE_TAGGED_OWN_GTID, ClientTracking.NONE);
        ByteBuf b = plain.clientPayload();
        try {
            // Servers write the info length-encoded whatever the client negotiated; so does Sluice.
            OkPacket ok = OkPacket.decode(b.duplicate(), TRACKING);
            assertThat(ok.info()).isEqualTo("Rows matched: 1  Changed: 1  Warnings: 0");
            assertThat(ok.sessionState()).isEmpty();
            assertThat(ServerStatus.has(ok.statusFlags(), ServerStatus.SESSION_STATE_CHANGED)).isFalse();
        } finally {
            b.release();
        }
    }

    @Test
    void truncatedStateBlockIsMalformed() {
        byte[] all = OkPacketFixtures.bytes(OkPacketFixtures.MARIADB_INSERT_LAST_GTID);
        ByteBuf cut = Unpooled.wrappedBuffer(all, 4, all.length - 4 - 5);
        assertThatThrownBy(() -> TrackedOk.inspect(cut, UnpooledByteBufAllocator.DEFAULT, ClientTracking.DEFAULT))
                .isInstanceOf(MalformedPacketException.class);
    }

    @Test
    void trackedVariableListsNamingLastGtid() {
        assertThat(TrackedOk.tracksLastGtid("'autocommit,last_gtid'")).isTrue();
        assertThat(TrackedOk.tracksLastGtid("*")).isTrue();
        assertThat(TrackedOk.tracksLastGtid("'autocommit, time_zone'")).isFalse();
        assertThat(TrackedOk.tracksLastGtid(null)).isFalse();
    }
}
