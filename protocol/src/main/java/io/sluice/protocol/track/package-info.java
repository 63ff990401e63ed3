/**
 * Session state tracking: the block of changes a server appends to an OK packet when {@code CLIENT_SESSION_TRACK} is
 * negotiated and the status has {@code SERVER_SESSION_STATE_CHANGED}. Sluice reads it for the GTID a write produced
 * (MySQL {@code session_track_gtids=OWN_GTID}, MariaDB {@code last_gtid} through
 * {@code session_track_system_variables}), the default schema, and the transaction state.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html">MySQL: OK_Packet</a>
 * @see <a href="https://dev.mysql.com/doc/refman/8.4/en/session-state-tracking.html">MySQL: session state tracking</a>
 * @see <a href="https://mariadb.com/kb/en/ok_packet/">MariaDB: OK_Packet</a>
 */
package io.sluice.protocol.track;
