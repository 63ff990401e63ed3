package io.sluice.proxy.gtid;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding of text-protocol rows, which the library's own row packet cannot do when a cell is NULL. */
class AdminConnectionTest {

    @Test
    void decodesLengthEncodedCellsAndNull() throws IOException {
        byte[] row = {
                0x0F, 'b', 'i', 'n', 'l', 'o', 'g', '.', '0', '0', '0', '0', '0', '1', ' ', ' ', // 15-byte cell
                0x03, '3', '2', '5',                                                            // "325"
                0x00,                                                                           // ""
                (byte) 0xFB,                                                                    // NULL
        };
        assertThat(AdminConnection.textRow(row)).containsExactly("binlog.000001  ", "325", "", null);
    }

    @Test
    void decodesTwoByteLengths() throws IOException {
        byte[] row = new byte[3 + 300];
        row[0] = (byte) 0xFC;
        row[1] = (byte) (300 & 0xFF); // little-endian 300
        row[2] = (byte) (300 >> 8);
        Arrays.fill(row, 3, row.length, (byte) 'x');
        assertThat(AdminConnection.textRow(row)).singleElement().satisfies(s -> assertThat(s).hasSize(300));
    }

    @Test
    void rejectsACellLongerThanThePacket() {
        assertThatThrownBy(() -> AdminConnection.textRow(new byte[] {0x05, 'a', 'b'}))
                .isInstanceOf(IOException.class).hasMessageContaining("cell of 5 bytes with 2 left");
        assertThatThrownBy(() -> AdminConnection.textRow(new byte[] {(byte) 0xFC, 0x01}))
                .isInstanceOf(IOException.class).hasMessageContaining("bad length prefix 0xfc");
        assertThatThrownBy(() -> AdminConnection.textRow(new byte[] {(byte) 0xFF}))
                .isInstanceOf(IOException.class).hasMessageContaining("bad length prefix 0xff");
    }
}
