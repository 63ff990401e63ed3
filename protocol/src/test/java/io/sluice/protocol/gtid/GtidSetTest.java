package io.sluice.protocol.gtid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GtidSetTest {
    static final String U1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    static final String U2 = "a1b2c3d4-0000-4000-8000-00000000beef";
    static final String U3 = "ffffffff-ffff-ffff-ffff-fffffffffffe";

    static GtidSet my(String text) {
        return GtidSet.parseMySql(text);
    }

    static GtidSet maria(String text) {
        return GtidSet.parseMariaDb(text);
    }

    @Nested
    class MySqlText {
        @Test
        void adjacentIntervalsMerge() {
            assertThat(my(U1 + ":1-5:6-9")).hasToString(U1 + ":1-9");
        }

        @Test
        void overlappingAndUnsortedIntervalsMerge() {
            assertThat(my(U1 + ":30:5-20:1-10:21-25:27")).hasToString(U1 + ":1-25:27:30");
        }

        @Test
        void singleValueIsPrintedAlone() {
            assertThat(my(U1 + ":7-7")).hasToString(U1 + ":7");
        }

        @Test
        void upperCaseUuidIsCanonicalisedToLowerCase() {
            assertThat(my(U1.toUpperCase() + ":1-3")).isEqualTo(my(U1 + ":1-3")).hasToString(U1 + ":1-3");
        }

        @Test
        void uuidsAreSortedAndRepeatedUuidsMerged() {
            assertThat(my(U3 + ":1," + U2 + ":4," + U1 + ":1-3," + U2 + ":1-3"))
                    .hasToString(U1 + ":1-3," + U2 + ":1-4," + U3 + ":1");
        }

        @Test
        void uuidOrderIsUnsignedLikeTheText() {
            // 'f…' has the sign bit set as a long; it must still sort after 'a…'.
            assertThat(my(U3 + ":1," + U2 + ":1")).hasToString(U2 + ":1," + U3 + ":1");
        }

        @Test
        void gtidExecutedAsServersPrintIt() {
            // SELECT @@gtid_executed puts a newline after each comma; clients add trailing newlines and spaces.
            GtidSet set = my("  " + U1 + ":1-5,\n" + U2 + ":1-3:7 ,\r\n " + U3 + " : 4 - 6\n");
            assertThat(set).hasToString(U1 + ":1-5," + U2 + ":1-3:7," + U3 + ":4-6");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", "\n", " \r\n\t "})
        void blankIsTheEmptySet(String text) {
            assertThat(my(text)).isSameAs(GtidSet.empty());
            assertThat(GtidSet.parse(text)).isSameAs(GtidSet.empty());
            assertThat(GtidSet.empty()).hasToString("").satisfies(e -> assertThat(e.isEmpty()).isTrue());
            assertThat(GtidSet.empty().flavour()).isEmpty();
        }

        @Test
        void largestSequenceNumber() {
            String max = Long.toString(Long.MAX_VALUE - 1);
            assertThat(my(U1 + ":1-" + max)).hasToString(U1 + ":1-" + max);
            assertThat(my(U1 + ":" + max).contains(Gtid.parse(U1 + ":" + max))).isTrue();
        }

        @Test
        void taggedGtidsAreKeptApartFromUntagged() {
            GtidSet set = my(U1 + ":1-4:ETL:1-3:abc:5," + U1 + ":_x9:2");
            assertThat(set).hasToString(U1 + ":1-4:_x9:2:abc:5:etl:1-3");
            assertThat(set.contains(Gtid.parse(U1 + ":etl:2"))).isTrue();
            assertThat(set.contains(Gtid.parse(U1 + ":etl:4"))).isFalse();
            assertThat(set.contains(Gtid.parse(U1 + ":5"))).isFalse();
            assertThat(set.contains(my(U1 + ":abc:5"))).isTrue();
            assertThat(my(U1 + ":1-5").contains(my(U1 + ":etl:1"))).isFalse();
            assertThat(my(U1 + ":tag:1-2")).hasToString(U1 + ":tag:1-2");
        }

        @Test
        void flavourIsDetected() {
            assertThat(GtidSet.parse(U1 + ":1").flavour()).contains(GtidSet.Flavour.MYSQL);
            assertThat(GtidSet.parse("0-1-1").flavour()).contains(GtidSet.Flavour.MARIADB);
            assertThat(GtidSet.parse(" \n0-1-1,1-1-1").flavour()).contains(GtidSet.Flavour.MARIADB);
        }
    }

    @Nested
    class MySqlErrors {
        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "U1                         | 36 | expected ':' and an interval after the source UUID",
            "U1:                        | 37 | expected interval start but found end of input",
            "U1:0                       | 37 | interval start must be at least 1",
            "U1:5-3                     | 37 | interval end 3 is before its start 5",
            "U1:1-                      | 39 | expected interval end but found end of input",
            "U1:1-x                     | 39 | expected interval end but found 'x'",
            "U1:1:                      | 39 | expected interval start but found end of input",
            "U1:1;2                     | 38 | expected ',' between sources but found ';'",
            "U1:1,,U2:1                 | 39 | expected a source UUID but found ','",
            "U1:1,                      | 39 | expected a source UUID but found end of input",
            ",U1:1                      |  0 | expected a source UUID but found ','",
            "U1:etl                     | 37 | tag 'etl' has no intervals",
            "U1:etl:abc:1               | 37 | tag 'etl' has no intervals",
            "U1:9223372036854775807     | 37 | interval start exceeds 9223372036854775806",
            "U1:1-99999999999999999999  | 39 | interval end exceeds 9223372036854775806",
            "3e11fa47-71ca-11e1-9e33    |  0 | expected a 36-character UUID but only 23 characters remain",
            "3e11fa4771ca-11e1-9e33-c80aa9429562:1 | 8 | expected '-' in UUID but found '7'",
            "3e11fa47-71ca-11e1-9e33-c80aa942956g:1 | 35 | expected a hex digit in UUID but found 'g'",
        })
        void malformedTextNamesPositionAndReason(String text, int index, String reason) {
            String input = text.replace("U1", U1).replace("U2", U2);
            assertThatThrownBy(() -> my(input))
                    .isInstanceOf(GtidParseException.class)
                    .hasMessageStartingWith("malformed GTID text at index " + index + ": " + reason)
                    .satisfies(e -> assertThat(((GtidParseException) e).index()).isEqualTo(index))
                    .satisfies(e -> assertThat(((GtidParseException) e).reason()).isEqualTo(reason));
        }

        @Test
        void tooLongTag() {
            assertThatThrownBy(() -> my(U1 + ":" + "t".repeat(33) + ":1"))
                    .isInstanceOf(GtidParseException.class)
                    .hasMessageContaining("GTID tag longer than 32 characters");
        }

        @Test
        void nonAsciiDigitsAreNotNumbers() {
            assertThatThrownBy(() -> my(U1 + ":\u0661"))
                    .isInstanceOf(GtidParseException.class)
                    .hasMessageContaining("expected interval start but found U+0661");
        }

        @Test
        void messageExcerptIsBoundedForHugeInput() {
            String huge = (U1 + ":1,").repeat(2000) + "oops";
            assertThatThrownBy(() -> my(huge))
                    .isInstanceOf(GtidParseException.class)
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        }
    }

    @Nested
    class MySqlAlgebra {
        @Test
        void containment() {
            GtidSet executed = my(U1 + ":1-100:200," + U2 + ":1-5");
            assertThat(executed.contains(my(U1 + ":5-10"))).isTrue();
            assertThat(executed.contains(my(U1 + ":100," + U2 + ":5"))).isTrue();
            assertThat(executed.contains(my(U1 + ":200"))).isTrue();
            assertThat(executed.contains(my(U1 + ":100-101"))).isFalse();
            assertThat(executed.contains(my(U1 + ":150"))).isFalse();
            assertThat(executed.contains(my(U3 + ":1"))).isFalse();
            assertThat(executed.contains(my(U2 + ":1," + U3 + ":1"))).isFalse();
            assertThat(executed.contains(GtidSet.empty())).isTrue();
            assertThat(GtidSet.empty().contains(executed)).isFalse();
            assertThat(GtidSet.empty().contains(GtidSet.empty())).isTrue();
        }

        @Test
        void union() {
            assertThat(my(U1 + ":1-5," + U3 + ":9").union(my(U1 + ":6-7:10," + U2 + ":1")))
                    .hasToString(U1 + ":1-7:10," + U2 + ":1," + U3 + ":9");
            GtidSet a = my(U1 + ":1");
            assertThat(a.union(GtidSet.empty())).isSameAs(a);
            assertThat(GtidSet.empty().union(a)).isSameAs(a);
        }

        @Test
        void add() {
            GtidSet set = my(U1 + ":1-5:7");
            assertThat(set.add(Gtid.parse(U1 + ":6"))).hasToString(U1 + ":1-7");
            assertThat(set.add(Gtid.parse(U1 + ":3"))).isSameAs(set);
            assertThat(set.add(Gtid.parse(U2 + ":etl:1"))).hasToString(U1 + ":1-5:7," + U2 + ":etl:1");
            assertThat(GtidSet.of(Gtid.parse(U2 + ":9"))).isEqualTo(my(U2 + ":9"));
        }

        @Test
        void subtractReportsErrantTransactions() {
            GtidSet primary = my(U1 + ":1-100," + U2 + ":1-20");
            GtidSet replica = my(U1 + ":1-90:95," + U2 + ":1-20:21-22," + U3 + ":1");
            assertThat(replica.subtract(primary)).hasToString(U2 + ":21-22," + U3 + ":1");
            assertThat(replica.missingFrom(primary)).hasToString(U1 + ":91-94:96-100");
            assertThat(primary.subtract(primary)).isSameAs(GtidSet.empty());
        }

        @Test
        void subtractSplitsIntervals() {
            assertThat(my(U1 + ":1-20:30-40").subtract(my(U1 + ":3:5-6:18-32:40:41-50")))
                    .hasToString(U1 + ":1-2:4:7-17:33-39");
        }

        @Test
        void flavoursDoNotMix() {
            GtidSet mysql = my(U1 + ":1");
            GtidSet mariadb = maria("0-1-1");
            assertThatThrownBy(() -> mysql.contains(mariadb)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MySQL").hasMessageContaining("MARIADB");
            assertThatThrownBy(() -> mariadb.union(mysql)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> mysql.add(Gtid.parse("0-1-2"))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> mariadb.contains(Gtid.parse(U1 + ":1")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(mysql.contains(GtidSet.empty())).isTrue();
            assertThat(mariadb.contains(GtidSet.empty())).isTrue();
        }

        @Test
        void equalityIsOnCanonicalForm() {
            assertThat(my(U1 + ":1-3:4")).isEqualTo(my(U1.toUpperCase() + ":1-4"))
                    .hasSameHashCodeAs(my(U1 + ":1-4"));
            assertThat(my(U1 + ":1-4")).isNotEqualTo(my(U1 + ":1-5")).isNotEqualTo(my(U1 + ":x:1-4"));
        }
    }

    @Nested
    class MariaDb {
        @Test
        void parseAndFormat() {
            assertThat(maria("1-2-5,0-1-100")).hasToString("0-1-100,1-2-5");
            assertThat(maria(" 0-1-100,\n1-2-5 \n")).hasToString("0-1-100,1-2-5");
            assertThat(maria("4294967295-4294967295-18446744073709551615"))
                    .hasToString("4294967295-4294967295-18446744073709551615");
            assertThat(maria("0-0-0")).hasToString("0-0-0");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
            "0-1-1,0-2-5            |  6 | domain 0 appears twice",
            "0-1                    |  3 | expected '-' after the server id but found end of input",
            "0-1-                   |  4 | expected sequence number but found end of input",
            "0--1-1                 |  2 | expected server id but found '-'",
            "0-1-1,                 |  6 | expected domain id but found end of input",
            "0-1-1 1-1-1            |  6 | expected ',' between GTIDs but found '1'",
            "4294967296-1-1         |  0 | domain id exceeds 4294967295",
            "0-4294967296-1         |  2 | server id exceeds 4294967295",
            "0-1-18446744073709551616 | 4 | sequence number exceeds 18446744073709551615",
            "0-1-1,x                |  6 | expected a MariaDB GTID domain-server-seq (a MySQL GTID set mixed in?)",
        })
        void malformedTextNamesPositionAndReason(String text, int index, String reason) {
            assertThatThrownBy(() -> maria(text))
                    .isInstanceOf(GtidParseException.class)
                    .hasMessageStartingWith("malformed GTID text at index " + index + ": " + reason);
        }

        @Test
        void containmentIsPerDomainSequence() {
            GtidSet replica = maria("0-1-100,1-2-5");
            assertThat(replica.contains(maria("0-1-100"))).isTrue();
            assertThat(replica.contains(maria("0-1-99,1-2-5"))).isTrue();
            assertThat(replica.contains(maria("0-1-101"))).isFalse();
            assertThat(replica.contains(maria("2-1-1"))).isFalse();
            assertThat(maria("0-1-5").contains(maria("0-1-5,1-1-1"))).isFalse();
            assertThat(replica.contains(Gtid.parse("1-9-4"))).isTrue();
            assertThat(replica.contains(Gtid.parse("1-9-6"))).isFalse();
        }

        @Test
        void sequenceNumbersAreUnsigned() {
            GtidSet high = maria("0-1-18446744073709551615");
            assertThat(high.contains(maria("0-1-1"))).isTrue();
            assertThat(maria("0-1-1").contains(high)).isFalse();
            assertThat(high.union(maria("0-1-9223372036854775807"))).isSameAs(high);
        }

        @Test
        void serverIdDoesNotOrder() {
            GtidSet viaOne = maria("0-1-5");
            GtidSet viaTwo = maria("0-2-5");
            assertThat(viaOne.contains(viaTwo)).isTrue();
            assertThat(viaTwo.contains(viaOne)).isTrue();
            assertThat(viaOne).isNotEqualTo(viaTwo);
            assertThat(maria("0-9-4").contains(maria("0-1-5"))).isFalse();
            // Union keeps the larger server id on a tie, only to stay commutative.
            assertThat(viaOne.union(viaTwo)).isEqualTo(viaTwo.union(viaOne)).hasToString("0-2-5");
            assertThat(viaOne.subtract(viaTwo)).isSameAs(GtidSet.empty());
        }

        @Test
        void unionIsPerDomainMaximum() {
            assertThat(maria("0-1-100,2-1-7").union(maria("0-2-90,1-2-5,2-3-8")))
                    .hasToString("0-1-100,1-2-5,2-3-8");
        }

        @Test
        void addMovesADomainForwardOnly() {
            GtidSet pos = maria("0-1-10");
            assertThat(pos.add(Gtid.parse("0-2-11"))).hasToString("0-2-11");
            assertThat(pos.add(Gtid.parse("0-2-9"))).isSameAs(pos);
            assertThat(pos.add(Gtid.parse("3-1-1"))).hasToString("0-1-10,3-1-1");
            assertThat(GtidSet.of(Gtid.parse("5-6-7"))).isEqualTo(maria("5-6-7"));
        }

        @Test
        void subtractNamesDomainsWhereThisIsAhead() {
            GtidSet oldPrimary = maria("0-1-100,1-1-50,2-1-3");
            GtidSet replica = maria("0-1-98,1-1-50,3-2-1");
            assertThat(oldPrimary.subtract(replica)).hasToString("0-1-100,2-1-3");
            assertThat(replica.missingFrom(oldPrimary)).hasToString("0-1-100,2-1-3");
            assertThat(replica.subtract(oldPrimary)).hasToString("3-2-1");
        }
    }

    @Nested
    class SingleGtid {
        @Test
        void mysql() {
            Gtid gtid = Gtid.parse(" " + U1.toUpperCase() + ":42\n");
            assertThat(gtid).isEqualTo(new Gtid.MySql(UUID.fromString(U1), 42)).hasToString(U1 + ":42");
            assertThat(gtid.flavour()).isEqualTo(GtidSet.Flavour.MYSQL);
            Gtid tagged = Gtid.parse(U1 + ":Etl:7");
            assertThat(tagged).isEqualTo(new Gtid.MySql(UUID.fromString(U1), "etl", 7)).hasToString(U1 + ":etl:7");
            assertThat(((Gtid.MySql) tagged).isTagged()).isTrue();
        }

        @Test
        void mariadb() {
            Gtid gtid = Gtid.parse("0-1-42");
            assertThat(gtid).isEqualTo(new Gtid.MariaDb(0, 1, 42)).hasToString("0-1-42");
            assertThat(gtid.flavour()).isEqualTo(GtidSet.Flavour.MARIADB);
            assertThat(Gtid.parse("1-2-18446744073709551615")).hasToString("1-2-18446744073709551615");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "0-1", "0-1-2-3", "0-1-2,1-1-1", "U1:1-2", "U1:0", "U1:etl", "U1:1:2", "U1"})
        void malformed(String text) {
            assertThatThrownBy(() -> Gtid.parse(text.replace("U1", U1))).isInstanceOf(GtidParseException.class);
        }

        @Test
        void outOfRangeValues() {
            assertThatThrownBy(() -> new Gtid.MySql(UUID.randomUUID(), 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new Gtid.MySql(UUID.randomUUID(), "1bad", 1))
                    .isInstanceOf(GtidParseException.class);
            assertThatThrownBy(() -> new Gtid.MariaDb(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> new Gtid.MariaDb(0, 1L << 32, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
